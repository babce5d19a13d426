// The FluxObjectsTeardown resource (docs/ARCHITECTURE.md step 9): on destroy, every Flux object
// goes while the controllers still run to finalize it; its provider is provider.ts.
import * as pulumi from "@pulumi/pulumi";
import { WelkinFluxConfig } from "../config";
import { fluxCrds } from "../flux/bundle";
import { KubeAccess } from "../kube/access";
import { ClusterResource } from "../kube/clusterResource";
import { crdShape } from "../kube/crd";
import { FluxKind, OwnSyncObject, teardownProvider } from "./provider";

/** How long the controllers get to finalize Flux's objects on destroy before their finalizers are removed. */
export const TEARDOWN_TIMEOUT_SECONDS = 60;

/** The namespaced kinds of the version's Flux CRDs, at their storage versions. */
export function fluxKinds(fluxVersion: string): FluxKind[] {
    return fluxCrds(fluxVersion)
        .map(crdShape)
        .filter((crd) => crd.namespaced)
        .map((crd) => ({ group: crd.group, version: crd.storageVersion, plural: crd.plural }));
}

/** The component's own sync objects, suspended first so that deleting the Kustomization prunes nothing. */
export function ownSyncObjects(config: WelkinFluxConfig): OwnSyncObject[] {
    return [
        { plural: "gitrepositories", namespace: config.namespace, name: config.names.gitRepository },
        { plural: "kustomizations", namespace: config.namespace, name: config.names.kustomization },
    ];
}

export class FluxObjectsTeardown extends ClusterResource {
    constructor(name: string, args: { kinds: FluxKind[]; own: OwnSyncObject[]; timeoutSeconds: number; access: pulumi.Input<KubeAccess> }, opts: pulumi.CustomResourceOptions) {
        super(teardownProvider, "FluxObjectsTeardown", name, args, opts);
    }
}
