// What the component needs to know of a CustomResourceDefinition: its names, scope and versions.
import { KubeObject } from "./object";

export interface CrdShape {
    name: string;
    group: string;
    plural: string;
    kind: string;
    namespaced: boolean;
    /** Every version in spec.versions. */
    versions: string[];
    storageVersion: string;
}

export function crdShape(crd: KubeObject): CrdShape {
    const spec = crd.spec as { group: string; scope: string; names: { plural: string; kind: string }; versions: { name: string; storage: boolean }[] };
    return {
        name: crd.metadata.name,
        group: spec.group,
        plural: spec.names.plural,
        kind: spec.names.kind,
        namespaced: spec.scope === "Namespaced",
        versions: spec.versions.map((v) => v.name),
        storageVersion: spec.versions.find((v) => v.storage)!.name,
    };
}
