// Tier 3 in the sandbox: a real kube-apiserver with RBAC set up like Welkin, the real HNC
// controller, kube-controller-manager, kube-scheduler and kwok, and the real Pulumi engine.
// The kubernetes, tls and github provider plugins cannot be built here (the Go module proxy
// refuses their modules), so: the Kubernetes objects the component registers are applied as the
// application developer with server-side apply (what the kubernetes provider does), and the
// component's own providers (preflight, admin delegation) run under the real engine.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { WelkinFlux } from "../../components/welkinFlux";
import { applyObjects, kubectl, Sandbox, startSandbox, stopSandbox, tempStateDir } from "../../sandbox/lib/cluster";
import { missingSandboxBinaries, toolchainPath } from "../../sandbox/lib/toolchain";
import { allowedReposConstraint, PRE_EXISTING_ADMIN } from "../../sandbox/lib/welkinPlatform";
import { layoutTenantManifests } from "../../components/tenantLayout";
import { reveal, settle, unwrap, useMocks } from "../support/mocks";
import { buildFolder } from "../support/kustomize";
import { TENANT_OBJECTS } from "../support/tenant";

const PROGRAM = path.join(__dirname, "programs", "welkin-dynamic");
const SA = (name: string) => ({ kind: "ServiceAccount", name, namespace: "flux-system" });

