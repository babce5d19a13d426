// Tier 3 in the sandbox: what the program tests (program.test.ts) do not show. The sandbox gives
// the developer Welkin's rights and nothing more; Welkin's known Role/RoleBinding issue and its
// workaround; and the preflight under the real engine failing a preview, with nothing created,
// for a developer without CRD rights and for a registry constraint that does not allow ghcr.io.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { Stack } from "@pulumi/pulumi/automation";
import { applyObjects } from "../../sandbox/lib/cluster";
import { upWithPreview } from "../../sandbox/lib/programStack";
import { allowedReposConstraint, PRE_EXISTING_ADMIN } from "../../sandbox/lib/welkinPlatform";
import { layoutTenantManifests } from "../../components/tenantLayout";
import { buildFolder } from "../support/kustomize";
import { sandboxFixture } from "../support/sandboxFixture";
import { TENANT_OBJECTS } from "../support/tenant";

const PROGRAM = path.join(__dirname, "programs", "welkin-dynamic");
const SA = (name: string) => ({ kind: "ServiceAccount", name, namespace: "flux-system" });

describe("sandbox (tier 3: real kube-apiserver, HNC, kwok and Pulumi engine)", function () {
    this.timeout(600_000);
    const fx = sandboxFixture(this, "the sandbox suite", { prefix: "welkin-sandbox" });

    const dev = (args: string[]) => fx.dev(args);
    const admin = (args: string[]) => fx.admin(args);
    const subjects = (ns: string) => JSON.parse(admin(["get", "rolebinding", "extra-workload-admins", "-n", ns, "-o", "jsonpath={.subjects}"]) || "[]");

    /** A stack of the dynamic-steps program with this kubeconfig, on the run's backend. */
    function stack(name: string, kubeconfigFile: string): Promise<Stack> {
        return fx.workspaceStack(PROGRAM, name, { kubeconfig: { value: fs.readFileSync(kubeconfigFile, "utf8"), secret: true } });
    }

    it("gives the application developer Welkin's rights and nothing more", () => {
        const can = (args: string[]) => {
            try {
                return dev(["auth", "can-i", ...args]).trim() === "yes";
            } catch {
                return false; // kubectl exits 1 for "no"
            }
        };
        assert.ok(can(["create", "subnamespaceanchors.hnc.x-k8s.io", "-n", "production"]));
        assert.ok(can(["create", "customresourcedefinitions"]));
        assert.ok(can(["update", "customresourcedefinitions/gitrepositories.source.toolkit.fluxcd.io"]));
        assert.ok(can(["update", "rolebindings/extra-workload-admins", "-n", "staging"]));
        assert.ok(!can(["update", "customresourcedefinitions/foos.example.com"]));
        assert.ok(!can(["create", "clusterroles"]));
        assert.ok(!can(["create", "clusterrolebindings"]));
        assert.ok(!can(["create", "namespaces"]));
        assert.ok(!can(["bind", "clusterroles"]));
        assert.ok(!can(["escalate", "roles", "-n", "production"]));
    });

    it("Welkin's known issue: a Role and its RoleBinding fail in one Kustomization, and pass laid out as two", () => {
        // kustomize-controller with the admin delegation, as the API server sees it; it applies
        // the way the controller does: a server-side dry run of the whole set, then the apply.
        admin(["patch", "rolebinding", "extra-workload-admins", "-n", "production", "--type=json", "-p", JSON.stringify([{ op: "add", path: "/subjects/-", value: SA("kustomize-controller") }])]);
        const asController = ["--as=system:serviceaccount:flux-system:kustomize-controller", "--as-group=system:serviceaccounts", "--as-group=system:serviceaccounts:flux-system"];
        const reconcile = (objects: unknown[]) => {
            const manifest = objects.map((o) => yaml.dump(o)).join("---\n");
            fx.admin([...asController, "apply", "--server-side", "--dry-run=server", "-f", "-"], manifest);
            fx.admin([...asController, "apply", "--server-side", "-f", "-"], manifest);
        };
        try {
            assert.throws(() => reconcile(TENANT_OBJECTS), /rolebindings\.rbac\.authorization\.k8s\.io "app-reader"/);
            assert.strictEqual(admin(["get", "rolebinding", "app-reader", "-n", "production", "--ignore-not-found", "-o", "name"]).trim(), "");

            const layout = layoutTenantManifests({ name: "team-a", path: "clusters/sandbox/tenants/team-a", sourceName: "fleet-repo" }, TENANT_OBJECTS);
            for (const k of layout.kustomizations) {
                reconcile(buildFolder(layout.files, (k.spec as { path: string }).path.replace(/^\.\//, "")));
            }
            assert.strictEqual(admin(["get", "rolebinding", "app-reader", "-n", "production", "-o", "jsonpath={.subjects[0].name}"]), "bob@example.com");
        } finally {
            admin(["delete", "rolebinding,role,configmap", "app-reader", "app-config", "-n", "production", "--ignore-not-found"]);
            admin(["patch", "rolebinding", "extra-workload-admins", "-n", "production", "--type=json", "-p", JSON.stringify([{ op: "remove", path: "/subjects/1" }])]);
        }
        assert.deepStrictEqual(subjects("production"), [PRE_EXISTING_ADMIN]);
    });

    it("real engine: preview fails for a developer without CRD rights, naming the fix, and nothing is created", async () => {
        const s = await stack("nocrd", fx.sandbox.kubeconfigs["developer-nocrd"]);
        await assert.rejects(
            s.preview(),
            (e: Error) =>
                /Welkin preflight for parent namespace "production" found 1 problem\(s\); nothing was changed/.test(e.message) &&
                /you may not create CustomResourceDefinitions: ask the platform administrator to enable Welkin's self-managed cluster resources/.test(e.message),
        );
        // `pulumi up` as users run it, with its preview (the Automation API's up() skips the preview).
        const up = await upWithPreview("nocrd", fx.pulumiDir, { cwd: PROGRAM });
        assert.notStrictEqual(up.code, 0, "the up must fail");
        assert.match(up.stdout + up.stderr, /you may not create CustomResourceDefinitions/);
        assert.deepStrictEqual(subjects("production"), [PRE_EXISTING_ADMIN]);
        const resources = (await s.exportStack()).deployment.resources ?? [];
        assert.ok(!resources.some((r: { type: string }) => r.type.includes("AdminDelegation")), "no delegation may be created");
    });

    it("real engine: preview fails when the registry constraint does not allow ghcr.io/fluxcd", async () => {
        // Welkin's own constraint (the sandbox's Gatekeeper), put back for the tests after this one.
        const welkins = JSON.parse(admin(["get", "k8sallowedrepos", "elastisys-require-harbor-registry", "-o", "json"]));
        applyObjects(fx.sandbox.kubeconfigs.admin, [allowedReposConstraint(["harbor.example.com/"], "deny")]);
        try {
            const s = await stack("registry", fx.sandbox.kubeconfigs.developer);
            await assert.rejects(
                s.preview(),
                /the registry constraint "elastisys-require-harbor-registry" \(deny\) allows only harbor\.example\.com\/, not ghcr\.io\/fluxcd\/source-controller:v1\.1\.2/,
            );
        } finally {
            admin(["delete", "k8sallowedrepos", "elastisys-require-harbor-registry"]);
            applyObjects(fx.sandbox.kubeconfigs.admin, [{ apiVersion: welkins.apiVersion, kind: welkins.kind, metadata: { name: welkins.metadata.name }, spec: welkins.spec }]);
        }
    });
});
