// The real `kubectl kustomize`, the reference for what Flux and `kubectl apply -k` build.
import * as assert from "assert";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KubeObject, parseManifest } from "../../components/kube/object";
import { filesInCommitOrder, FluxManifests } from "../../components/render/fluxManifests";

/** Objects by apiVersion/kind/namespace/name; a duplicate fails the test. */
export function byId(objects: KubeObject[]): Map<string, KubeObject> {
    const m = new Map<string, KubeObject>();
    for (const o of objects) {
        const id = `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
        assert.ok(!m.has(id), `duplicate object ${id}`);
        m.set(id, o);
    }
    return m;
}

/** Asserts that what the component applies is exactly `kubectl kustomize` of the files it commits; returns the objects. */
export function assertAppliedIsKustomizeBuild(manifests: FluxManifests): Map<string, KubeObject> {
    const built = byId(buildFolder(filesInCommitOrder(manifests.files), path.dirname(manifests.files.components.path)));
    const ours = byId(manifests.installObjects);
    assert.deepStrictEqual([...ours.keys()].sort(), [...built.keys()].sort());
    for (const [id, o] of ours) {
        assert.deepStrictEqual(o, built.get(id), `${id} differs from kubectl kustomize`);
    }
    return ours;
}

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