describe("sandbox (tier 3: real kube-apiserver, HNC, kwok and Pulumi engine)", function () {
    this.timeout(600_000);
    let sandbox: Sandbox | undefined;
    let pulumiHome: string;
    let backend: string;

    before(async function () {
        const missing = missingSandboxBinaries();
        if (missing.length > 0) {
            console.log(`    SKIPPED: the sandbox toolchain is not built (missing ${missing.join(", ")}); run sandbox/toolchain/build.sh`);
            this.skip();
        }
        sandbox = await startSandbox(tempStateDir(), () => undefined);
        pulumiHome = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-pulumi-home-"));
        backend = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-pulumi-state-"));
        // The Automation API runs the `pulumi` it finds on PATH.
        process.env.PATH = toolchainPath();
    });

    let failed = false;
    afterEach(function () {
        failed = failed || this.currentTest?.state === "failed";
    });

    after(async () => {
        if (sandbox !== undefined && failed) {
            // Keep what the control plane logged, for the failure to be understood.
            const kept = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-sandbox-failure-"));
            fs.cpSync(path.join(sandbox.stateDir, "logs"), kept, { recursive: true });
            console.log(`    sandbox logs kept in ${kept}`);
        }
        // The stack settings setConfig wrote beside the program (git-ignored): sandbox credentials.
        for (const f of fs.readdirSync(PROGRAM).filter((f) => /^Pulumi\..+\.yaml$/.test(f))) {
            fs.rmSync(path.join(PROGRAM, f));
        }
        if (sandbox !== undefined) {
            await stopSandbox(sandbox.stateDir);
            fs.rmSync(sandbox.stateDir, { recursive: true, force: true });
            fs.rmSync(pulumiHome, { recursive: true, force: true });
            fs.rmSync(backend, { recursive: true, force: true });
        }
    });

    /** The Kubernetes objects the component registered, in registration order (set by the apply test). */
    let applied: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }[] = [];
    const dev = (args: string[]) => kubectl(sandbox!.kubeconfigs.developer, args);
    const admin = (args: string[]) => kubectl(sandbox!.kubeconfigs.admin, args);
    const subjects = (ns: string) => JSON.parse(admin(["get", "rolebinding", "extra-workload-admins", "-n", ns, "-o", "jsonpath={.subjects}"]) || "[]");

    async function stack(name: string, kubeconfigFile: string): Promise<Stack> {
        const s = await LocalWorkspace.createOrSelectStack(
            { stackName: name, workDir: PROGRAM },
            { envVars: { PULUMI_HOME: pulumiHome, PULUMI_BACKEND_URL: `file://${backend}`, PULUMI_CONFIG_PASSPHRASE: "sandbox", PULUMI_SKIP_UPDATE_CHECK: "true" } },
        );
        await s.setConfig("kubeconfig", { value: fs.readFileSync(kubeconfigFile, "utf8"), secret: true });
        return s;
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

    it("applies every Kubernetes object the component registers as the application developer: no Forbidden, anchor Ok, Flux Available", async () => {
        // The inputs the component hands the kubernetes provider, in registration order.
        const mocks = await useMocks();
        const flux = new WelkinFlux("sandbox", { clusterName: "sandbox", repository: { owner: "sandbox", name: "fleet" }, kubeconfig: fs.readFileSync(sandbox!.kubeconfigs.developer, "utf8") });
        await unwrap(flux.committedFiles);
        await settle(mocks);
        const objects = mocks.registrations
            .filter((r) => r.type.startsWith("kubernetes:"))
            .map((r) => Object.fromEntries(Object.entries(r.inputs).map(([k, v]) => [k, reveal(v)])) as (typeof applied)[number]);
        applied = objects;
        assert.strictEqual(objects.length, 13 + 1 + 4 + 1 + 16);
        for (const o of objects) {
            applyObjects(sandbox!.kubeconfigs.developer, [o]);
            if (o.kind === "SubnamespaceAnchor") {
                // What the pulumi.com/waitFor annotation makes the provider wait for.
                dev(["wait", "-n", "production", `subnamespaceanchor/${o.metadata.name}`, "--for=jsonpath={.status.status}=Ok", "--timeout=60s"]);
            }
        }
        dev(["wait", "-n", "flux-system", "deployment", "--all", "--for=condition=Available", "--timeout=180s"]);
        assert.strictEqual(admin(["get", "namespace", "flux-system", "-o", "jsonpath={.metadata.annotations.hnc\\.x-k8s\\.io/subnamespace-of}"]), "production");
        // HNC propagated the Roles the controllers need into flux-system.
        const roles = dev(["get", "roles", "-n", "flux-system", "-o", "name"]).split("\n");
        assert.ok(roles.includes("role.rbac.authorization.k8s.io/flux-all-controllers-role"));
        assert.ok(roles.includes("role.rbac.authorization.k8s.io/flux-source-controller-role"));
        const synced = yaml.load(dev(["get", "gitrepository", "fleet-repo", "-n", "flux-system", "-o", "yaml"])) as { spec: { secretRef: { name: string } } };
        assert.strictEqual(synced.spec.secretRef.name, "fleet-auth");
    });

    it("tears down in destroy order as the application developer: flux-system gone within 2 minutes, nothing Terminating", async function () {
        if (applied.length === 0) {
            this.skip(); // the apply test did not get far enough
        }
        const started = Date.now();
        // Pulumi deletes dependents first: the reverse of registration order.
        const ref = (o: (typeof applied)[number]) => `${o.kind.toLowerCase()}${o.apiVersion.includes("/") ? "." + o.apiVersion.split("/")[0] : ""}/${o.metadata.name}`;
        const ns = (o: (typeof applied)[number]) => (o.metadata.namespace ? ["-n", o.metadata.namespace] : []);
        for (const o of [...applied].reverse()) {
            // CRDs are finalized by the API server in the background (as for the kubernetes provider,
            // which waits for each object to be gone); the bound below is on the whole teardown.
            dev(["delete", ref(o), ...ns(o), "--ignore-not-found", `--wait=${o.kind !== "CustomResourceDefinition"}`, "--timeout=110s"]);
        }
        const waitUntilGone = async (what: string, list: () => string[], boundMs: number): Promise<number> => {
            while (list().length > 0) {
                assert.ok(Date.now() - started < boundMs, `${boundMs / 1000} s after destroy began, ${what} still present: ${list().join(", ")}`);
                await new Promise((r) => setTimeout(r, 500));
            }
            return (Date.now() - started) / 1000;
        };
        const namespaceGone = await waitUntilGone(
            "flux-system",
            () => admin(["get", "namespace", "flux-system", "--ignore-not-found", "-o", "name"]).split("\n").filter((l) => l.trim() !== ""),
            120_000,
        );
        // The API server finalizes deleted CRDs itself; it usually takes seconds here, but was seen
        // to take over 2 minutes (2 runs in about 15), so this bound is wider and the time is printed.
        const crdsGone = await waitUntilGone(
            "Flux CRDs",
            () => admin(["get", "crd", "-o", "name"]).split("\n").filter((c) => c.includes("toolkit.fluxcd.io")),
            300_000,
        );
        assert.strictEqual(admin(["get", "namespaces", "-o", "jsonpath={.items[?(@.status.phase=='Terminating')].metadata.name}"]).trim(), "");
        assert.deepStrictEqual(subjects("production"), [PRE_EXISTING_ADMIN]);
        console.log(`      (flux-system gone after ${namespaceGone.toFixed(1)} s, Flux CRDs finalized after ${crdsGone.toFixed(1)} s)`);
    });

    it("Welkin's known issue: a Role and its RoleBinding fail in one Kustomization, and pass laid out as two", () => {
        // kustomize-controller with the admin delegation, as the API server sees it; it applies
        // the way the controller does: a server-side dry run of the whole set, then the apply.
        admin(["patch", "rolebinding", "extra-workload-admins", "-n", "production", "--type=json", "-p", JSON.stringify([{ op: "add", path: "/subjects/-", value: SA("kustomize-controller") }])]);
        const asController = ["--as=system:serviceaccount:flux-system:kustomize-controller", "--as-group=system:serviceaccounts", "--as-group=system:serviceaccounts:flux-system"];
        const reconcile = (objects: unknown[]) => {
            const manifest = objects.map((o) => yaml.dump(o)).join("---\n");
            kubectl(sandbox!.kubeconfigs.admin, [...asController, "apply", "--server-side", "--dry-run=server", "-f", "-"], manifest);
            kubectl(sandbox!.kubeconfigs.admin, [...asController, "apply", "--server-side", "-f", "-"], manifest);
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

    it("real engine: preflight passes; delegation keeps the pre-existing subject through up, a no-op up, refresh and destroy", async () => {
        const s = await stack("dev", sandbox!.kubeconfigs.developer);
        const up = await s.up();
        assert.strictEqual(up.summary.result, "succeeded");
        for (const ns of ["production", "staging"]) {
            assert.deepStrictEqual(subjects(ns), [PRE_EXISTING_ADMIN, SA("kustomize-controller"), SA("helm-controller")]);
        }
        const again = await s.up();
        assert.deepStrictEqual(Object.keys(again.summary.resourceChanges ?? {}), ["same"], "a second up must change nothing");
        const refresh = await s.refresh();
        assert.deepStrictEqual(Object.keys(refresh.summary.resourceChanges ?? {}), ["same"], "refresh must find no drift");
        // The kubeconfig-derived connection (with the developer's private key) is a secret: the state
        // file the backend stores (exportStack() would decrypt it) and the engine's output never show it.
        const stored = fs.readFileSync(path.join(backend, ".pulumi", "stacks", "welkin-flux-dynamic", "dev.json"), "utf8");
        const keyLine = fs.readFileSync(path.join(sandbox!.stateDir, "pki", "developer.key"), "utf8").split("\n")[1];
        const keyData = fs.readFileSync(sandbox!.kubeconfigs.developer, "utf8").match(/client-key-data: (\S+)/)![1];
        for (const [what, text] of [["the stored state", stored], ["the engine output", up.stdout + up.stderr + again.stdout]]) {
            assert.ok(!text.includes(keyLine), `${what} has the developer's private key in plain text`);
            assert.ok(!text.includes(keyData.slice(0, 64)), `${what} has the kubeconfig's client-key-data in plain text`);
        }
        assert.match(stored, /"access":\s*\{\s*"4dabf18193072939515e22adb298388d":\s*"1b47061264138c4ac30d75fd1eb44270",\s*"ciphertext"/);
        await s.destroy();
        for (const ns of ["production", "staging"]) {
            assert.deepStrictEqual(subjects(ns), [PRE_EXISTING_ADMIN]);
        }
    });

    it("real engine: preview fails for a developer without CRD rights, naming the fix, and nothing is created", async () => {
        const s = await stack("nocrd", sandbox!.kubeconfigs["developer-nocrd"]);
        await assert.rejects(
            s.preview(),
            (e: Error) =>
                /Welkin preflight for parent namespace "production" found 1 problem\(s\); nothing was changed/.test(e.message) &&
                /you may not create CustomResourceDefinitions: ask the platform administrator to enable Welkin's self-managed cluster resources/.test(e.message),
        );
        await assert.rejects(s.up(), /you may not create CustomResourceDefinitions/);
        assert.deepStrictEqual(subjects("production"), [PRE_EXISTING_ADMIN]);
        const resources = (await s.exportStack()).deployment.resources ?? [];
        assert.ok(!resources.some((r: { type: string }) => r.type.includes("AdminDelegation")), "no delegation may be created");
    });

    it("real engine: preview fails when the registry constraint does not allow ghcr.io/fluxcd", async () => {
        applyObjects(sandbox!.kubeconfigs.admin, [allowedReposConstraint(["harbor.example.com/"], "deny")]);
        try {
            const s = await stack("registry", sandbox!.kubeconfigs.developer);
            await assert.rejects(
                s.preview(),
                /the registry constraint "elastisys-require-harbor-registry" \(deny\) allows only harbor\.example\.com\/, not ghcr\.io\/fluxcd\/source-controller:v1\.1\.2/,
            );
        } finally {
            admin(["delete", "k8sallowedrepos", "elastisys-require-harbor-registry"]);
        }
    });
});
