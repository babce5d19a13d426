// What `kubectl apply -k clusters/<cluster>/flux-system` applies, computed without kubectl: the
// built-in patches and the user's patches applied by the kustomize engine in kustomization.yaml's
// order, then its `images:`. The render tests hold this equal to the real `kubectl kustomize` of
// the three committed files.
import { applyImages } from "../kustomize/images";
import { applyKustomizePatch } from "../kustomize/patch";
import { KubeObject } from "../kube/object";
import { BuiltInPatch } from "./builtInPatches";
import { FluxCustomizations } from "./customizations";
import { applyUserPatches } from "./userPatches";

export function installObjects(gotkComponents: readonly KubeObject[], gotkSync: KubeObject[], builtIns: BuiltInPatch[], c: FluxCustomizations): KubeObject[] {
    let objects = structuredClone([...gotkComponents, ...gotkSync]);
    for (const p of builtIns) {
        objects = applyKustomizePatch(objects, p.parsed, p.target).objects;
    }
    return applyImages(applyUserPatches(objects, c.userPatches, c), c.images);
}
