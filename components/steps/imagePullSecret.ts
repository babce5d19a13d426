// Step 6, beside the git Secret: the image pull Secret for a private registry mirror, when its
// contents are given (otherwise it is made in flux-system by other means, or not needed).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions, inFluxNamespace, StepContext } from "../context/stepContext";
import { knownAfter } from "../kube/knownAfter";

/** None, or the one Secret. */
export function createImagePullSecret(ctx: StepContext, inputs: { anchor: pulumi.CustomResource }): { pullSecrets: k8s.core.v1.Secret[] } {
    const ips = ctx.config.imagePullSecret;
    if (ips === undefined || ips.dockerConfigJson === undefined) {
        return { pullSecrets: [] };
    }
    const pullSecret = new k8s.core.v1.Secret(
        `${ctx.name}-image-pull`,
        {
            metadata: { name: ips.name, namespace: ctx.config.namespace },
            type: knownAfter(inputs.anchor, "kubernetes.io/dockerconfigjson"),
            stringData: { ".dockerconfigjson": pulumi.secret(ips.dockerConfigJson) },
        },
        { ...childOptions(ctx, inputs.anchor), ...inFluxNamespace(inputs.anchor), additionalSecretOutputs: ["data", "stringData"] },
    );
    return { pullSecrets: [pullSecret] };
}
