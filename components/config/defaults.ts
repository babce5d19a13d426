// Defaults of WelkinFluxArgs, and the one namespace name Welkin allows for Flux.
/** Welkin's `crd-controller` ClusterRoleBinding names the controllers' ServiceAccounts in this namespace only. */
export const FLUX_NAMESPACE = "flux-system";
export const DEFAULT_PARENT_NAMESPACE = "production";
export const DEFAULT_BRANCH = "main";
/** Where Flux fetches a GitHub repository from, unless `repository.githubHost` names a GitHub Enterprise Server. */
export const DEFAULT_GITHUB_HOST = "github.com";
export const DEFAULT_SYNC_INTERVAL = "1m";
export const DEFAULT_RSA_BITS = 4096;
/**
 * What Welkin's Gatekeeper denies fails the preview, before anything is created: applied, those
 * pods would not be admitted, and `up` would fail only after the steps before the install had
 * changed the cluster and the repository.
 */
export const DEFAULT_POLICY_MODE = "deny";
