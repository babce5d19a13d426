// WelkinFlux: the Welkin Flux procedure (docs/ARCHITECTURE.md, "The procedure") as one
// component. Each step lives in steps/<step>.ts; this file only wires them in dependency order.
import * as pulumi from "@pulumi/pulumi";
import { WelkinFluxArgs } from "./args";
import { resolveWelkinFluxConfig, WelkinFluxArgsError, WelkinFluxConfig } from "./config";
import { CommittedFile, GitTarget } from "./gitTarget/gitTarget";
import { githubTarget } from "./gitTarget/github";
import { registrationNotice, sshTarget } from "./gitTarget/ssh";
import { KubeAccess } from "./kube/access";
import { appliedName } from "./kubeObjectResource";
import { expectedFindings, summarizeFindings } from "./policy/welkinPolicies";
import { filesInCommitOrder, FluxManifests, renderFluxManifests } from "./render/fluxManifests";
import { FluxPatchProblems } from "./render/userPatches";
import { createAdminDelegations } from "./steps/adminDelegation";
import { ChildOptions } from "./steps/childOptions";
import { createDeployKey } from "./steps/deployKey";
import { createFluxCrds } from "./steps/fluxCrds";
import { createFluxNamespace } from "./steps/fluxNamespace";
import { createFluxRoles } from "./steps/fluxRoles";
import { createGitSecret, createImagePullSecret } from "./steps/gitSecret";
import { createFluxTeardown } from "./steps/fluxTeardown";
import { installFlux } from "./steps/install";
import { policyFindings, preflightPlan, WelkinPreflight } from "./steps/preflight";

export type { CommittedFile } from "./gitTarget/gitTarget";

export const WELKIN_FLUX_TYPE = "welkin-flux:index:WelkinFlux";

/** The git server the manifests go to, and who registers the deploy key: one choice, made here. */
function chooseGitTarget(name: string, config: WelkinFluxConfig, base: ChildOptions): GitTarget {
    return config.gitServer === "ssh" ? sshTarget(name, config, base) : githubTarget(name, config, base);
}

/**
 * Flux CD installed on an Elastisys Welkin environment as an application developer (no
 * cluster-admin): a deploy key, the Flux CRDs, flux-system as an HNC subnamespace, Welkin's Flux
 * Roles, the admin delegation, the git Secret, the sync manifests committed to the repository and
 * exactly the objects Flux then reconciles from it. One per cluster.
 */
export class WelkinFlux extends pulumi.ComponentResource {
    /** The Flux namespace (`flux-system`), known once HNC reports the anchor Ok. */
    public readonly namespace: pulumi.Output<string>;
    /** Parent namespaces that got the Roles and the admin delegation. */
    public readonly parentNamespaces: pulumi.Output<string[]>;
    /** `clusters/<clusterName>/flux-system`. */
    public readonly syncPath: pulumi.Output<string>;
    /** The deploy key's public key (OpenSSH). */
    public readonly deployKeyPublicKey: pulumi.Output<string>;
    /** The deploy key's fingerprint as GitHub shows it (`SHA256:...`). */
    public readonly deployKeyFingerprint: pulumi.Output<string>;
    /** Whether the deploy key is registered read-only (it is, unless image automation pushes with it). */
    public readonly deployKeyReadOnly: pulumi.Output<boolean>;
    /** The GitRepository's name (`<repo>-repo`), as applied. */
    public readonly gitRepositoryName: pulumi.Output<string>;
    /** The Kustomization's name (`<repo>-repo`), as applied. */
    public readonly kustomizationName: pulumi.Output<string>;
    /** The git credentials Secret's name (`<repo>-auth`), as applied. */
    public readonly gitSecretName: pulumi.Output<string>;
    /** The committed files, in commit order, with the commit that wrote each. */
    public readonly committedFiles: pulumi.Output<CommittedFile[]>;
    /**
     * The rendered gotk-sync.yaml and kustomization.yaml by path, so a pull-request preview shows
     * what will be committed. gotk-components.yaml is upstream's file: see gotkComponentsSha256.
     */
    public readonly manifests: pulumi.Output<Record<string, string>>;
    /** sha256 of the committed gotk-components.yaml, equal to the Flux release's `flux install --export`. */
    public readonly gotkComponentsSha256: pulumi.Output<string>;
    /** The installed Flux version. */
    public readonly fluxVersion: pulumi.Output<string>;

