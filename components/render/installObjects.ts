// What `kubectl apply -k clusters/<cluster>/flux-system` applies, computed without kubectl:
// gotk-components minus the kinds Welkin forbids, with the customizations of
// kustomization.yaml (the user's patches among them), plus gotk-sync. The render tests hold this
// equal to the real `kubectl kustomize` of the three committed files.
import { KubeObject } from "../fluxDistribution";
import { podTemplate } from "../podTemplate";
import { FluxCustomizations, WELKIN_REMOVED_KINDS } from "./kustomizationYaml";
import { applyUserPatches } from "./userPatches";

function rewriteImage(image: string, images: FluxCustomizations["images"]): string {
    for (const i of images) {
        // kustomize matches the image name up to its tag or digest.
        if (image === i.name || image.startsWith(i.name + ":") || image.startsWith(i.name + "@")) {
            return i.newName + image.slice(i.name.length);
        }
    }
    return image;
}

/** Welkin's argument replacements, the lockdown flags and the pull secret, on one controller. */
function applyBuiltInCustomizations(o: KubeObject, c: FluxCustomizations): void {
    const spec = podTemplate(o)!.spec!;
    const first = spec.containers![0];
    for (const r of c.argReplacements) {
        if ((r.controllers as string[]).includes(o.metadata.name) && first.args?.[r.index] === r.from) {
            first.args[r.index] = r.to;
        }
    }
    for (const p of c.argPatches) {
        if ((p.controllers as string[]).includes(o.metadata.name)) {
            first.args = [...(first.args ?? []), p.arg];
        }
    }
    if (c.imagePullSecret !== undefined) {
        spec.imagePullSecrets = [{ name: c.imagePullSecret }];
    }
}

function rewriteImages(o: KubeObject, images: FluxCustomizations["images"]): void {
    const spec = podTemplate(o)?.spec;
    for (const container of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
        if (container.image !== undefined) {
            container.image = rewriteImage(container.image, images);
        }
    }
}

/** In kustomize's order: Welkin's deletions and our patches, then the user's patches, then `images:`. */
export function installObjects(gotkComponents: KubeObject[], gotkSync: KubeObject[], c: FluxCustomizations): KubeObject[] {
    const removed = new Set(WELKIN_REMOVED_KINDS.map((k) => k.kind));
    const objects = structuredClone([...gotkComponents, ...gotkSync]).filter((o) => !removed.has(o.kind));
    objects.filter((o) => o.kind === "Deployment").forEach((o) => applyBuiltInCustomizations(o, c));
    const patched = applyUserPatches(objects, c.userPatches, c);
    patched.filter((o) => o.kind === "Deployment").forEach((o) => rewriteImages(o, c.images));
    return patched;
}
