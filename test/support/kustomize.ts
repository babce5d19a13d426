// The real `kubectl kustomize`, the reference for what Flux and `kubectl apply -k` build.
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KubeObject, parseManifest } from "../../components/fluxDistribution";

/** Writes the files (repository-relative paths) to a temporary folder and builds `folder` in it. */
export function buildFolder(files: { path: string; content: string }[], folder: string): KubeObject[] {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-kustomize-"));
    try {
        for (const f of files) {
            fs.mkdirSync(path.dirname(path.join(root, f.path)), { recursive: true });
            fs.writeFileSync(path.join(root, f.path), f.content);
        }
        return parseManifest(childProcess.execFileSync("kubectl", ["kustomize", path.join(root, folder)], { encoding: "utf8", maxBuffer: 64 << 20 }));
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") {
            throw new Error("kubectl is not on PATH: the render tests compare against the real `kubectl kustomize`");
        }
        throw e;
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}
