// The Roles of Welkin's Flux guide (roles/all-controllers-role.yaml and
// roles/source-controller-role.yaml), created in each parent namespace. HNC propagates Roles and
// RoleBindings from a parent to its subnamespaces, so flux-system and every sibling get them.
import { DEFAULT_COMPONENTS, EXTRA_COMPONENTS } from "../flux/releases";
import { KubeObject } from "../kube/object";

// Every controller of the Flux distribution, installed or not, so that turning image automation
// on later needs no RBAC change; each runs as a ServiceAccount of its own name. Listed in the
// order of Welkin's roles file (a reordered subjects list would be a change to live RoleBindings).
const WELKIN_ORDER: readonly string[] = ["kustomize-controller", "helm-controller", "source-controller", "notification-controller"];
const ALL_FLUX_SERVICE_ACCOUNTS: string[] = [...DEFAULT_COMPONENTS, ...EXTRA_COMPONENTS].sort(
    (a, b) => (WELKIN_ORDER.indexOf(a) + 1 || 99) - (WELKIN_ORDER.indexOf(b) + 1 || 99),
);

const ALL_CONTROLLERS_ROLE = "flux-all-controllers-role";
const ALL_CONTROLLERS_ROLE_BINDING = "flux-all-controllers-rb";
const SOURCE_CONTROLLER_ROLE = "flux-source-controller-role";
const SOURCE_CONTROLLER_ROLE_BINDING = "flux-source-controller-rb";

function serviceAccount(name: string, fluxNamespace: string) {
    return { kind: "ServiceAccount", name, namespace: fluxNamespace };
}

/** Role, RoleBinding, Role, RoleBinding for one parent namespace. */
export function welkinFluxRoles(parentNamespace: string, fluxNamespace: string): KubeObject[] {
    const roleRef = (name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "Role", name });
    return [
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata: { name: ALL_CONTROLLERS_ROLE, namespace: parentNamespace },
            // Leader election leases and events for every controller.
            rules: [
                {
                    apiGroups: ["coordination.k8s.io"],
                    resources: ["leases"],
                    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
                },
                { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
            ],
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name: ALL_CONTROLLERS_ROLE_BINDING, namespace: parentNamespace },
            roleRef: roleRef(ALL_CONTROLLERS_ROLE),
            subjects: ALL_FLUX_SERVICE_ACCOUNTS.map((sa) => serviceAccount(sa, fluxNamespace)),
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata: { name: SOURCE_CONTROLLER_ROLE, namespace: parentNamespace },
            // source-controller reads git credentials and keeps artifacts metadata in ConfigMaps.
            rules: [
                { apiGroups: [""], resources: ["secrets", "configmaps", "serviceaccounts"], verbs: ["get", "list", "watch"] },
                {
                    apiGroups: [""],
                    resources: ["configmaps"],
                    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
                },
            ],
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name: SOURCE_CONTROLLER_ROLE_BINDING, namespace: parentNamespace },
            roleRef: roleRef(SOURCE_CONTROLLER_ROLE),
            subjects: [serviceAccount("source-controller", fluxNamespace)],
        },
    ];
}
