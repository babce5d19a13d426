import * as pulumi from "@pulumi/pulumi";
import { FluxExtraComponent, FluxVersion } from "../flux/releases";
import { PolicyName } from "../policy/welkinPolicies";

export { PolicyName } from "../policy/welkinPolicies";
export { FluxVersion } from "../flux/releases";

/** How the Welkin policy checks report (an `as const` object: an enum in the component schema). */
export const PolicyMode = { Deny: "deny", Warn: "warn", Error: "error", Off: "off" } as const;
export type PolicyMode = (typeof PolicyMode)[keyof typeof PolicyMode];

/** Checks of what will be applied against Welkin's Gatekeeper policies, at preview. */
export interface PolicyChecksArgs {
    /**
     * `deny` (default): fail the preview, with nothing created, on what Welkin's Gatekeeper denies
     * (resource-requests, disallowed-tags, load-balancer-service, localhost-seccomp), and warn about the rest; `warn`: only warn; `error`:
     * fail the preview on any finding; `off`.
     */
    mode?: PolicyMode;
    /** Policies not to report, e.g. `["minimum-replicas"]` (Flux controllers run one leader-elected replica). */
    ignore?: PolicyName[];
    /** Image prefixes the environment allows (Welkin's `opa.imageRegistry.URL`); unset: checked in preflight against the cluster's constraint. */
    allowedRegistries?: string[];
}

/** The deploy key's algorithm (an `as const` object: an enum in the component schema). */
export const DeployKeyAlgorithm = { ED25519: "ED25519", RSA: "RSA", ECDSA: "ECDSA" } as const;
export type DeployKeyAlgorithm = (typeof DeployKeyAlgorithm)[keyof typeof DeployKeyAlgorithm];

/**
 * The repository Flux syncs from; the component commits its manifests there. On GitHub give
 * `owner` and `name`; on any other git server (GitLab, Gitea, Bitbucket, self-hosted) give `url`.
 */
export interface RepositoryArgs {
    /**
     * GitHub user or organisation. The github provider commits and registers the deploy key under
     * its own `owner`, so the two must match: the preview reads the repository through the provider
     * and fails naming both owners when they differ. Not with `url`.
     */
    owner?: string;
    /**
     * The GitHub host Flux fetches from over SSH: `github.com` (default), or your GitHub Enterprise
     * Server's SSH host (e.g. `github.example.com`, or `github.example.com:2222` for another port),
     * the server whose API the github provider's `baseUrl` points at. The GitRepository URL is
     * `ssh://git@<githubHost>/<owner>/<name>.git`; any host but github.com needs `knownHosts`. Not with `url`.
     */
    githubHost?: string;
    /**
     * Repository name (without `.git`). Also names the Flux objects: `<name>-repo`, `<name>-auth`.
     * With `url`: default the last segment of its path, without `.git`.
     */
    name?: string;
    /** Branch Flux follows and the component commits to. Default `main`. */
    branch?: string;
    /**
     * SSH URL of a repository on any git server, e.g. `ssh://git@git.example.com:2222/team/fleet.git`
     * (what `flux bootstrap git --url` takes). The files are then pushed with the system `git` over
     * SSH, `knownHosts` is required, and the deploy key is not registered for you: register
     * `deployKeyPublicKey` on the server with read access.
     */
    url?: string;
    /**
     * With `url`: the OpenSSH private key the component pushes with (a secret). Default: the deploy
     * key itself, when it is writable (`deployKey.readOnly: false`).
     */
    pushKey?: pulumi.Input<string>;
}

export interface DeployKeyArgs {
    /**
     * Your own OpenSSH private key (a secret; kept in a vault, or one key shared by a fleet). Then
     * no key is generated: the public key and fingerprint are derived from it. Passphrase-protected
     * keys are refused. Rotate by changing the key.
     */
    privateKey?: pulumi.Input<string>;
    /** Default `ED25519`. `RSA` (4096 bits unless `rsaBits` says otherwise) and `ECDSA` (P-256) are selectable. */
    algorithm?: DeployKeyAlgorithm;
    /** RSA key size, 2048–8192. Only with `algorithm: "RSA"`. Default 4096. */
    rsaBits?: number;
    /**
     * Read-only deploy key. Default: read-only, unless image automation is enabled, which
     * pushes commits and so needs write access.
     */
    readOnly?: boolean;
    /** Title shown in the repository's deploy key list. Default `flux-<clusterName>`. */
    title?: string;
    /**
     * Change this value (e.g. a date) to rotate the key. A new key is generated and registered and
     * the secret switched to it before the old key is removed, so Flux keeps fetching throughout.
     * Changing `algorithm` or `rsaBits` rotates the key the same way.
     */
    rotation?: string;
}

/** Flux 2.1 multi-tenancy lockdown flags, added to the controllers that accept them. */
export interface LockdownArgs {
    /** `--no-cross-namespace-refs=true` on kustomize, helm, notification and the image controllers. */
    noCrossNamespaceRefs?: boolean;
    /** `--no-remote-bases=true` on kustomize-controller. */
    noRemoteBases?: boolean;
    /**
     * `--default-service-account=<name>` on kustomize and helm controllers. Welkin does not
     * support Flux's impersonation model, so the component warns when this is set.
     */
    defaultServiceAccount?: string;
}

export interface ImagePullSecretArgs {
    /** Name of the `kubernetes.io/dockerconfigjson` Secret in `flux-system` the controllers pull with. */
    name: string;
    /**
     * Contents of `.dockerconfigjson`. When set, the component creates the Secret (as a Pulumi
     * secret); otherwise it must be created in `flux-system` by other means.
     */
    dockerConfigJson?: pulumi.Input<string>;
}

