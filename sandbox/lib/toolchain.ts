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
const RENDER_SOURCES = ["go.mod", "go.sum", "main.go"].map((f) => path.resolve(__dirname, "..", "toolchain", "modules", "welkin-gatekeeper-render", f));

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
    // build.sh's scriptSha256: the script, then the renderer's source (its cache dir follows it).
    const hash = crypto.createHash("sha256").update(fs.readFileSync(BUILD_SCRIPT));
    for (const f of RENDER_SOURCES) {
        hash.update(fs.readFileSync(f));
    }
    const sha = hash.digest("hex");
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

/** Where the Go module cache holds `module` at `version` (the source a part was built from: its CRDs, its charts). */
export function goModuleDir(module: string, version: string): string {
    const modCache = childProcess.execFileSync("go", ["env", "GOMODCACHE"], { encoding: "utf8" }).trim();
    return path.join(modCache, ...module.split("/").slice(0, -1), `${module.split("/").pop()}@${version}`);
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

/**
 * Cold build seconds of each part on a 2-core machine, for saying how long a build will take
 * before it starts (the manifest only knows the seconds of parts already built). Measured
 * 2026-12-04 with `build.sh pulumi kube etcd hnc kwok kubernetes flux yaml` on an empty toolchain
 * cache, other work running on the machine (the run's buildSeconds in the manifest): 1780 s in
 * all. They are a cold build's in build.sh's order: kustomize-controller reuses what
 * source-controller compiled (one wrapper module), so alone it would take longer. One user's fresh
 * 2-core machine took 36 minutes for the sandbox's six parts, which these put at 25: an estimate
 * to plan by, which a slower or busier machine exceeds.
 */
export const COLD_BUILD_SECONDS_2_CORES: Readonly<Record<string, number>> = {
    pulumi: 255,
    kubernetes: 598,
    kube: 470,
    etcd: 31,
    hnc: 67,
    kwok: 70,
    "source-controller": 200,
    "kustomize-controller": 47,
    yaml: 42,
    // Measured 2026-12-05 with `build.sh gatekeeper policy-render` on an empty Go build and module
    // cache (GOCACHE, GOMODCACHE): 157 s for Gatekeeper and gator, then 48 s for the renderer.
    gatekeeper: 157,
    "policy-render": 48,
};

/** The parts that build the given binaries (e.g. the Flux controllers), in build.sh's order. */
export function partsOfBinaries(m: ToolchainManifest, binaries: readonly string[]): string[] {
    const unknown = binaries.filter((b) => partOf(m, b) === undefined);
    if (unknown.length > 0) {
        throw new Error(`sandbox/toolchain/build.sh builds no ${unknown.join(", ")}`);
    }
    return m.parts.filter((p) => p.binDir !== null && binaries.some((b) => p.binaries.includes(b))).map((p) => p.part);
}

/** What building the missing ones among some parts takes, estimated before anything runs. */
export interface BuildPlan {
    /** The parts not built yet, in build.sh's order (the order it builds them in). */
    missing: string[];
    /** Their cold seconds on 2 cores, summed over those measured. */
    seconds: number;
    /** Missing parts with no measured time (a part added to build.sh since). */
    unmeasured: string[];
}

/**
 * The plan for `wanted` (build.sh part names): which are missing, judged by the binaries
 * themselves (as findBinary does, not the manifest's `present`), and about how long they take.
 */
export function buildPlan(m: ToolchainManifest, wanted: readonly string[], coldSeconds: Readonly<Record<string, number>> = COLD_BUILD_SECONDS_2_CORES): BuildPlan {
    const unknown = wanted.filter((w) => !m.parts.some((p) => p.part === w && p.binDir !== null));
    if (unknown.length > 0) {
        throw new Error(`sandbox/toolchain/build.sh has no buildable part ${unknown.join(", ")}`);
    }
    const missing = m.parts
        .filter((p) => wanted.includes(p.part) && p.binaries.some((b) => !isExecutable(path.join(p.binDir as string, b))))
        .map((p) => p.part);
    const unmeasured = missing.filter((p) => coldSeconds[p] === undefined);
    const seconds = missing.reduce((sum, p) => sum + (coldSeconds[p] ?? 0), 0);
    return { missing, seconds, unmeasured };
}

/** "about 29 minutes", "under a minute": an estimate, so whole minutes. */
export function roughDuration(seconds: number): string {
    if (seconds < 60) {
        return "under a minute";
    }
    const minutes = Math.round(seconds / 60);
    return `about ${minutes} minute${minutes === 1 ? "" : "s"}`;
}

/**
 * One line saying what will be built and about how long it takes, e.g. "building 4 missing
 * parts (kube, kubernetes, source-controller, kustomize-controller): about 22 minutes on 2
 * cores". The times were measured on 2 cores; on another machine the line says so instead of
 * scaling them (Go's build does not scale evenly with cores).
 */
export function describeBuildPlan(plan: BuildPlan, cores: number): string {
    if (plan.missing.length === 0) {
        return "nothing to build";
    }
    const n = plan.missing.length;
    const what = `building ${n === 1 ? "1 missing part" : `${n} missing parts`} (${plan.missing.join(", ")})`;
    const measured = plan.missing.length - plan.unmeasured.length;
    if (measured === 0) {
        return `${what}: no build time measured for ${n === 1 ? "it" : "them"}`;
    }
    const where = cores === 2 ? "on 2 cores" : `on 2 cores (measured there; this machine has ${cores})`;
    const rest = plan.unmeasured.length > 0 ? `, plus ${plan.unmeasured.join(", ")} (not measured)` : "";
    return `${what}: ${roughDuration(plan.seconds)} ${where}${rest}`;
}
