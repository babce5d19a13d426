// kustomize's `images:` transformer: a container image whose name matches an entry is pulled
// from the entry's newName, keeping its tag or digest.
import { KubeObject } from "../kube/object";
import { podTemplate } from "../kube/podTemplate";

export interface ImageEntry {
    name: string;
    newName: string;
}

function rewriteImage(image: string, images: ImageEntry[]): string {
    for (const i of images) {
        // kustomize matches the image name up to its tag or digest.
        if (image === i.name || image.startsWith(i.name + ":") || image.startsWith(i.name + "@")) {
            return i.newName + image.slice(i.name.length);
        }
    }
    return image;
}

/** The objects with every workload's containers and init containers renamed as `images` says (in place). */
export function applyImages(objects: KubeObject[], images: ImageEntry[]): KubeObject[] {
    for (const o of objects) {
        const spec = podTemplate(o)?.spec;
        for (const container of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
            if (container.image !== undefined) {
                container.image = rewriteImage(container.image, images);
            }
        }
    }
    return objects;
}
