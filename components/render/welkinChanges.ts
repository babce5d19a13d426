// What Welkin changes in what `flux install --export` writes, as data (Welkin's guide, and what
// the sandbox showed): the kinds an application developer may not create, cut from what Flux
// applies; the Deployment arguments its namespace-scoped RBAC needs changed; and the Flux CRDs its
// "self-managed cluster resources" feature lets application developers manage.
import { FluxController, FluxVersion } from "../flux/releases";

/**
 * The 13 CRD names Welkin's "self-managed cluster resources" feature lets application
 * developers update and delete (5 source, 1 kustomize, 1 helm, 3 notification, 3 image).
 */
export const WELKIN_ALLOWED_FLUX_CRDS: readonly string[] = [
    "buckets.source.toolkit.fluxcd.io",
    "gitrepositories.source.toolkit.fluxcd.io",
    "helmcharts.source.toolkit.fluxcd.io",
    "helmrepositories.source.toolkit.fluxcd.io",
    "ocirepositories.source.toolkit.fluxcd.io",
    "kustomizations.kustomize.toolkit.fluxcd.io",
    "helmreleases.helm.toolkit.fluxcd.io",
    "alerts.notification.toolkit.fluxcd.io",
    "providers.notification.toolkit.fluxcd.io",
    "receivers.notification.toolkit.fluxcd.io",
    "imagepolicies.image.toolkit.fluxcd.io",
    "imagerepositories.image.toolkit.fluxcd.io",
    "imageupdateautomations.image.toolkit.fluxcd.io",
];

/** The kinds Welkin's flux-system kustomization deletes, in the order of Welkin's guide. */
export const WELKIN_REMOVED_KINDS: { kind: string; apiVersion: string; comment: string }[] = [
    { kind: "ResourceQuota", apiVersion: "v1", comment: "Remove all resourcequotas" },
    { kind: "Namespace", apiVersion: "v1", comment: "Remove all namespaces" },
    { kind: "ClusterRole", apiVersion: "rbac.authorization.k8s.io/v1", comment: "Remove all clusterroles" },
    { kind: "ClusterRoleBinding", apiVersion: "rbac.authorization.k8s.io/v1", comment: "Remove all clusterrolesbindings" },
    { kind: "CustomResourceDefinition", apiVersion: "apiextensions.k8s.io/v1", comment: "Remove all CRDS" },
];

/**
 * An argument of a controller's Deployment that cannot work on Welkin as `flux install` writes
 * it, replaced in place (kustomization.yaml tests the old value first, so a changed upstream
 * manifest fails the build of the kustomization instead of silently keeping the old argument).
 */
interface WelkinArgReplacement {
    controllers: FluxController[];
    from: string;
    to: string;
    /** Why, as the comment above the patch in kustomization.yaml. */
    why: string;
}

const WELKIN_ARG_REPLACEMENTS: Record<FluxVersion, WelkinArgReplacement[]> = {
    // Its controllers watch only Flux's own kinds cluster-wide, which Welkin's crd-controller
    // ClusterRole grants: the manifest works as written.
    "v2.1.2": [],
    "v2.9.4": [
        {
            // kustomize-controller was run so on the sandbox; helm- and notification-controller
            // watch the same way (their *_manager.go / receiver_controller.go WatchesMetadata).
            controllers: ["kustomize-controller", "helm-controller", "notification-controller"],
            from: "--watch-all-namespaces=true",
            to: "--watch-all-namespaces=false",
            why:
                "Watch flux-system only: watching all namespaces also watches Secrets (and ConfigMaps) cluster-wide, " +
                "which Welkin does not grant; the cache never syncs and the controller exits after 2 minutes",
        },
    ],
};

/** The Deployment arguments of the Flux version that Welkin's namespace-scoped RBAC needs changed. */
export function welkinArgReplacements(version: string): WelkinArgReplacement[] {
    return WELKIN_ARG_REPLACEMENTS[version as FluxVersion] ?? [];
}
