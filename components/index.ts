// The welkin-flux library: what a user of the package needs, each documented in the README's
// "Using the component". Importing it creates no resources.
export { WelkinFlux, WELKIN_FLUX_TYPE } from "./welkinFlux";
export type { CommittedFile } from "./welkinFlux";
// The string choices are values too (as-const objects), e.g. DeployKeyAlgorithm.ECDSA.
export { DeployKeyAlgorithm, FluxVersion, PolicyMode } from "./args";
export type {
    WelkinFluxArgs,
    RepositoryArgs,
    DeployKeyArgs,
    LockdownArgs,
    ImagePullSecretArgs,
    PolicyChecksArgs,
    PolicyName,
    FluxPatchArgs,
    FluxPatchTargetArgs,
} from "./args";
export { WelkinFluxArgsError } from "./config";
export { WelkinPolicyError } from "./steps/preflight";
export { DEFAULT_BRANCH, DEFAULT_PARENT_NAMESPACE, DEFAULT_SYNC_INTERVAL, FLUX_NAMESPACE } from "./config/defaults";
export { DEFAULT_FLUX_VERSION, SUPPORTED_FLUX_VERSIONS, EXTRA_COMPONENTS } from "./flux/releases";
export type { FluxExtraComponent } from "./flux/releases";
export type { KubeObject } from "./kube/object";
export { GITHUB_KNOWN_HOSTS } from "./render/githubKnownHosts";
export { layoutTenantManifests } from "./tenantLayout";
export type { TenantLayout, TenantLayoutOptions } from "./tenantLayout";
