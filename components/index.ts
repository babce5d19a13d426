// The welkin-flux library. Importing it creates no resources.
export { WelkinFlux, WELKIN_FLUX_TYPE } from "./welkinFlux";
export type { CommittedFile } from "./welkinFlux";
export type {
    WelkinFluxArgs,
    RepositoryArgs,
    DeployKeyArgs,
    DeployKeyAlgorithm,
    LockdownArgs,
    ImagePullSecretArgs,
    PolicyChecksArgs,
    PolicyName,
} from "./args";
export {
    resolveWelkinFluxConfig,
    WelkinFluxArgsError,
    checkBranchName,
    checkInterval,
    checkKnownHosts,
    checkNamespaceName,
    FLUX_NAMESPACE,
    DEFAULT_PARENT_NAMESPACE,
} from "./config";
export type { WelkinFluxConfig } from "./config";
export {
    DEFAULT_FLUX_VERSION,
    SUPPORTED_FLUX_VERSIONS,
    EXTRA_COMPONENTS,
    WELKIN_ALLOWED_FLUX_CRDS,
    controllerImages,
    fluxCrds,
    gotkComponentsYaml,
    parseManifest,
} from "./fluxDistribution";
export type { FluxExtraComponent, KubeObject } from "./fluxDistribution";
export { renderFluxManifests, GOTK_COMPONENTS_FILE, GOTK_SYNC_FILE, KUSTOMIZATION_FILE } from "./render/fluxManifests";
export type { FluxManifests } from "./render/fluxManifests";
export { renderGotkSync, githubSshUrl } from "./render/gotkSync";
export type { GotkSyncOptions } from "./render/gotkSync";
export { renderKustomizationYaml, fluxCustomizations } from "./render/kustomizationYaml";
export type { FluxCustomizations } from "./render/kustomizationYaml";
export { installObjects } from "./render/installObjects";
export { welkinFluxRoles } from "./render/welkinRoles";
export { GITHUB_KNOWN_HOSTS } from "./render/githubKnownHosts";
export { formatGoDuration, parseGoDuration, normalizeFluxInterval } from "./goDuration";
export { checkWelkinPolicies, WELKIN_DEFAULT_ENFORCEMENT } from "./policy/welkinPolicies";
export type { PolicyFinding, PolicyOptions } from "./policy/welkinPolicies";
export { runPreflight } from "./preflight/checks";
export type { PreflightApi, PreflightPlan, PreflightResult } from "./preflight/checks";
export { WelkinPreflight, WelkinPolicyError, preflightPlan } from "./steps/preflight";
export { layoutTenantManifests } from "./tenantLayout";
export type { TenantLayout, TenantLayoutOptions } from "./tenantLayout";
export { AdminDelegation, delegatedSubjects, EXTRA_WORKLOAD_ADMINS } from "./steps/adminDelegation";
export type { AdminDelegationArgs } from "./steps/adminDelegation";
export { addSubjects, removeSubjects, updateSubjects } from "./adminDelegation/subjects";
export type { RbacSubject, RoleBindingApi } from "./adminDelegation/subjects";
export { connectionFromKubeconfig, resolveKubeConnection } from "./adminDelegation/kubeConnection";
export type { KubeConnection } from "./adminDelegation/kubeConnection";
