// Welkin's platform RBAC and HNC setup, reproduced for the sandbox (its admission, Gatekeeper
// with Welkin's own policies, is welkinGatekeeper.ts).
// Each object names the file of elastisys/compliantkubernetes-apps v0.50.1 it mirrors
// (copies in shared/upstream/welkin/platform/, see its SOURCES.md), rendered with the values an
// environment with Flux enabled has (user.fluxv2.enabled, gatekeeper.allowUserCRDs.enabled).
import { WELKIN_ALLOWED_FLUX_CRDS } from "../../components/render/welkinChanges";
import { Identity } from "./pki";

export const USER_NAMESPACES = ["production", "staging"];

/** A pre-existing subject on extra-workload-admins that must survive everything welkin-flux does. */
export const PRE_EXISTING_ADMIN = { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice@example.com" };

export const DEVELOPER: Identity = { name: "developer", user: "dev@example.com", groups: ["welkin-developers"] };
/** An application developer in an environment without self-managed cluster resources (no CRD rights). */
export const DEVELOPER_WITHOUT_CRDS: Identity = { name: "developer-nocrd", user: "nocrd@example.com", groups: ["welkin-developers-nocrd"] };
export const ADMIN: Identity = { name: "admin", user: "sandbox-admin", groups: ["system:masters"] };

const FLUX_SERVICE_ACCOUNTS = ["kustomize-controller", "helm-controller", "source-controller", "notification-controller", "image-reflector-controller", "image-automation-controller"];
const rbac = "rbac.authorization.k8s.io/v1";
const group = (name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name });
const clusterRole = (name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name });

type Obj = Record<string, unknown>;

/**
 * One user namespace as Welkin sets it up for application developers (a root namespace of
 * user.namespaces): the namespace, its admin RoleBindings, and the right to make HNC anchors in it.
 */
export function userNamespaceObjects(ns: string): Obj[] {
    const developers = [group(DEVELOPER.groups[0]), group(DEVELOPER_WITHOUT_CRDS.groups[0])];
    return [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
        // helmfile.d/charts/user-rbac/templates/rolebindings/workload-admin.yaml: workload-admin -> admin for user.adminGroups.
        { apiVersion: rbac, kind: "RoleBinding", metadata: { name: "workload-admin", namespace: ns }, roleRef: clusterRole("admin"), subjects: developers },
        // Same file: extra-workload-admins -> admin, handed over to application developers (here seeded with one subject).
        {
            apiVersion: rbac,
            kind: "RoleBinding",
            metadata: { name: "extra-workload-admins", namespace: ns, annotations: { "helm.sh/resource-policy": "keep" } },
            roleRef: clusterRole("admin"),
            subjects: [PRE_EXISTING_ADMIN],
        },
        // helmfile.d/charts/hnc/controller/templates/user-rbac.yaml: anchors in every root user namespace.
        {
            apiVersion: rbac,
            kind: "Role",
            metadata: { name: "hnc-controller-user-role", namespace: ns },
            rules: [{ apiGroups: ["hnc.x-k8s.io"], resources: ["subnamespaceanchors"], verbs: ["*"] }],
        },
        {
            apiVersion: rbac,
            kind: "RoleBinding",
            metadata: { name: "hnc-controller-user-rolebinding", namespace: ns },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "hnc-controller-user-role" },
            subjects: developers,
        },
    ];
}

