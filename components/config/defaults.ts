// Defaults of WelkinFluxArgs, and the one namespace name Welkin allows for Flux.
/** Welkin's `crd-controller` ClusterRoleBinding names the controllers' ServiceAccounts in this namespace only. */
export const FLUX_NAMESPACE = "flux-system";
export const DEFAULT_PARENT_NAMESPACE = "production";
export const DEFAULT_BRANCH = "main";
/** Where Flux fetches a GitHub repository from, unless `repository.githubHost` names a GitHub Enterprise Server. */
export const DEFAULT_GITHUB_HOST = "github.com";
export const DEFAULT_SYNC_INTERVAL = "1m";
export const DEFAULT_RSA_BITS = 4096;
