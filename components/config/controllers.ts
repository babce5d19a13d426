// How the controllers run (docs/ARCHITECTURE.md step 7's kustomization.yaml): Flux's lockdown
// flags, a registry mirror for the images and the pull secret for it.
import { ImagePullSecretArgs, LockdownArgs } from "../args";
import { DNS1123_SUBDOMAIN, q, REGISTRY } from "./fieldProblems";
import { objectArg, Resolved } from "./resolved";

export interface ControllersConfig {
    lockdown: { noCrossNamespaceRefs: boolean; noRemoteBases: boolean; defaultServiceAccount?: string };
    registry?: string;
    imagePullSecret?: ImagePullSecretArgs;
}

function lockdownProblems(lockdown: Partial<LockdownArgs>, warnings: string[]): string[] {
    const problems: string[] = [];
    for (const flag of ["noCrossNamespaceRefs", "noRemoteBases"] as const) {
        if (lockdown[flag] !== undefined && typeof lockdown[flag] !== "boolean") {
            problems.push(`lockdown.${flag} must be true or false; got ${q(lockdown[flag])}.`);
        }
    }
    const sa = lockdown.defaultServiceAccount;
    if (sa === undefined) {
        return problems;
    }
    if (typeof sa !== "string" || !DNS1123_SUBDOMAIN.test(sa) || sa.length > 253) {
        problems.push(`lockdown.defaultServiceAccount ${q(sa)} is not a ServiceAccount name (lowercase letters, digits, '-' and '.').`);
    } else {
        warnings.push(
            `lockdown.defaultServiceAccount "${sa}": Welkin does not support Flux's impersonation ` +
                `model, so Kustomizations and HelmReleases without spec.serviceAccountName will fail unless that ServiceAccount ` +
                `exists in each target namespace with the rights it needs.`,
        );
    }
    return problems;
}

function registryProblems(registry: unknown): string[] {
    if (registry !== undefined && (typeof registry !== "string" || !REGISTRY.test(registry) || registry.length > 255)) {
        return [
            `registry ${q(registry)} is not an image registry prefix: give host[/path] without scheme, tag or trailing '/', ` +
                `for example "harbor.example.com/fluxcd" (images become <registry>/<controller>:<tag>).`,
        ];
    }
    return [];
}

function imagePullSecretProblems(ips: unknown): string[] {
    if (ips === undefined) {
        return [];
    }
    const name = (ips as Partial<ImagePullSecretArgs> | null)?.name;
    if (typeof ips !== "object" || ips === null || typeof name !== "string" || !DNS1123_SUBDOMAIN.test(name) || name.length > 253) {
        return [`imagePullSecret.name ${q(name)} is not a Secret name: use lowercase letters, digits, '-' and '.' (for example "harbor-pull").`];
    }
    return [];
}

export function resolveControllers(lockdownArg: unknown, registry: unknown, imagePullSecret: unknown): Resolved<ControllersConfig> {
    const problems: string[] = [];
    const warnings: string[] = [];
    const lockdown = objectArg<LockdownArgs>("lockdown", lockdownArg, problems, "{ noCrossNamespaceRefs: true }");
    problems.push(...lockdownProblems(lockdown, warnings), ...registryProblems(registry), ...imagePullSecretProblems(imagePullSecret));
    return {
        value: {
            lockdown: {
                noCrossNamespaceRefs: lockdown.noCrossNamespaceRefs ?? false,
                noRemoteBases: lockdown.noRemoteBases ?? false,
                defaultServiceAccount: lockdown.defaultServiceAccount,
            },
            registry: registry as string | undefined,
            imagePullSecret: imagePullSecret as ImagePullSecretArgs | undefined,
        },
        problems,
        warnings,
    };
}
