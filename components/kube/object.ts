// Kubernetes objects as the component reads them from manifests. The bottom of the import graph:
// the kustomize engine, the renderers and the steps all speak KubeObject, and none of them needs
// to know which Flux release an object came from.
import * as yaml from "js-yaml";

/** A Kubernetes object as parsed from a manifest. */
export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; [key: string]: unknown };
    [key: string]: unknown;
}

/** Parses a multi-document manifest, skipping empty documents. */
export function parseManifest(text: string): KubeObject[] {
    return yaml.loadAll(text).filter((doc): doc is KubeObject => doc !== null && typeof doc === "object");
}
