// The resource side of a dynamic resource that acts on the cluster as the caller: the preflight,
// the admin delegation, the CRD storage and the Flux objects teardown (their providers build on
// clusterProvider.ts). Each is given only the kubeconfig text and context (access.ts), kept
// secret in its inputs and outputs, and resolved by its provider when the engine asks it to act.
import * as pulumi from "@pulumi/pulumi";
import { KubeAccess } from "./access";

/**
 * How to reach the cluster as the component's own providers do: the kubeconfig (the kubernetes
 * provider's, when given) and the context, as a Pulumi secret.
 */
export function kubeAccess(kubeconfig: pulumi.Input<string | undefined> | undefined, context: string | undefined): pulumi.Output<KubeAccess> {
    return pulumi.secret(pulumi.output(kubeconfig).apply((k) => ({ kubeconfig: k ?? undefined, context })));
}

/** A cluster resource's inputs: its own, and how to reach the cluster. */
type ClusterResourceInputs = { access: pulumi.Input<KubeAccess> } & Record<string, unknown>;

/**
 * A dynamic resource of this package that acts on the cluster as the caller. Its type token is
 * `pulumi-nodejs:dynamic/welkin-flux:<kind>`: the kind is part of every URN and must never change.
 * `access` is a secret in the inputs and in the state.
 */
export abstract class ClusterResource extends pulumi.dynamic.Resource {
    protected constructor(provider: pulumi.dynamic.ResourceProvider, kind: string, name: string, inputs: ClusterResourceInputs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { ...inputs, access: pulumi.secret(inputs.access) }, { ...opts, additionalSecretOutputs: ["access"] }, "welkin-flux", kind);
    }
}