    /**
     * Validates every argument before anything is registered: bad input throws a
     * WelkinFluxArgsError listing each problem, and the preview stops with nothing created.
     * @param name The component's name; its children are named `<name>-<step>`.
     * @param args What to install and where (README: "Inputs").
     * @param opts Give `providers: { kubernetes, github }` (and `tls` for a generated key): the github
     *   provider must be for `repository.owner`, which the preview checks.
     */
    constructor(name: string, args: WelkinFluxArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate and render before registering anything: bad input must stop the preview with
        // nothing created, not halfway through an apply.
        const config: WelkinFluxConfig = resolveWelkinFluxConfig(name, args);
        const manifests = renderOrExplain(name, config);
        const findings = policyFindings(name, config, manifests.installObjects);

        super(WELKIN_FLUX_TYPE, name, {}, opts);
        this.reportFindings(config, findings);

        // Only the kubeconfig text and context: the providers resolve them when they act, so
        // building the component needs no cluster (kube/access.ts).
        const access: pulumi.Output<KubeAccess> = pulumi.secret(
            pulumi.output(config.kubeconfig).apply((kubeconfig) => ({ kubeconfig: kubeconfig ?? undefined, context: config.kubeContext })),
        );
        const base: ChildOptions = { parent: this, dependsOn: [] };
        if (config.preflight) {
            // 0: every later step waits for the preflight, which fails the preview if the environment is not ready.
            const preflight = new WelkinPreflight(`${name}-preflight`, { plan: preflightPlan(name, config, manifests.installObjects), access }, { parent: this });
            preflight.notes.apply((notes) => (notes ?? []).forEach((n) => pulumi.log.info(`preflight: ${n}`, this)));
            base.dependsOn.push(preflight);
        }

        const target = chooseGitTarget(name, config, base);
        const key = createDeployKey(name, config, base); // 1
        const registration = target.registerDeployKey?.(key);
        if (registration === undefined) {
            registrationNotice(config, key, this);
        }
        const crds = createFluxCrds(name, config, access, base); // 2
        const anchor = createFluxNamespace(name, config, base); // 3
        const roles = createFluxRoles(name, config, base); // 4
        const delegations = createAdminDelegations(name, config, access, base); // 5
        const keyReady = [...key.resources, ...(registration ? [registration] : [])];
        const gitSecret = createGitSecret(name, config, key, anchor, [anchor, ...keyReady], base); // 6
        const pullSecret = createImagePullSecret(name, config, anchor, base);
        const committed = target.commitFiles(filesInCommitOrder(manifests.files), key); // 7
        const prerequisites = [...crds, anchor, ...roles, gitSecret, ...(pullSecret ? [pullSecret] : []), ...delegations, ...keyReady, ...committed.resources];
        const installed = installFlux(name, manifests.installObjects, anchor, prerequisites, base); // 8
        const { gitRepository, kustomization } = installed.sync;
        createFluxTeardown(name, config, access, [...prerequisites, ...installed.supporting, ...installed.controllers, ...installed.services, gitRepository, kustomization], base); // 9

        this.namespace = appliedName(anchor, config.namespace);
        this.parentNamespaces = pulumi.output(config.parentNamespaces);
        this.syncPath = pulumi.output(config.syncPath);
        this.deployKeyPublicKey = key.publicKeyOpenssh;
        this.deployKeyFingerprint = key.fingerprintSha256;
        this.deployKeyReadOnly = pulumi.output(config.deployKey.readOnly);
        this.gitRepositoryName = appliedName(installed.sync.gitRepository, config.names.gitRepository);
        this.kustomizationName = appliedName(installed.sync.kustomization, config.names.kustomization);
        this.gitSecretName = appliedName(gitSecret, config.names.gitSecret);
        this.committedFiles = committed.files;
        this.manifests = pulumi.output(reviewableManifests(manifests));
        this.gotkComponentsSha256 = pulumi.output(manifests.gotkComponentsSha256);
        this.fluxVersion = pulumi.output(config.fluxVersion);

        this.registerOutputs({
            namespace: this.namespace,
            parentNamespaces: this.parentNamespaces,
            syncPath: this.syncPath,
            deployKeyPublicKey: this.deployKeyPublicKey,
            deployKeyFingerprint: this.deployKeyFingerprint,
            deployKeyReadOnly: this.deployKeyReadOnly,
            gitRepositoryName: this.gitRepositoryName,
            kustomizationName: this.kustomizationName,
            gitSecretName: this.gitSecretName,
            committedFiles: this.committedFiles,
            manifests: this.manifests,
            gotkComponentsSha256: this.gotkComponentsSha256,
            fluxVersion: this.fluxVersion,
        });
    }

    /** Warnings the user should act on; findings expected for Flux only at info level. */
    private reportFindings(config: WelkinFluxConfig, findings: ReturnType<typeof policyFindings>): void {
        for (const warning of config.warnings) {
            pulumi.log.warn(warning, this);
        }
        const { expected, actionable } = expectedFindings(findings);
        if (actionable.length > 0) {
            pulumi.log.warn(
                `Welkin policy findings for what WelkinFlux applies (policyChecks: mode "warn"; add a policy to ignore to silence it):\n${summarizeFindings(actionable)}`,
                this,
            );
        }
        if (expected.length > 0) {
            pulumi.log.info(`Welkin policy findings expected for Flux (see the README, "Preflight and Welkin policies"):\n${summarizeFindings(expected)}`, this);
        }
    }
}

/** The manifests; a patch that cannot be applied is an argument error like any other, named by its index. */
function renderOrExplain(name: string, config: WelkinFluxConfig): FluxManifests {
    try {
        return renderFluxManifests(config);
    } catch (e) {
        throw e instanceof FluxPatchProblems ? new WelkinFluxArgsError(name, e.problems) : e;
    }
}

/** The files a reviewer should read in a preview; gotk-components.yaml is upstream's, named by its sha256. */
function reviewableManifests(manifests: FluxManifests): Record<string, string> {
    const { sync, kustomization } = manifests.files;
    return { [sync.path]: sync.content, [kustomization.path]: kustomization.content };
}
