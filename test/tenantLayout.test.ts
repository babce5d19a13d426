import * as assert from "assert";
import { parseManifest } from "../components/kube/object";
import { layoutTenantManifests } from "../components/tenantLayout";
import { buildFolder } from "./support/kustomize";
import { TENANT_OBJECTS } from "./support/tenant";

describe("tenant layout for Welkin (Roles before RoleBindings)", () => {
    const layout = layoutTenantManifests({ name: "team-a", path: "clusters/dev/tenants/team-a", sourceName: "fleet-repo" }, TENANT_OBJECTS);

    it("puts Roles, RoleBindings and everything else in three Kustomizations chained by dependsOn", () => {
        assert.deepStrictEqual(
            layout.kustomizations.map((k) => [k.metadata.name, (k.spec as { path: string; dependsOn?: { name: string }[] }).path, (k.spec as { dependsOn?: { name: string }[] }).dependsOn]),
            [
                ["team-a-roles", "./clusters/dev/tenants/team-a/roles", undefined],
                ["team-a-rolebindings", "./clusters/dev/tenants/team-a/rolebindings", [{ name: "team-a-roles" }]],
                ["team-a-workloads", "./clusters/dev/tenants/team-a/workloads", [{ name: "team-a-rolebindings" }]],
            ],
        );
        assert.deepStrictEqual(layout.kustomizations[1].spec, {
            dependsOn: [{ name: "team-a-roles" }],
            interval: "10m0s",
            path: "./clusters/dev/tenants/team-a/rolebindings",
            prune: true,
            sourceRef: { kind: "GitRepository", name: "fleet-repo", namespace: "flux-system" },
        });
    });

    it("gives each folder exactly its objects, as kubectl kustomize builds them", () => {
        assert.deepStrictEqual(buildFolder(layout.files, "clusters/dev/tenants/team-a/roles"), [TENANT_OBJECTS[0]]);
        assert.deepStrictEqual(buildFolder(layout.files, "clusters/dev/tenants/team-a/rolebindings"), [TENANT_OBJECTS[1]]);
        assert.deepStrictEqual(buildFolder(layout.files, "clusters/dev/tenants/team-a/workloads"), [TENANT_OBJECTS[2]]);
        const exported = layout.files.find((f) => f.path === "clusters/dev/tenants/team-a/flux-kustomizations.yaml")!;
        assert.deepStrictEqual(parseManifest(exported.content), layout.kustomizations);
        assert.match(exported.content, /^---\napiVersion: kustomize\.toolkit\.fluxcd\.io\/v1\nkind: Kustomization\n/);
    });

    it("needs no dependsOn without Roles, and refuses cluster-wide RBAC with the reason", () => {
        const plain = layoutTenantManifests({ name: "web", path: "apps/web", sourceName: "fleet-repo" }, [TENANT_OBJECTS[2]]);
        assert.deepStrictEqual(plain.kustomizations.map((k) => k.metadata.name), ["web-workloads"]);
        assert.throws(
            () => layoutTenantManifests({ name: "x", path: "../x", sourceName: "r" }, [{ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "reader" } }]),
            (e: Error) =>
                e.message ===
                'Cannot lay out tenant "x":\n' +
                    '  - path "../x" must be a relative repository folder like "clusters/dev/tenants/team-a".\n' +
                    "  - ClusterRole reader: application developers on Welkin cannot create cluster-wide RBAC, so Flux cannot either; use a Role and RoleBinding.",
        );
    });
});
