// Shared by the tenant layout tests: a tenant with a Role, a RoleBinding to it and a ConfigMap.
import { KubeObject } from "../../components/kube/object";

export const TENANT_OBJECTS: KubeObject[] = [
    {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: "app-reader", namespace: "production" },
        rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }],
    },
    {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "app-reader", namespace: "production" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "app-reader" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "bob@example.com" }],
    },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "app-config", namespace: "production" }, data: { mode: "demo" } },
];
