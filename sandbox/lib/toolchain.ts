// Where the binaries built by sandbox/toolchain/build.sh live, and which are missing. build.sh is
// the one source of truth: it writes $TOOLCHAIN_CACHE/toolchain-manifest.json (every part with its
// version, bin dir, binaries and whether the sandbox needs it), and this file only reads it.
import * as childProcess from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const TOOLCHAIN_CACHE = process.env.WELKIN_TOOLCHAIN_CACHE ?? path.join(os.homedir(), ".cache", "welkin-flux");
export const BUILD_SCRIPT = path.resolve(__dirname, "..", "toolchain", "build.sh");
export const MANIFEST_FILE = path.join(TOOLCHAIN_CACHE, "toolchain-manifest.json");

/** One build.sh part, as in the manifest. */
export interface ToolchainPart {
    part: string;
    version: string;
    /** The part's cache dir and its bin dir; null for the apt part. */
    dir: string | null;
    binDir: string | null;
    binaries: string[];
    /** Debian packages (the apt part only). */
    packages?: string[];
    /** Whether the sandbox tier (cluster.ts, test/e2e) runs it. */
    sandbox: boolean;
    /** As build.sh last saw it; findBinary checks the files themselves. */
    present: boolean;
    built?: string;
    buildSeconds?: number;
}

export interface ToolchainManifest {
    format: 1;
    script: string;
    /** sha256 of the build.sh that wrote it: versions and dir names change with the script. */
    scriptSha256: string;
    cache: string;
    parts: ToolchainPart[];
}

function parseManifest(text: string, source: string): ToolchainManifest {
    const m = JSON.parse(text) as ToolchainManifest;
    if (m.format !== 1 || !Array.isArray(m.parts)) {
        throw new Error(`${source}: not a format-1 toolchain manifest`);
    }
    return m;
}

/**
 * The manifest build.sh wrote. When there is none yet (nothing built) or it was written by a
 * different build.sh (another checkout, or versions changed since), `build.sh --manifest`
 * writes it afresh: it only looks at the cache, it builds nothing.
 */
export function readManifest(): ToolchainManifest {
    const sha = crypto.createHash("sha256").update(fs.readFileSync(BUILD_SCRIPT)).digest("hex");
    if (fs.existsSync(MANIFEST_FILE)) {
        const m = parseManifest(fs.readFileSync(MANIFEST_FILE, "utf8"), MANIFEST_FILE);
        if (m.scriptSha256 === sha && m.cache === TOOLCHAIN_CACHE) {
            return m;
        }
    }
    const out = childProcess.execFileSync("bash", [BUILD_SCRIPT, "--manifest"], {
        encoding: "utf8",
        env: { ...process.env, WELKIN_TOOLCHAIN_CACHE: TOOLCHAIN_CACHE },
        stdio: ["ignore", "pipe", "pipe"],
    });
    return parseManifest(out, `${BUILD_SCRIPT} --manifest`);
}

export function toolchainPart(part: string): ToolchainPart {
    const found = readManifest().parts.find((p) => p.part === part);
    if (found === undefined) {
        throw new Error(`sandbox/toolchain/build.sh has no part '${part}'`);
    }
    return found;
}

function isExecutable(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

/** The part that builds a binary, if any. */
function partOf(m: ToolchainManifest, name: string): ToolchainPart | undefined {
    return m.parts.find((p) => p.binDir !== null && p.binaries.includes(name));
}

/**
 * The bin dirs of the parts that are built, in build.sh's order. Only the versions build.sh
 * names: older versions' dirs left in the cache are never used.
 */
export function toolchainBinDirs(): string[] {
    return readManifest()
        .parts.filter((p) => p.binDir !== null && p.binaries.some((b) => isExecutable(path.join(p.binDir as string, b))))
        .map((p) => p.binDir as string);
}

export function findBinary(name: string): string | undefined {
    const part = partOf(readManifest(), name);
    if (part === undefined || part.binDir === null) {
        return undefined;
    }
    const candidate = path.join(part.binDir, name);
    return isExecutable(candidate) ? candidate : undefined;
}

export function binary(name: string): string {
    const m = readManifest();
    const part = partOf(m, name);
    if (part === undefined) {
        throw new Error(`${name} is not built by sandbox/toolchain/build.sh (see build.sh --list)`);
    }
    const found = findBinary(name);
    if (found === undefined) {
        throw new Error(`${name} is not built: run sandbox/toolchain/build.sh ${part.part}`);
    }
    return found;
}

/** "name (build.sh part)" for every binary of the sandbox's parts that is not built yet. */
export function missingSandboxBinaries(): string[] {
    return readManifest()
        .parts.filter((p) => p.sandbox && p.binDir !== null)
        .flatMap((p) => p.binaries.filter((b) => !isExecutable(path.join(p.binDir as string, b))).map((b) => `${b} (build.sh ${p.part})`));
}

/** PATH with the toolchain first, for the Pulumi CLI to find its language host and plugins. */
export function toolchainPath(): string {
    return [...toolchainBinDirs(), process.env.PATH ?? ""].join(path.delimiter);
}
