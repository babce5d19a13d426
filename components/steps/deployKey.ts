// Step 1: the SSH key Flux fetches with, registered as a deploy key of the repository.
import * as github from "@pulumi/github";
import * as tls from "@pulumi/tls";
import { WelkinFluxConfig } from "../config";
import { ChildOptions, childOptions } from "./childOptions";

export interface DeployKey {
    privateKey: tls.PrivateKey;
    deployKey: github.RepositoryDeployKey;
}

export function createDeployKey(name: string, config: WelkinFluxConfig, base: ChildOptions): DeployKey {
    const dk = config.deployKey;
    const privateKey = new tls.PrivateKey(
        `${name}-ssh-key`,
        {
            algorithm: dk.algorithm,
            rsaBits: dk.algorithm === "RSA" ? dk.rsaBits : undefined,
            ecdsaCurve: dk.algorithm === "ECDSA" ? "P256" : undefined,
        },
        {
            ...childOptions(base),
            // The provider marks these sensitive too; saying it here keeps them secret whatever the provider version.
            additionalSecretOutputs: ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"],
            // Replacement is create-before-delete: the old key (and its deploy key) go only at the end of the update.
            ...(dk.rotation === undefined ? {} : { replacementTrigger: dk.rotation }),
        },
    );
    const deployKey = new github.RepositoryDeployKey(
        `${name}-deploy-key`,
        {
            repository: config.repository.name,
            title: dk.title,
            key: privateKey.publicKeyOpenssh.apply((k) => k.trim()),
            readOnly: dk.readOnly,
        },
        childOptions(base),
    );
    return { privateKey, deployKey };
}
