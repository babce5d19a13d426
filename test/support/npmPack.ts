// The npm package as users get it: `npm pack` of the repository (its prepack builds dist/).
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

let packedOnce: string | undefined;

/**
 * The repository packed once per test run, shared by every suite that installs it: packing
 * rebuilds dist/ (about 30 s), and two packs at once would delete each other's dist/. Removed
 * when the run ends.
 */
export function sharedTarball(): string {
    if (packedOnce === undefined) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-flux-pack-"));
        process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
        packedOnce = packTarball(dir);
    }
    return packedOnce;
}

/** Packs the repository into `destination`; returns the tarball's path. */
export function packTarball(destination: string): string {
    const out = childProcess.execFileSync("npm", ["pack", "--json", "--pack-destination", destination], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
    // prepack builds first; its lifecycle banners may precede npm's JSON on stdout.
    const packed = JSON.parse(out.slice(out.search(/^\[/m))) as { filename: string }[];
    return path.join(destination, packed[0].filename);
}

/**
 * node_modules/welkin-flux unpacked from the tarball, beside links to the repository's installed
 * dependencies (what `npm install` of the tarball would give, offline). npm must never run in
 * `project`: it would prune the linked folders.
 */
export function unpackAsDependency(tarball: string, project: string): string {
    const modules = path.join(project, "node_modules");
    fs.mkdirSync(modules, { recursive: true });
    for (const entry of fs.readdirSync(path.join(ROOT, "node_modules"))) {
        if (!entry.startsWith(".") && entry !== "welkin-flux") {
            fs.symlinkSync(path.join(ROOT, "node_modules", entry), path.join(modules, entry));
        }
    }
    childProcess.execFileSync("tar", ["-xzf", tarball, "-C", modules]);
    const installed = path.join(modules, "welkin-flux");
    fs.renameSync(path.join(modules, "package"), installed);
    return installed;
}
