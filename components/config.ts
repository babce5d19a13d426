// Validation of WelkinFluxArgs. Everything here is pure and runs before the component registers
// anything, so bad input stops `pulumi preview` with a message naming the field, the value and the
// fix, and nothing is created.
import * as pulumi from "@pulumi/pulumi";
import { DeployKeyAlgorithm, ImagePullSecretArgs, PolicyName, WelkinFluxArgs } from "./args";
import { WELKIN_DEFAULT_ENFORCEMENT } from "./policy/welkinPolicies";
import {
    DEFAULT_FLUX_VERSION,
    EXTRA_COMPONENTS,
    FluxExtraComponent,
    isSupportedFluxVersion,
    SUPPORTED_FLUX_VERSIONS,
} from "./fluxDistribution";
import { DEFAULT_BRANCH, DEFAULT_PARENT_NAMESPACE, DEFAULT_RSA_BITS, DEFAULT_SYNC_INTERVAL, FLUX_NAMESPACE } from "./defaults";
import { normalizeFluxInterval } from "./goDuration";
import {
    checkBranchName,
    checkInterval,
    checkKnownHosts,
    checkNamespaceName,
    DNS1123_LABEL,
    DNS1123_SUBDOMAIN,
    GITHUB_OWNER,
    GITHUB_REPOSITORY,
    PATH_SEGMENT,
    q,
    REGISTRY,
} from "./validators";

export { DEFAULT_BRANCH, DEFAULT_PARENT_NAMESPACE, DEFAULT_RSA_BITS, DEFAULT_SYNC_INTERVAL, FLUX_NAMESPACE } from "./defaults";
export { checkBranchName, checkInterval, checkKnownHosts, checkNamespaceName } from "./validators";

export interface WelkinFluxConfig {
    clusterName: string;
    repository: { owner: string; name: string; branch: string };
    /** The anchor's parent. */
    parentNamespace: string;
    /** `parentNamespace` followed by the extra parents: each gets the Roles and the admin delegation. */
    parentNamespaces: string[];
    namespace: typeof FLUX_NAMESPACE;
    fluxVersion: string;
    componentsExtra: FluxExtraComponent[];
    imageAutomation: boolean;
    /** Go `Duration.String()` form, as the flux CLI writes it (`1m` becomes `1m0s`). */
    syncInterval: string;
    deployKey: { algorithm: DeployKeyAlgorithm; rsaBits: number; readOnly: boolean; title: string; rotation?: string };
    knownHosts?: pulumi.Input<string>;
    lockdown: { noCrossNamespaceRefs: boolean; noRemoteBases: boolean; defaultServiceAccount?: string };
    registry?: string;
    imagePullSecret?: ImagePullSecretArgs;
    kubeconfig?: pulumi.Input<string | undefined>;
    kubeContext?: string;
    commitMessagePrefix: string;
    preflight: boolean;
    policyChecks: { mode: "warn" | "error" | "off"; ignore: PolicyName[]; allowedRegistries?: string[] };
    /** Names of the Flux objects, following `flux create source git <repo>-repo ... --secret-ref=<repo>-auth`. */
    names: { gitRepository: string; kustomization: string; gitSecret: string };
    /** `clusters/<clusterName>/flux-system`, relative to the repository root. */
    syncPath: string;
    /** Accepted but worth telling the user about (surfaced with pulumi.log.warn). */
    warnings: string[];
}

