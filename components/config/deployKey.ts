// The SSH key Flux fetches with (docs/ARCHITECTURE.md step 1): generated (algorithm, size),
// read-only or not, its title in the repository and the rotation trigger.
import { DeployKeyAlgorithm, DeployKeyArgs } from "../args";
import { DEFAULT_RSA_BITS } from "./defaults";
import * as pulumi from "@pulumi/pulumi";
import { ownKeyProblems } from "../keys/ownKey";
import { q } from "./fieldProblems";
import { asSecret, objectArg, Resolved } from "./resolved";

export interface DeployKeyConfig {
    /** The user's own key; undefined: one is generated. */
    privateKey?: pulumi.Input<string>;
    algorithm: DeployKeyAlgorithm;
    rsaBits: number;
    readOnly: boolean;
    title: string;
    rotation?: string;
}

const ALGORITHMS: readonly string[] = ["ED25519", "RSA", "ECDSA"];

function keyTypeProblems(dk: Partial<DeployKeyArgs>, algorithm: unknown): string[] {
    const problems: string[] = [];
    if (!ALGORITHMS.includes(algorithm as string)) {
        problems.push(`deployKey.algorithm ${q(algorithm)} is not supported: use "ED25519" (default), "RSA" or "ECDSA".`);
    }
    if (dk.rsaBits !== undefined) {
        if (algorithm !== "RSA") {
            problems.push(`deployKey.rsaBits is set but deployKey.algorithm is ${q(algorithm)}: set algorithm to "RSA" or remove rsaBits.`);
        } else if (!Number.isInteger(dk.rsaBits) || dk.rsaBits < 2048 || dk.rsaBits > 8192) {
            problems.push(`deployKey.rsaBits ${q(dk.rsaBits)} is out of range: use a whole number from 2048 to 8192 (default ${DEFAULT_RSA_BITS}).`);
        }
    }
    return problems;
}

function accessProblems(dk: Partial<DeployKeyArgs>, imageAutomation: boolean): string[] {
    if (dk.readOnly !== undefined && typeof dk.readOnly !== "boolean") {
        return [`deployKey.readOnly must be true or false; got ${q(dk.readOnly)}.`];
    }
    if (dk.readOnly === true && imageAutomation) {
        return [
            `deployKey.readOnly is true but componentsExtra enables image automation, which pushes commits ` +
                `with the deploy key: set deployKey.readOnly to false (or leave it unset).`,
        ];
    }
    return [];
}

function titleAndRotationProblems(title: unknown, rotation: unknown): string[] {
    const problems: string[] = [];
    if (typeof title !== "string" || title.trim() === "" || title.length > 100) {
        problems.push(`deployKey.title ${q(title)} must be 1 to 100 characters.`);
    }
    if (rotation !== undefined && (typeof rotation !== "string" || rotation.trim() === "" || rotation.length > 200)) {
        problems.push(`deployKey.rotation must be a non-empty string of at most 200 characters (change it to rotate the key, e.g. "2026-11"); got ${typeof rotation === "string" && rotation.length > 200 ? `${rotation.length} characters` : q(rotation)}.`);
    }
    return problems;
}

/** `deployKey.privateKey`: checked now when it is plain text; an Output is checked when it resolves. */
function ownKeyArgProblems(dk: Partial<DeployKeyArgs>): string[] {
    if (dk.privateKey === undefined) {
        return [];
    }
    const problems = pulumi.Output.isInstance(dk.privateKey) || dk.privateKey instanceof Promise ? [] : ownKeyProblems(dk.privateKey);
    const generatorOnly = (["algorithm", "rsaBits", "rotation"] as const).filter((f) => dk[f] !== undefined);
    if (generatorOnly.length > 0) {
        problems.push(
            `deployKey.${generatorOnly.join(", deployKey.")} applie${generatorOnly.length === 1 ? "s" : ""} to a generated key, but deployKey.privateKey ` +
                `gives your own: remove ${generatorOnly.length === 1 ? "it" : "them"} (rotate your key by changing privateKey).`,
        );
    }
    return problems;
}

export function resolveDeployKey(deployKey: unknown, clusterName: unknown, imageAutomation: boolean): Resolved<DeployKeyConfig> {
    const problems: string[] = [];
    const dk = objectArg<DeployKeyArgs>("deployKey", deployKey, problems, '{ algorithm: "ED25519" }');
    const algorithm = dk.algorithm ?? "ED25519";
    const title = dk.title ?? `flux-${clusterName}`;
    problems.push(...keyTypeProblems(dk, algorithm), ...accessProblems(dk, imageAutomation), ...titleAndRotationProblems(title, dk.rotation), ...ownKeyArgProblems(dk));
    return {
        // A secret whatever the caller passed: from YAML or config a plain string arrives.
        value: { privateKey: asSecret(dk.privateKey), algorithm, rsaBits: dk.rsaBits ?? DEFAULT_RSA_BITS, readOnly: dk.readOnly ?? !imageAutomation, title, rotation: dk.rotation },
        problems,
    };
}
