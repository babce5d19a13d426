// The FluxCrdStorage resource (docs/ARCHITECTURE.md step 2): what a change of Flux version does
// to the installed CRDs, decided before anything changes; its provider is provider.ts.
import * as pulumi from "@pulumi/pulumi";
import { fluxCrds } from "../flux/bundle";
import { SUPPORTED_FLUX_VERSIONS } from "../flux/releases";
import { KubeAccess } from "../kube/access";
import { ClusterResource } from "../kube/clusterResource";
import { crdShape } from "../kube/crd";
import { KubeObject } from "../kube/object";
import { gzipBase64, sha256Hex } from "../state/packedText";
import { crdStorageProvider, PlannedCrd } from "./provider";

/** The storage version of each CRD in every bundled release, by CRD name. */
function storageVersions(): Map<string, Set<string>> {
    const stored = new Map<string, Set<string>>();
    for (const version of SUPPORTED_FLUX_VERSIONS) {
        for (const crd of fluxCrds(version).map(crdShape)) {
            stored.set(crd.name, new Set([...(stored.get(crd.name) ?? []), crd.storageVersion]));
        }
    }
    return stored;
}

/**
 * The CRD as a planned CRD carries it (provider.ts, plannedManifest): the state keeps it in the
 * resource's inputs, at a third to two fifths of its JSON text's size.
 */
export function packManifest(crd: KubeObject): Required<Pick<PlannedCrd, "manifestGzip" | "manifestSha256">> {
    const text = JSON.stringify(crd);
    return { manifestGzip: gzipBase64(text), manifestSha256: sha256Hex(text) };
}

export function plannedCrds(fluxVersion: string): PlannedCrd[] {
    const stored = storageVersions();
    return fluxCrds(fluxVersion).map((crd) => {
        const { name, group, plural, kind, versions } = crdShape(crd);
        // Only where some bundled release stores a version this one does not serve: the state
        // keeps the manifest of just the CRDs a version change may have to create again.
        const mayBeReplaced = [...(stored.get(name) ?? [])].some((v) => !versions.includes(v));
        return { name, group, plural, kind, versions, ...(mayBeReplaced ? packManifest(crd) : {}) };
    });
}

/** What a version change does to the installed CRDs; replaced whenever fluxVersion changes. */
export class FluxCrdStorage extends ClusterResource {
    /** Installed CRDs deleted and created again for this version (none exist of their kinds). */
    declare public readonly replaceCrds: pulumi.Output<string[]>;

    constructor(name: string, args: { fluxVersion: string; crds: PlannedCrd[]; access: pulumi.Input<KubeAccess> }, opts: pulumi.CustomResourceOptions) {
        super(crdStorageProvider, "FluxCrdStorage", name, { ...args, replaceCrds: undefined }, opts);
    }
}
