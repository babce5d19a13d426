// WelkinFlux: the Welkin Flux procedure (DESIGN.md, "The procedure it automates") as one
// component. Each step lives in steps/<step>.ts; this file only wires them in dependency order.
import * as pulumi from "@pulumi/pulumi";
import { WelkinFluxArgs } from "./args";
import { resolveWelkinFluxConfig, WelkinFluxConfig } from "./config";
import { resolveKubeConnection } from "./adminDelegation/kubeConnection";
import { summarizeFindings } from "./policy/welkinPolicies";
import { renderFluxManifests } from "./render/fluxManifests";
import { createAdminDelegations } from "./steps/adminDelegation";
import { ChildOptions } from "./steps/childOptions";
import { createDeployKey } from "./steps/deployKey";
import { createFluxCrds } from "./steps/fluxCrds";
import { createFluxNamespace } from "./steps/fluxNamespace";
import { createFluxRoles } from "./steps/fluxRoles";
import { createGitSecret, createImagePullSecret } from "./steps/gitSecret";
import { installFlux } from "./steps/install";
import { policyFindings, preflightPlan, WelkinPreflight } from "./steps/preflight";
import { createSyncCommits } from "./steps/syncCommits";

export const WELKIN_FLUX_TYPE = "welkin-flux:index:WelkinFlux";

export interface CommittedFile {
    path: string;
    commitSha: string;
}

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
    public readonly deployKeyReadOnly: pulumi.Output<boolean>;
    public readonly gitRepositoryName: pulumi.Output<string>;
    public readonly kustomizationName: pulumi.Output<string>;
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
    public readonly fluxVersion: pulumi.Output<string>;

    constructor(name: string, args: WelkinFluxArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate and render before registering anything: bad input must stop the preview with
        // nothing created, not halfway through an apply.
        const config: WelkinFluxConfig = resolveWelkinFluxConfig(name, args);
        const manifests = renderFluxManifests(config);
        const findings = policyFindings(name, config, manifests.installObjects);

        super(WELKIN_FLUX_TYPE, name, {}, opts);
        for (const warning of config.warnings) {
            pulumi.log.warn(warning, this);
        }
        if (findings.length > 0) {
            pulumi.log.warn(
                `Welkin policy findings for what WelkinFlux applies (policyChecks: mode "warn"; add a policy to ignore to silence it):\n${summarizeFindings(findings)}`,
                this,
            );
        }

        // The kubeconfig is read in the program (where its files are) and kept as a secret.
        const connection = pulumi.secret(
            pulumi.output(config.kubeconfig).apply((kubeconfig) => resolveKubeConnection(kubeconfig, config.kubeContext)),
        );
        const base: ChildOptions = { parent: this, dependsOn: [] };
        if (config.preflight) {
            // 0: every later step waits for the preflight, which fails the preview if the environment is not ready.
            base.dependsOn.push(new WelkinPreflight(`${name}-preflight`, { plan: preflightPlan(config, manifests.installObjects), connection }, { parent: this }));
        }

        const key = createDeployKey(name, config, base); // 1
        const crds = createFluxCrds(name, config, base); // 2
        const anchor = createFluxNamespace(name, config, base); // 3
        const roles = createFluxRoles(name, config, base); // 4
        const delegations = createAdminDelegations(name, config, connection, base); // 5
        const gitSecret = createGitSecret(name, config, key, anchor, base); // 6
        const pullSecret = createImagePullSecret(name, config, anchor, base);
        const commits = createSyncCommits(name, config, manifests, base); // 7
        const installed = installFlux(
            name,
            manifests.installObjects,
            [
                ...crds,
                anchor,
                ...roles,
                gitSecret,
                ...(pullSecret ? [pullSecret] : []),
                ...delegations,
                key.deployKey,
                commits[commits.length - 1],
            ],
            base,
        ); // 8
        const [gitRepository, kustomization] = installed.sync;

        this.namespace = anchor.metadata.name;
        this.parentNamespaces = pulumi.output(config.parentNamespaces);
        this.syncPath = pulumi.output(config.syncPath);
        this.deployKeyPublicKey = key.privateKey.publicKeyOpenssh;
        this.deployKeyFingerprint = key.privateKey.publicKeyFingerprintSha256;
        this.deployKeyReadOnly = key.deployKey.readOnly.apply((r) => r ?? config.deployKey.readOnly);
        this.gitRepositoryName = gitRepository.urn.apply(() => config.names.gitRepository);
        this.kustomizationName = kustomization.urn.apply(() => config.names.kustomization);
        this.gitSecretName = gitSecret.metadata.name;
        this.committedFiles = pulumi.all(commits.map((c) => pulumi.all([c.file, c.commitSha]))).apply((pairs) =>
            pairs.map(([path, commitSha]) => ({ path, commitSha })),
        );
        this.manifests = pulumi.output(Object.fromEntries(manifests.files.slice(1).map((f) => [f.path, f.content])));
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
}
