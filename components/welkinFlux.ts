// WelkinFlux: the Welkin Flux procedure (docs/ARCHITECTURE.md, "The procedure") as one
// component. Each step lives in steps/<step>.ts; this file only wires them in dependency order.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { WelkinFluxArgs } from "./args";
import { resolveWelkinFluxConfig, WelkinFluxArgsError, WelkinFluxConfig } from "./config";
import { StepContext } from "./context/stepContext";
import { CommittedFile, CommittedFiles, GitTarget } from "./gitTarget/gitTarget";
import { githubTarget } from "./gitTarget/github";
import { sshTarget } from "./gitTarget/ssh";
import { DeployKey } from "./keys/deployKey";
import { kubeAccess } from "./kube/clusterResource";
import { appliedName } from "./kube/objectResource";
import { expectedFindings, summarizeFindings } from "./policy/welkinPolicies";
import { FluxManifests, renderFluxManifests } from "./render/fluxManifests";
import { FluxPatchProblems } from "./render/userPatches";
import { delegateAdmin } from "./steps/adminDelegation";
import { createDeployKey } from "./steps/deployKey";
import { createFluxCrds } from "./steps/fluxCrds";
import { createFluxNamespace } from "./steps/fluxNamespace";
import { createFluxRoles } from "./steps/fluxRoles";
import { createFluxTeardown } from "./steps/fluxTeardown";
import { createGitSecret } from "./steps/gitSecret";
import { createImagePullSecret } from "./steps/imagePullSecret";
import { installFlux, InstalledFlux } from "./steps/install";
import { checkEnvironment, policyFindings } from "./steps/preflight";
import { commitSyncManifests } from "./steps/syncManifests";

export type { CommittedFile } from "./gitTarget/gitTarget";

export const WELKIN_FLUX_TYPE = "welkin-flux:index:WelkinFlux";

/** The git server the manifests go to, and who registers the deploy key: one choice, made here. */
function chooseGitTarget(ctx: StepContext): GitTarget {
    return ctx.config.gitServer === "ssh" ? sshTarget(ctx) : githubTarget(ctx);
}

/** What the component reports of its steps. */
interface Steps {
    key: DeployKey;
    anchor: k8s.apiextensions.CustomResource;
    gitSecret: k8s.core.v1.Secret;
    committed: CommittedFiles;
    installed: InstalledFlux;
}

/**
 * The procedure (docs/ARCHITECTURE.md): each step gets the context and, by name, what it waits
 * for from the steps before it. Every child waits for the preflight (step 0), when there is one.
 */
function runSteps(first: StepContext, manifests: FluxManifests): Steps {
    const { preflight } = checkEnvironment(first, { installObjects: manifests.installObjects });
    const ctx: StepContext = { ...first, dependsOn: preflight };
    const target = chooseGitTarget(ctx);
    const { key, keyReady } = createDeployKey(ctx, { target });
    const { crds } = createFluxCrds(ctx);
    const { anchor } = createFluxNamespace(ctx);
    const { roles } = createFluxRoles(ctx);
    const { delegations } = delegateAdmin(ctx);
    const { gitSecret } = createGitSecret(ctx, { key, keyReady, anchor });
    const { pullSecrets } = createImagePullSecret(ctx, { anchor });
    const { committed } = commitSyncManifests(ctx, { target, manifests, key });
    const prerequisites = [...crds, anchor, ...roles, gitSecret, ...pullSecrets, ...delegations, ...keyReady, ...committed.resources];
    const installed = installFlux(ctx, { objects: manifests.installObjects, anchor, prerequisites });
    const { supporting, controllers, services, sync } = installed;
    createFluxTeardown(ctx, { controllersNeed: [...prerequisites, ...supporting, ...controllers, ...services, sync.gitRepository, sync.kustomization] });
    return { key, anchor, gitSecret, committed, installed };
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
        const access = kubeAccess(config.kubeconfig, config.kubeContext);
        const { key, anchor, gitSecret, committed, installed } = runSteps({ name, config, access, parent: this, dependsOn: [] }, manifests);

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

    /**
     * Warnings the user should act on; findings expected for Flux only at info level. In "deny"
     * mode these are what Welkin only warns about: what it denies has stopped the preview already.
     */
    private reportFindings(config: WelkinFluxConfig, findings: ReturnType<typeof policyFindings>): void {
        for (const warning of config.warnings) {
            pulumi.log.warn(warning, this);
        }
        const { expected, actionable } = expectedFindings(findings);
        if (actionable.length > 0) {
            pulumi.log.warn(
                `Welkin policy findings for what WelkinFlux applies (policyChecks: mode "${config.policyChecks.mode}"; add a policy to ignore to silence it):\n${summarizeFindings(actionable)}`,
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
