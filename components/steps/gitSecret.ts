// Step 6: the Secret source-controller authenticates to git with (`<repo>-auth`).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions, inFluxNamespace, StepContext } from "../context/stepContext";
import { DeployKey } from "../keys/deployKey";
import { knownAfter } from "../kube/knownAfter";
import { GITHUB_KNOWN_HOSTS } from "../render/githubKnownHosts";

/** `keyReady`: the key and its registration with the git server. */
export function createGitSecret(ctx: StepContext, inputs: { key: DeployKey; keyReady: pulumi.Resource[]; anchor: pulumi.CustomResource }): { gitSecret: k8s.core.v1.Secret } {
    const { name, config } = ctx;
    const { key, keyReady, anchor } = inputs;
    const gitSecret = new k8s.core.v1.Secret(
        `${name}-git-auth`,
        {
            metadata: { name: config.names.gitSecret, namespace: config.namespace },
            type: knownAfter(anchor, "Opaque"),
            stringData: {
                // Flux reads these three keys (see `flux create secret git`).
                identity: pulumi.secret(key.privateKeyOpenssh),
                "identity.pub": key.publicKeyOpenssh.apply((k) => `${k}\n`),
                known_hosts: pulumi.output(config.knownHosts ?? GITHUB_KNOWN_HOSTS),
            },
        },
        // After the namespace and the key's registration: on a key rotation, the server knows the
        // new key before Flux switches to it.
        { ...childOptions(ctx, anchor, ...keyReady), ...inFluxNamespace(anchor), additionalSecretOutputs: ["data", "stringData"] },
    );
    return { gitSecret };
}
