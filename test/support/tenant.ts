// Shared by the tenant layout tests: a tenant with a Role, a RoleBinding to it and a ConfigMap.
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KubeObject, parseManifest } from "../../components/fluxDistribution";

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

/** `kubectl kustomize` of one folder of a layout, written to a temporary repository. */
export function buildFolder(files: { path: string; content: string }[], folder: string): KubeObject[] {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-tenant-"));
    try {
        for (const f of files) {
            fs.mkdirSync(path.dirname(path.join(root, f.path)), { recursive: true });
            fs.writeFileSync(path.join(root, f.path), f.content);
        }
        return parseManifest(childProcess.execFileSync("kubectl", ["kustomize", path.join(root, folder)], { encoding: "utf8" }));
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}
