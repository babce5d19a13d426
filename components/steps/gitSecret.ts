// Step 6: the Secret source-controller authenticates to git with (`<repo>-auth`), and optionally
// the image pull Secret for a private registry mirror.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { WelkinFluxConfig } from "../config";
import { GITHUB_KNOWN_HOSTS } from "../render/githubKnownHosts";
import { ChildOptions, childOptions } from "./childOptions";
import { DeployKey } from "./deployKey";
import { afterAnchor } from "./fluxNamespace";

export function createGitSecret(
    name: string,
    config: WelkinFluxConfig,
    key: DeployKey,
    anchor: pulumi.CustomResource,
    after: pulumi.Resource[],
    base: ChildOptions,
): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(
        `${name}-git-auth`,
        {
            metadata: { name: config.names.gitSecret, namespace: config.namespace },
            type: afterAnchor(anchor, "Opaque"),
            stringData: {
                // Flux reads these three keys (see `flux create secret git`).
                identity: pulumi.secret(key.privateKeyOpenssh),
                "identity.pub": key.publicKeyOpenssh.apply((k) => `${k}\n`),
                known_hosts: pulumi.output(config.knownHosts ?? GITHUB_KNOWN_HOSTS),
            },
        },
        // After the namespace and the key's registration: on a key rotation, the server knows the
        // new key before Flux switches to it.
        { ...childOptions(base, ...after), additionalSecretOutputs: ["data", "stringData"] },
    );
}

export function createImagePullSecret(
    name: string,
    config: WelkinFluxConfig,
    anchor: pulumi.CustomResource,
    base: ChildOptions,
): k8s.core.v1.Secret | undefined {
    const ips = config.imagePullSecret;
    if (ips === undefined || ips.dockerConfigJson === undefined) {
        return undefined;
    }
    return new k8s.core.v1.Secret(
        `${name}-image-pull`,
        {
            metadata: { name: ips.name, namespace: config.namespace },
            type: afterAnchor(anchor, "kubernetes.io/dockerconfigjson"),
            stringData: { ".dockerconfigjson": pulumi.secret(ips.dockerConfigJson) },
        },
        { ...childOptions(base, anchor), additionalSecretOutputs: ["data", "stringData"] },
    );
}