export class WelkinFluxArgsError extends Error {
    constructor(
        readonly componentName: string,
        readonly problems: string[],
    ) {
        super(
            `Invalid arguments for WelkinFlux "${componentName}" (nothing was created):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "WelkinFluxArgsError";
    }
}

function isPlainString(v: unknown): v is string {
    return typeof v === "string";
}

/**
 * Validates the arguments and applies the defaults. Throws a WelkinFluxArgsError listing every
 * problem at once, so one preview shows all that needs fixing.
 */
export function resolveWelkinFluxConfig(name: string, args: WelkinFluxArgs): WelkinFluxConfig {
    const problems: string[] = [];
    const warnings: string[] = [];
    const a = (args ?? {}) as Partial<WelkinFluxArgs>;

    if (typeof name !== "string" || name === "") {
        problems.push(`the component's resource name must be a non-empty string; got ${q(name)}.`);
    }

    const clusterName = a.clusterName;
    if (typeof clusterName !== "string" || clusterName === "") {
        problems.push(`clusterName is required: the manifests are committed under clusters/<clusterName>/flux-system (for example clusterName: "dev").`);
    } else if (!PATH_SEGMENT.test(clusterName)) {
        problems.push(
            `clusterName ${q(clusterName)} is not a safe path segment for clusters/<clusterName>/flux-system: use at most 63 ` +
                `letters, digits, '.', '_' or '-', starting with a letter or digit, and no '/' (for example "welkin-dev").`,
        );
    }

    const repo = (a.repository ?? {}) as Partial<WelkinFluxArgs["repository"]>;
    if (a.repository === undefined || typeof a.repository !== "object") {
        problems.push(`repository is required: { owner: "<GitHub user or organisation>", name: "<repository>", branch?: "main" }.`);
    } else {
        if (typeof repo.owner !== "string" || repo.owner === "") {
            problems.push(`repository.owner is required: the GitHub user or organisation that owns the repository.`);
        } else if (!GITHUB_OWNER.test(repo.owner)) {
            problems.push(
                `repository.owner ${q(repo.owner)} is not a GitHub user or organisation name: use at most 39 letters, ` +
                    `digits and single '-' between them (for example "my-org").`,
            );
        }
        if (typeof repo.name !== "string" || repo.name === "") {
            problems.push(`repository.name is required: the GitHub repository Flux syncs from, without ".git".`);
        } else if (!GITHUB_REPOSITORY.test(repo.name) || repo.name === "." || repo.name === ".." || repo.name.endsWith(".git")) {
            problems.push(
                `repository.name ${q(repo.name)} is not a GitHub repository name: use letters, digits, '.', '_' and '-', ` +
                    `without a ".git" suffix (for example "fleet-infra").`,
            );
        } else if (!DNS1123_LABEL.test(repo.name) || `${repo.name}-repo`.length > 63) {
            problems.push(
                `repository.name ${q(repo.name)} cannot name the Flux objects "${repo.name}-repo" and "${repo.name}-auth": ` +
                    `they must be lowercase letters, digits and '-' (at most 58 characters before the suffix). ` +
                    `Use a repository whose name fits, or rename it.`,
            );
        }
        if (repo.branch !== undefined) {
            problems.push(...checkBranchName("repository.branch", repo.branch));
        }
    }

    const parentNamespace = a.parentNamespace ?? DEFAULT_PARENT_NAMESPACE;
    problems.push(...checkNamespaceName("parentNamespace", parentNamespace));
    const extraParents = a.extraParentNamespaces ?? [];
    if (!Array.isArray(extraParents)) {
        problems.push(`extraParentNamespaces must be a list of namespace names; got ${q(extraParents)}.`);
    } else {
        extraParents.forEach((ns, i) => problems.push(...checkNamespaceName(`extraParentNamespaces[${i}]`, ns)));
        const seen = new Set<string>([parentNamespace]);
        for (const ns of extraParents) {
            if (seen.has(ns)) {
                problems.push(
                    `extraParentNamespaces lists ${q(ns)} ${ns === parentNamespace ? "which is already parentNamespace" : "twice"}: ` +
                        `each parent namespace gets its Roles and delegation once; remove the duplicate.`,
                );
            }
            seen.add(ns);
        }
    }
    for (const [field, ns] of [["parentNamespace", parentNamespace], ...extraParents.map((ns, i) => [`extraParentNamespaces[${i}]`, ns])]) {
        if (ns === FLUX_NAMESPACE) {
            problems.push(`${field} cannot be "${FLUX_NAMESPACE}": that is the namespace the component creates under the parent (e.g. "production").`);
        }
    }

    if (a.namespace !== undefined && a.namespace !== FLUX_NAMESPACE) {
        problems.push(
            `namespace ${q(a.namespace)} is not supported: Welkin binds its Flux ClusterRole "crd-controller" to the ` +
                `controllers' ServiceAccounts in "${FLUX_NAMESPACE}" only, so Flux must live there. Remove namespace (or set "${FLUX_NAMESPACE}").`,
        );
    }

    const fluxVersion = a.fluxVersion ?? DEFAULT_FLUX_VERSION;
    if (typeof fluxVersion !== "string" || !isSupportedFluxVersion(fluxVersion)) {
        problems.push(
            `fluxVersion ${q(fluxVersion)} is not bundled with welkin-flux; supported: ${SUPPORTED_FLUX_VERSIONS.join(", ")}. ` +
                `Set one of them, or leave fluxVersion unset for ${DEFAULT_FLUX_VERSION}.`,
        );
    }

    const componentsExtra = a.componentsExtra ?? [];
    if (!Array.isArray(componentsExtra)) {
        problems.push(`componentsExtra must be a list; got ${q(componentsExtra)}.`);
    } else {
        const unknown = componentsExtra.filter((c) => !(EXTRA_COMPONENTS as readonly string[]).includes(c));
        if (unknown.length > 0) {
            problems.push(`componentsExtra has unknown component(s) ${unknown.map(q).join(", ")}: the extra Flux components are ${EXTRA_COMPONENTS.map(q).join(" and ")}.`);
        } else if (new Set(componentsExtra).size !== componentsExtra.length) {
            problems.push(`componentsExtra lists a component twice (${componentsExtra.map(q).join(", ")}); list each once.`);
        } else if (componentsExtra.length === 1) {
            problems.push(
                `componentsExtra ${q(componentsExtra)}: welkin-flux bundles Flux with the default components or with both image ` +
                    `controllers together; set componentsExtra to ${q([...EXTRA_COMPONENTS])} or leave it empty.`,
            );
        }
    }
    const imageAutomation = Array.isArray(componentsExtra) && componentsExtra.length > 0;

    const syncInterval = a.syncInterval ?? DEFAULT_SYNC_INTERVAL;
    problems.push(...checkInterval("syncInterval", syncInterval));

    const dk = a.deployKey ?? {};
    const algorithm = dk.algorithm ?? "ED25519";
    if (!["ED25519", "RSA", "ECDSA"].includes(algorithm)) {
        problems.push(`deployKey.algorithm ${q(algorithm)} is not supported: use "ED25519" (default), "RSA" or "ECDSA".`);
    }
    if (dk.rsaBits !== undefined) {
        if (algorithm !== "RSA") {
            problems.push(`deployKey.rsaBits is set but deployKey.algorithm is ${q(algorithm)}: set algorithm to "RSA" or remove rsaBits.`);
        } else if (!Number.isInteger(dk.rsaBits) || dk.rsaBits < 2048 || dk.rsaBits > 8192) {
            problems.push(`deployKey.rsaBits ${q(dk.rsaBits)} is out of range: use a whole number from 2048 to 8192 (default ${DEFAULT_RSA_BITS}).`);
        }
    }
    if (dk.readOnly !== undefined && typeof dk.readOnly !== "boolean") {
        problems.push(`deployKey.readOnly must be true or false; got ${q(dk.readOnly)}.`);
    }
    if (dk.readOnly === true && imageAutomation) {
        problems.push(
            `deployKey.readOnly is true but componentsExtra enables image automation, which pushes commits ` +
                `with the deploy key: set deployKey.readOnly to false (or leave it unset).`,
        );
    }
    const title = dk.title ?? `flux-${clusterName}`;
    if (typeof title !== "string" || title.trim() === "" || title.length > 100) {
        problems.push(`deployKey.title ${q(title)} must be 1 to 100 characters.`);
    }

    if (dk.rotation !== undefined && (typeof dk.rotation !== "string" || dk.rotation.trim() === "")) {
        problems.push(`deployKey.rotation must be a non-empty string (change it to rotate the key, e.g. "2026-11"); got ${q(dk.rotation)}.`);
    }

    if (a.knownHosts !== undefined && !pulumi.Output.isInstance(a.knownHosts) && !(a.knownHosts instanceof Promise)) {
        problems.push(...checkKnownHosts("knownHosts", a.knownHosts));
    }

    const lockdown = a.lockdown ?? {};
    for (const flag of ["noCrossNamespaceRefs", "noRemoteBases"] as const) {
        if (lockdown[flag] !== undefined && typeof lockdown[flag] !== "boolean") {
            problems.push(`lockdown.${flag} must be true or false; got ${q(lockdown[flag])}.`);
        }
    }
    if (lockdown.defaultServiceAccount !== undefined) {
        if (typeof lockdown.defaultServiceAccount !== "string" || !DNS1123_SUBDOMAIN.test(lockdown.defaultServiceAccount)) {
            problems.push(`lockdown.defaultServiceAccount ${q(lockdown.defaultServiceAccount)} is not a ServiceAccount name (lowercase letters, digits, '-' and '.').`);
        } else {
            warnings.push(
                `lockdown.defaultServiceAccount "${lockdown.defaultServiceAccount}": Welkin does not support Flux's impersonation ` +
                    `model, so Kustomizations and HelmReleases without spec.serviceAccountName will fail unless that ServiceAccount ` +
                    `exists in each target namespace with the rights it needs.`,
            );
        }
    }

    if (a.registry !== undefined && (typeof a.registry !== "string" || !REGISTRY.test(a.registry))) {
        problems.push(
            `registry ${q(a.registry)} is not an image registry prefix: give host[/path] without scheme, tag or trailing '/', ` +
                `for example "harbor.example.com/fluxcd" (images become <registry>/<controller>:<tag>).`,
        );
    }

    if (a.imagePullSecret !== undefined) {
        const ips = a.imagePullSecret as Partial<ImagePullSecretArgs>;
        if (typeof ips !== "object" || ips === null || typeof ips.name !== "string" || !DNS1123_SUBDOMAIN.test(ips.name) || ips.name.length > 253) {
            problems.push(`imagePullSecret.name ${q(ips?.name)} is not a Secret name: use lowercase letters, digits, '-' and '.' (for example "harbor-pull").`);
        }
    }

    if (a.kubeconfig !== undefined && isPlainString(a.kubeconfig) && a.kubeconfig.trim() === "") {
        problems.push(`kubeconfig is empty: give the kubeconfig's contents, or leave it unset to use $KUBECONFIG or ~/.kube/config.`);
    }
    if (a.kubeContext !== undefined && (typeof a.kubeContext !== "string" || a.kubeContext === "")) {
        problems.push(`kubeContext must be a non-empty context name; got ${q(a.kubeContext)}.`);
    }
    const commitMessagePrefix = a.commitMessagePrefix ?? "welkin-flux";
    if (typeof commitMessagePrefix !== "string" || commitMessagePrefix.trim() === "" || commitMessagePrefix.includes("\n")) {
        problems.push(`commitMessagePrefix ${q(commitMessagePrefix)} must be a non-empty single line.`);
    }

    if (a.preflight !== undefined && typeof a.preflight !== "boolean") {
        problems.push(`preflight must be true or false; got ${q(a.preflight)}.`);
    }
    const policy = a.policyChecks ?? {};
    const policyMode = policy.mode ?? "warn";
    if (!["warn", "error", "off"].includes(policyMode)) {
        problems.push(`policyChecks.mode ${q(policyMode)} is not one of "warn" (default), "error" or "off".`);
    }
    const knownPolicies = Object.keys(WELKIN_DEFAULT_ENFORCEMENT);
    const unknownPolicies = (policy.ignore ?? []).filter((p) => !knownPolicies.includes(p));
    if (unknownPolicies.length > 0) {
        problems.push(`policyChecks.ignore has unknown polic${unknownPolicies.length === 1 ? "y" : "ies"} ${unknownPolicies.map(q).join(", ")}: the policies are ${knownPolicies.map(q).join(", ")}.`);
    }
    if (policy.allowedRegistries !== undefined && (!Array.isArray(policy.allowedRegistries) || policy.allowedRegistries.some((r) => typeof r !== "string" || r === ""))) {
        problems.push(`policyChecks.allowedRegistries must be a list of image prefixes such as "harbor.example.com/"; got ${q(policy.allowedRegistries)}.`);
    }

    if (problems.length > 0) {
        throw new WelkinFluxArgsError(name, problems);
    }

    const repoName = repo.name as string;
    return {
        clusterName: clusterName as string,
        repository: { owner: repo.owner as string, name: repoName, branch: repo.branch ?? DEFAULT_BRANCH },
        parentNamespace,
        parentNamespaces: [parentNamespace, ...extraParents],
        namespace: FLUX_NAMESPACE,
        fluxVersion,
        componentsExtra: imageAutomation ? [...EXTRA_COMPONENTS] : [],
        imageAutomation,
        syncInterval: normalizeFluxInterval(syncInterval),
        deployKey: {
            algorithm,
            rsaBits: dk.rsaBits ?? DEFAULT_RSA_BITS,
            readOnly: dk.readOnly ?? !imageAutomation,
            title,
            rotation: dk.rotation,
        },
        knownHosts: a.knownHosts,
        lockdown: {
            noCrossNamespaceRefs: lockdown.noCrossNamespaceRefs ?? false,
            noRemoteBases: lockdown.noRemoteBases ?? false,
            defaultServiceAccount: lockdown.defaultServiceAccount,
        },
        registry: a.registry,
        imagePullSecret: a.imagePullSecret,
        kubeconfig: a.kubeconfig,
        kubeContext: a.kubeContext,
        commitMessagePrefix,
        preflight: a.preflight ?? true,
        policyChecks: { mode: policyMode, ignore: policy.ignore ?? [], allowedRegistries: policy.allowedRegistries },
        names: { gitRepository: `${repoName}-repo`, kustomization: `${repoName}-repo`, gitSecret: `${repoName}-auth` },
        syncPath: `clusters/${clusterName}/${FLUX_NAMESPACE}`,
        warnings,
    };
}
