// The type tokens of what WelkinFlux registers, as users' tests name them.
import { WELKIN_FLUX_TYPE } from "../welkinFlux";

/**
 * The type tokens of what WelkinFlux registers that the mocks answer specially, for
 * `mocks.ofType(...)`. Every Kubernetes object is `kubernetes:<apiVersion>:<kind>`, e.g.
 * `kubernetes:apps/v1:Deployment`.
 */
export const MOCKED_TYPES = {
    /** The component itself. */
    welkinFlux: WELKIN_FLUX_TYPE,
    /** The generated deploy key (absent when `deployKey.privateKey` is given). */
    privateKey: "tls:index/privateKey:PrivateKey",
    /** The deploy key's registration on GitHub. */
    repositoryDeployKey: "github:index/repositoryDeployKey:RepositoryDeployKey",
    /** One commit per file on GitHub. */
    repositoryFile: "github:index/repositoryFile:RepositoryFile",
    /** `flux-system` as an HNC subnamespace. */
    subnamespaceAnchor: "kubernetes:hnc.x-k8s.io/v1alpha2:SubnamespaceAnchor",
    /** The git credentials (and the image pull Secret, when asked for). */
    secret: "kubernetes:core/v1:Secret",
    /** The files pushed over SSH with `repository.url`. */
    sshGitFiles: "pulumi-nodejs:dynamic/welkin-flux:SshGitFiles",
    /** The environment check run at preview and up. */
    preflight: "pulumi-nodejs:dynamic/welkin-flux:Preflight",
    /** The Flux controllers added to Welkin's `extra-workload-admins` RoleBinding, per parent namespace. */
    adminDelegation: "pulumi-nodejs:dynamic/welkin-flux:AdminDelegation",
    /** What a change of Flux version does to the installed CRDs. */
    fluxCrdStorage: "pulumi-nodejs:dynamic/welkin-flux:FluxCrdStorage",
    /** The removal of Flux's objects on destroy. */
    fluxObjectsTeardown: "pulumi-nodejs:dynamic/welkin-flux:FluxObjectsTeardown",
    /** A github provider resource (its `owner` answers `getRepository`). */
    githubProvider: "pulumi:providers:github",
} as const;
