// Where the binaries built by sandbox/toolchain/build.sh live, and which are missing.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const TOOLCHAIN_CACHE = process.env.WELKIN_TOOLCHAIN_CACHE ?? path.join(os.homedir(), ".cache", "welkin-flux");

/** The binaries the sandbox tier runs, by the build.sh part that makes them. */
export const SANDBOX_BINARIES: Record<string, string> = {
    etcd: "etcd",
    "kube-apiserver": "kube",
    "kube-controller-manager": "kube",
    "kube-scheduler": "kube",
    "hnc-manager": "hnc",
    kwok: "kwok",
    pulumi: "pulumi",
    "pulumi-language-nodejs": "pulumi",
    "pulumi-resource-pulumi-nodejs": "pulumi",
};

/** The cached bin folders, newest version last. */
export function toolchainBinDirs(): string[] {
    if (!fs.existsSync(TOOLCHAIN_CACHE)) {
        return [];
    }
    return fs
        .readdirSync(TOOLCHAIN_CACHE)
        .filter((d) => !d.startsWith("."))
        .map((d) => path.join(TOOLCHAIN_CACHE, d, "bin"))
        .filter((d) => fs.existsSync(d))
        .sort();
}

export function findBinary(name: string): string | undefined {
    for (const dir of toolchainBinDirs().reverse()) {
        const candidate = path.join(dir, name);
        if (fs.existsSync(candidate)) {
            return candidate;
        }
    }
    return undefined;
}

export function binary(name: string): string {
    const found = findBinary(name);
    if (found === undefined) {
        throw new Error(`${name} is not built: run sandbox/toolchain/build.sh ${SANDBOX_BINARIES[name] ?? ""}`);
    }
    return found;
}

/** "name (build.sh part)" for every sandbox binary that is not built yet. */
export function missingSandboxBinaries(): string[] {
    return Object.entries(SANDBOX_BINARIES)
        .filter(([name]) => findBinary(name) === undefined)
        .map(([name, part]) => `${name} (build.sh ${part})`);
}

/** PATH with the toolchain first, for the Pulumi CLI to find its language host and plugins. */
export function toolchainPath(): string {
    return [...toolchainBinDirs(), process.env.PATH ?? ""].join(path.delimiter);
}