export function welkinPlatformObjects(): Obj[] {
    const developers = [group(DEVELOPER.groups[0]), group(DEVELOPER_WITHOUT_CRDS.groups[0])];
    const objects: Obj[] = [];
    objects.push(...USER_NAMESPACES.flatMap(userNamespaceObjects));
    objects.push(
        // helmfile.d/charts/hnc/controller/templates/user-rbac.yaml: read the hierarchy.
        {
            apiVersion: rbac,
            kind: "ClusterRole",
            metadata: { name: "hnc-controller-user-role" },
            rules: [{ apiGroups: ["hnc.x-k8s.io"], resources: ["hierarchyconfigurations", "hncconfigurations"], verbs: ["get", "list", "watch"] }],
        },
        { apiVersion: rbac, kind: "ClusterRoleBinding", metadata: { name: "hnc-controller-user-rolebinding" }, roleRef: clusterRole("hnc-controller-user-role"), subjects: developers },
        // helmfile.d/charts/user-rbac/templates/clusterroles/user-view.yaml (+ its ClusterRoleBinding): cluster-wide reads, incl. Gatekeeper constraints.
        {
            apiVersion: rbac,
            kind: "ClusterRole",
            metadata: { name: "user-view" },
            rules: [
                { apiGroups: [""], resources: ["nodes", "namespaces", "persistentvolumes"], verbs: ["get", "list", "watch"] },
                { apiGroups: ["constraints.gatekeeper.sh"], resources: ["*"], verbs: ["get", "list", "watch"] },
                { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get", "list", "watch"] },
            ],
        },
        { apiVersion: rbac, kind: "ClusterRoleBinding", metadata: { name: "user-view" }, roleRef: clusterRole("user-view"), subjects: developers },
        // helmfile.d/charts/user-rbac/templates/clusterroles/user-crds.yaml + clusterrolebindings/user-crds.yaml
        // (gatekeeper.allowUserCRDs.enabled, resourceNames from values/user-rbac.yaml.gotmpl with user.fluxv2.enabled).
        {
            apiVersion: rbac,
            kind: "ClusterRole",
            metadata: { name: "user-crds" },
            rules: [{ apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: ["get", "list", "watch", "create"] }],
        },
        userCrdsResourceNameLimit([]),
        // Only DEVELOPER: DEVELOPER_WITHOUT_CRDS stands for an environment without the feature.
        { apiVersion: rbac, kind: "ClusterRoleBinding", metadata: { name: "user-crds" }, roleRef: clusterRole("user-crds"), subjects: [group(DEVELOPER.groups[0])] },
        { apiVersion: rbac, kind: "ClusterRoleBinding", metadata: { name: "user-crds-resourcename-limit" }, roleRef: clusterRole("user-crds-resourcename-limit"), subjects: [group(DEVELOPER.groups[0])] },
        // helmfile.d/values/userCRDs/flux/fluxv2.yaml.gotmpl: crd-controller for the Flux ServiceAccounts in flux-system, and flux-admin for users.
        {
            apiVersion: rbac,
            kind: "ClusterRole",
            metadata: { name: "crd-controller" },
            rules: [
                {
                    apiGroups: ["source.toolkit.fluxcd.io", "kustomize.toolkit.fluxcd.io", "helm.toolkit.fluxcd.io", "notification.toolkit.fluxcd.io", "image.toolkit.fluxcd.io"],
                    resources: ["*"],
                    verbs: ["*"],
                },
            ],
        },
        {
            apiVersion: rbac,
            kind: "ClusterRoleBinding",
            metadata: { name: "crd-controller" },
            roleRef: clusterRole("crd-controller"),
            subjects: FLUX_SERVICE_ACCOUNTS.map((name) => ({ kind: "ServiceAccount", name, namespace: "flux-system" })),
        },
        { apiVersion: rbac, kind: "ClusterRoleBinding", metadata: { name: "flux-admin" }, roleRef: clusterRole("crd-controller"), subjects: [group(DEVELOPER.groups[0])] },
        // helmfile.d/charts/hnc/config-and-crds/templates/hnc-config.yaml: HNC propagates Roles and RoleBindings always.
        { apiVersion: "hnc.x-k8s.io/v1alpha2", kind: "HNCConfiguration", metadata: { name: "config" }, spec: {} },
    );
    return objects;
}

/** An entry of the administrator's `gatekeeper.allowUserCRDs.extraCRDs`. */
export interface ExtraCrds {
    names: string[];
    group: string;
}

/** What a Welkin administrator adds to allow Flux v2.9.4's ExternalArtifact CRD. */
export const EXTERNAL_ARTIFACT_EXTRA_CRDS: ExtraCrds[] = [{ names: ["externalartifacts.source.toolkit.fluxcd.io"], group: "source.toolkit.fluxcd.io" }];

/**
 * helmfile.d/charts/user-rbac/templates/clusterroles/user-crds.yaml's user-crds-resourcename-limit
 * with resourceNames as helmfile.d/values/user-rbac.yaml.gotmpl makes them: the 13 Flux names
 * (user.fluxv2.enabled), then each extraCRDs entry's names. (The same extraCRDs also extend
 * Gatekeeper's allowed list, values/userCRDs/userCRDs.yaml.gotmpl; the sandbox runs no Gatekeeper,
 * and RBAC alone already refuses a CRD outside the list: server-side apply of a new object needs
 * `patch`.) Applying this again is how the sandbox's administrator changes extraCRDs.
 */
export function userCrdsResourceNameLimit(extraCRDs: ExtraCrds[]): Obj {
    return {
        apiVersion: rbac,
        kind: "ClusterRole",
        metadata: { name: "user-crds-resourcename-limit" },
        rules: [
            {
                apiGroups: ["apiextensions.k8s.io"],
                resources: ["customresourcedefinitions"],
                resourceNames: [...WELKIN_ALLOWED_FLUX_CRDS, ...extraCRDs.flatMap((e) => e.names)],
                verbs: ["update", "patch", "delete"],
            },
        ],
    };
}

/** A registry constraint with Welkin's name (helmfile.d/charts/gatekeeper/constraints/templates/image-registry/constraint.yaml), for tests that replace Welkin's. */
export function allowedReposConstraint(repos: string[], enforcementAction: "deny" | "warn" = "deny"): Obj {
    return {
        apiVersion: "constraints.gatekeeper.sh/v1beta1",
        kind: "K8sAllowedRepos",
        metadata: { name: "elastisys-require-harbor-registry" },
        spec: { enforcementAction, parameters: { repos } },
    };
}

/** A kwok-managed node with room for the Flux controllers; a dedicated node group gets its own labels and taints. */
export function kwokNode(name = "kwok-node-0", group: { labels?: Record<string, string>; taints?: { key: string; value: string; effect: string }[] } = {}): Obj {
    return {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
            name,
            annotations: { "kwok.x-k8s.io/node": "fake" },
            labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", type: "kwok", ...group.labels },
        },
        ...(group.taints ? { spec: { taints: group.taints } } : {}),
        status: { allocatable: { cpu: "32", memory: "256Gi", pods: "110" }, capacity: { cpu: "32", memory: "256Gi", pods: "110" } },
    };
}
