import * as pulumi from "@pulumi/pulumi";

/**
 * The deploy key, whichever way it was made (steps/deployKey.ts: generated, or the user's own,
 * ownKey.ts): what the git Secret holds and what a git target registers and pushes with.
 */
export interface DeployKey {
    /** The private key in OpenSSH format: always a Pulumi secret. */
    privateKeyOpenssh: pulumi.Output<string>;
    /** `<type> <base64>`, as a deploy key is registered. */
    publicKeyOpenssh: pulumi.Output<string>;
    /** `SHA256:...`, as GitHub and `ssh-keygen -l` show it. */
    fingerprintSha256: pulumi.Output<string>;
    /** Resources that make the key (none for the user's own key). */
    resources: pulumi.Resource[];
}