/** Which objects a patch changes, as in kustomize: every field given must match. */
export interface FluxPatchTargetArgs {
    /** API group, a regular expression (e.g. `apps`; `""` is the core group). */
    group?: string;
    /** API version, a regular expression (e.g. `v1`). */
    version?: string;
    /** Kind, a regular expression (e.g. `Deployment`). */
    kind?: string;
    /** Name, a regular expression matched whole (e.g. `(kustomize-controller|helm-controller)`). */
    name?: string;
    /** Namespace, a regular expression (everything Flux installs is in `flux-system`). */
    namespace?: string;
    /** A label selector, e.g. `app.kubernetes.io/part-of=flux` (every controller Deployment). */
    labelSelector?: string;
    /** An annotation selector, in the same syntax. */
    annotationSelector?: string;
}

/**
 * A kustomize patch to Flux's objects, as `flux bootstrap` users write them in
 * `flux-system/kustomization.yaml`: committed there after Welkin's patches, and applied exactly so.
 */
export interface FluxPatchArgs {
    /**
     * The patch, as YAML or JSON text: a strategic merge patch (one object, e.g. a Deployment with
     * `spec.template.spec.tolerations`) or a JSON 6902 patch (a list of `op`/`path`/`value` operations).
     */
    patch: string;
    /** The objects it changes. Required for a JSON 6902 patch; a strategic merge patch without one changes the object it names. */
    target?: FluxPatchTargetArgs;
}

export interface WelkinFluxArgs {
    /** Cluster name; the manifests live in `clusters/<clusterName>/flux-system` of the repository. */
    clusterName: string;
    /** The repository Flux syncs from: `owner` and `name` on GitHub, or `url` (SSH) on any other git server. */
    repository: RepositoryArgs;
    /** HNC parent of the `flux-system` subnamespace. Default `production`. */
    parentNamespace?: string;
    /** More parent namespaces (e.g. `staging`) that Flux may deploy into: they get the Roles and the admin delegation too. */
    extraParentNamespaces?: string[];
    /**
     * Must be `flux-system` (the default): Welkin binds its Flux `crd-controller` ClusterRole to
     * the controllers' ServiceAccounts in `flux-system` only. Present so that a rename is
     * refused with an explanation instead of failing at run time.
     */
    namespace?: string;
    /** Flux version, one the package bundles (`SUPPORTED_FLUX_VERSIONS`). Default `v2.1.2`. */
    fluxVersion?: FluxVersion;
    /** Extra Flux controllers: both image controllers, or none. */
    componentsExtra?: FluxExtraComponent[];
    /** How often Flux fetches the repository and reconciles (Go duration). Default `1m`. */
    syncInterval?: string;
    /**
     * How long `pulumi up` waits for the cluster (the anchor Ok, each CRD Established, the
     * controllers available, their Services' endpoints) before failing with the reason (Go
     * duration, 30s–1h). Default `5m`, as `flux bootstrap --timeout`; raise it where images pull slowly.
     */
    readinessTimeout?: string;
    /** The SSH key Flux fetches with: generated (ED25519 by default) or your own `privateKey`. */
    deployKey?: DeployKeyArgs;
    /** `known_hosts` for the git server. Default: github.com's published SSH host keys; required with `repository.url`. */
    knownHosts?: pulumi.Input<string>;
    /** Flux's multi-tenancy lockdown flags, on exactly the controllers that accept each. Default: none. */
    lockdown?: LockdownArgs;
    /** Registry that mirrors `ghcr.io/fluxcd` images (e.g. `harbor.example.com/fluxcd`). Default: `ghcr.io/fluxcd`. */
    registry?: string;
    /** A Secret in `flux-system` to pull the controller images with (for a private `registry`). */
    imagePullSecret?: ImagePullSecretArgs;
    /**
     * Kubeconfig used to edit the `extra-workload-admins` RoleBinding (admin delegation), which
     * needs an optimistic-concurrency update the kubernetes provider cannot express. Pass the
     * same kubeconfig as the kubernetes provider's. Default: `$KUBECONFIG` or `~/.kube/config`,
     * as kubectl and the kubernetes provider read it.
     */
    kubeconfig?: pulumi.Input<string | undefined>;
    /** Kubeconfig context for the admin delegation. Default: the kubeconfig's current context. */
    kubeContext?: string;
    /**
     * Ask the environment, during preview and up and before anything is changed, whether every step
     * can work (API version, parent namespace and anchor rights, no foreign flux-system, CRD rights,
     * extra-workload-admins, registry allowlisting). Default true; turn off where the reads are forbidden.
     */
    preflight?: boolean;
    /** Checks of what will be applied against Welkin's Gatekeeper policies, at preview. Default: warn. */
    policyChecks?: PolicyChecksArgs;
    /**
     * Your own kustomize patches to Flux's objects (concurrency, resources, tolerations, node
     * selectors, extra flags), in order, after Welkin's. Refused at preview when one matches nothing,
     * is malformed, or undoes what Welkin and the component need (names, namespace, ServiceAccounts,
     * the sync objects' source, Welkin's argument changes, the lockdown flags, the containers' security settings).
     */
    patches?: FluxPatchArgs[];
    /** Commit message prefix for the files committed to the repository. Default `welkin-flux`. */
    commitMessagePrefix?: string;
}
