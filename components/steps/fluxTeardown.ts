// Step 9, for `destroy`: every Flux object goes while the controllers still run to finalize it
// (teardown/provider.ts says why). Deleted first because it depends on everything the
// controllers need to finalize: their Deployments, ServiceAccounts, Roles, admin delegation, the
// namespace and the CRDs.
import * as pulumi from "@pulumi/pulumi";
import { WelkinFluxConfig } from "../config";
import { crdShape } from "../kube/crd";
import { fluxCrds } from "../flux/bundle";
import { KubeAccess } from "../kube/access";
import { FluxKind, KeptObject, teardownProvider } from "../teardown/provider";
import { ChildOptions, childOptions } from "./childOptions";

/** How long the controllers get to finalize Flux's objects on destroy before their finalizers are removed. */
export const TEARDOWN_TIMEOUT_SECONDS = 60;

/** The namespaced kinds of the version's Flux CRDs, at their storage versions. */
export function fluxKinds(fluxVersion: string): FluxKind[] {
    return fluxCrds(fluxVersion)
        .map(crdShape)
        .filter((crd) => crd.namespaced)
        .map((crd) => ({ group: crd.group, version: crd.storageVersion, plural: crd.plural }));
}

/** The component's own sync objects: the engine deletes them right after, in order. */
export function keptSyncObjects(config: WelkinFluxConfig): KeptObject[] {
    return [
        { plural: "gitrepositories", namespace: config.namespace, name: config.names.gitRepository },
        { plural: "kustomizations", namespace: config.namespace, name: config.names.kustomization },
    ];
}

export class FluxObjectsTeardown extends pulumi.dynamic.Resource {
    constructor(name: string, args: { kinds: FluxKind[]; keep: KeptObject[]; timeoutSeconds: number; access: pulumi.Input<KubeAccess> }, opts: pulumi.CustomResourceOptions) {
        super(teardownProvider, name, { ...args, access: pulumi.secret(args.access) }, { ...opts, additionalSecretOutputs: ["access"] }, "welkin-flux", "FluxObjectsTeardown");
    }
}

/** `controllersNeed`: what the running controllers need to finalize (all of the install, really). */
export function createFluxTeardown(name: string, config: WelkinFluxConfig, access: pulumi.Input<KubeAccess>, controllersNeed: pulumi.Resource[], base: ChildOptions): FluxObjectsTeardown {
    return new FluxObjectsTeardown(
        `${name}-flux-objects-teardown`,
        { kinds: fluxKinds(config.fluxVersion), keep: keptSyncObjects(config), timeoutSeconds: TEARDOWN_TIMEOUT_SECONDS, access },
        childOptions(base, ...controllersNeed),
    );
}
