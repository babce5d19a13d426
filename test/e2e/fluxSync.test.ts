// Tier 3, Flux reconciling for real: the real program installs Flux v2.9.4 on the sandbox as the
// application developer, then Flux's real source-controller and kustomize-controller v1.9.4
// (built by the toolchain) run out of cluster, each as its own ServiceAccount in flux-system,
// with the arguments of the Deployments the component applied. Welkin's Roles, crd-controller and
// the component's admin delegation are all that lets them work.
import * as assert from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import { Stack } from "@pulumi/pulumi/automation";
import { KubeObject } from "../../components/kube/object";
import { layoutTenantManifests } from "../../components/tenantLayout";
import { addNodeGroup, setExtraCrds } from "../../sandbox/lib/cluster";
import {
    fluxControllerVersions,
    fluxStatus,
    forbiddenLines,
    requestReconcile,
    RunningFluxController,
    startFluxControllers,
    stopControllersWithTheirDeployments,
    waitForFluxReady,
} from "../../sandbox/lib/fluxControllers";
import { RepositoryFile } from "../../sandbox/lib/gitCommits";
import { destroyWithPreview, upWithPreview } from "../../sandbox/lib/programStack";
import { EXTERNAL_ARTIFACT_EXTRA_CRDS, PRE_EXISTING_ADMIN } from "../../sandbox/lib/welkinPlatform";
import { CONCURRENCY, RESOURCES, SCHEDULING } from "../support/patchExamples";
import { sandboxFixture } from "../support/sandboxFixture";

const STACK = "e2e-flux";
const SOURCE = "fleet-repo";
const SYNC_INTERVAL = "30s";

/** A tenant's application in production: a Role, its RoleBinding, a Deployment and its Service. */
function application(prefix: string): KubeObject[] {
    const labels = { app: prefix };
    return [
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata: { name: `${prefix}-reader`, namespace: "production" },
            rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }],
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name: `${prefix}-reader`, namespace: "production" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `${prefix}-reader` },
            subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "bob@example.com" }],
        },
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: prefix, namespace: "production" },
            spec: {
                replicas: 2,
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels },
                    spec: { containers: [{ name: "web", image: "harbor.example.com/demo/web:1.0", resources: { requests: { cpu: "10m", memory: "16Mi" } } }] },
                },
            },
        },
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: prefix, namespace: "production" },
            spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
        },
    ];
}

describe("Flux v2.9.4 reconciling on the sandbox (real program, real source- and kustomize-controller)", function () {
    this.timeout(900_000);
    const fx = sandboxFixture(this, "Flux on the sandbox", { prefix: "welkin-flux-sync", needs: ["git", "flux"], keyComment: "e2e-flux" });
    let stack: Stack;
    let controllers: RunningFluxController[] = [];
    // Each controller Deployment's generation right after `pulumi up`.
    const generations: Record<string, number> = {};

    const admin = (args: string[]) => fx.admin(args);
    const dev = (args: string[], input?: string) => fx.dev(args, input);
    const developer = () => fx.sandbox.kubeconfigs.developer;
    const exists = (args: string[]) => admin(["get", ...args, "--ignore-not-found", "-o", "name"]).trim() !== "";
    /** Commits files to main as the application team would (a local clone of the server's repository). */
    const commit = (files: RepositoryFile[], message: string) => fx.commit({ name: "app-team", email: "app@example.com" }, files, message);

    before(async () => {
        stack = await fx.programStack(STACK, {
            settings: { fluxVersion: "v2.9.4", syncInterval: SYNC_INTERVAL },
            // The README's three customisations, set as a user sets them: `pulumi config set --path`.
            structured: { patches: [CONCURRENCY, RESOURCES, SCHEDULING] },
        });
    });

    it("on a stock Welkin (ExternalArtifact not allowed) the preview fails with the extraCRDs config to add, and nothing is created", async () => {
        await assert.rejects(stack.preview(), (e: Error) => {
            assert.match(e.message, /Welkin preflight for parent namespace "production" found 1 problem\(s\); nothing was changed/);
            assert.match(e.message, /you may not create or update the CRD externalartifacts\.source\.toolkit\.fluxcd\.io, which Flux v2\.9\.4 adds/);
            assert.match(e.message, /gatekeeper:\n\s+allowUserCRDs:\n\s+extraCRDs:\n\s+- names:\n\s+- externalartifacts\.source\.toolkit\.fluxcd\.io\n\s+group: source\.toolkit\.fluxcd\.io/);
            return true;
        });
        assert.ok(!exists(["subnamespaceanchor", "flux-system", "-n", "production"]));
        assert.ok(!exists(["crd", "gitrepositories.source.toolkit.fluxcd.io"]));
        // What the preflight saw is what the API server enforces: a new CRD by server-side apply needs `patch`.
        assert.throws(
            () => dev(["apply", "--server-side", "-f", "-"], yaml.dump({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "externalartifacts.source.toolkit.fluxcd.io" } })),
            /cannot patch resource "customresourcedefinitions"/,
        );
    });

    it("once the administrator allows it (extraCRDs), a fresh up installs Flux v2.9.4 with its 14 CRDs, as the developer", async () => {
        setExtraCrds(fx.sandbox, EXTERNAL_ARTIFACT_EXTRA_CRDS);
        // The nodes the README's scheduling patch asks for; without them the pods stay Pending
        // and `pulumi up` waits for the Deployments (see the README's Troubleshooting).
        addNodeGroup(fx.sandbox, "kwok-flux-0", { key: "elastisys.io/node-group", value: "flux" });
        const up = await upWithPreview(STACK, fx.pulumiDir);
        assert.strictEqual(up.code, 0, up.stdout + up.stderr);
        assert.match(up.stdout, /\+ 46 created/);
        assert.doesNotMatch(up.stdout + up.stderr, /forbidden/i);
        assert.strictEqual(fx.fluxCrds().length, 14);
        const deployments = JSON.parse(admin(["get", "deployments", "-n", "flux-system", "-o", "json"])).items as KubeObject[];
        const pod = (name: string) => (deployments.find((d) => d.metadata.name === name)!.spec as { template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } }).template.spec;
        const args = pod("kustomize-controller").containers[0].args as string[];
        assert.ok(args.includes("--watch-all-namespaces=false"), JSON.stringify(args));
        // The user's patches, from stack config, applied after Welkin's.
        assert.deepStrictEqual(args.slice(-2), ["--concurrent=20", "--requeue-dependency=5s"]);
        // The API server keeps quantities in canonical form: the patch's 2000m reads back as 2.
        assert.deepStrictEqual((pod("kustomize-controller").containers[0].resources as { limits: unknown }).limits, { cpu: "2", memory: "2Gi" });
        for (const d of deployments) {
            assert.deepStrictEqual(pod(d.metadata.name).tolerations, [{ key: "elastisys.io/node-group", operator: "Equal", value: "flux", effect: "NoSchedule" }]);
            generations[d.metadata.name] = d.metadata.generation as number;
        }
        assert.strictEqual(Object.keys(generations).length, 4);
        // Scheduled where the patch asks: on the flux node group, past its taint.
        const nodes = admin(["get", "pods", "-n", "flux-system", "-o", "jsonpath={.items[*].spec.nodeName}"]).trim().split(" ");
        assert.deepStrictEqual(nodes, ["kwok-flux-0", "kwok-flux-0", "kwok-flux-0", "kwok-flux-0"]);
    });

    it("the real controllers, as their ServiceAccounts, make the GitRepository and the Kustomization Ready at the component's commit", async () => {
        controllers = await startFluxControllers(fx.sandbox);
        console.log(`      running ${fluxControllerVersions().join(", ")} as ${controllers.map((c) => `system:serviceaccount:flux-system:${c.serviceAccount}`).join(", ")}`);
        const commitSha = fx.head();
        const atCommit = (r: string) => r === `main@sha1:${commitSha}`;
        const source = await waitForFluxReady(developer(), "gitrepository", SOURCE, 120_000, atCommit);
        assert.match(source.message, new RegExp(`stored artifact for revision 'main@sha1:${commitSha}'`));
        const sync = await waitForFluxReady(developer(), "kustomization", SOURCE, 180_000, atCommit);
        assert.match(sync.message, new RegExp(`Applied revision: main@sha1:${commitSha}`));
        // What Welkin's patches remove is not in what Flux applied (its inventory).
        const inventory = JSON.parse(admin(["get", "kustomization", SOURCE, "-n", "flux-system", "-o", "jsonpath={.status.inventory.entries}"])) as { id: string }[];
        assert.ok(inventory.length > 0);
        for (const kind of ["Namespace", "ResourceQuota", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"]) {
            assert.ok(!inventory.some((e) => e.id.endsWith(`_${kind}`)), `${kind} in ${JSON.stringify(inventory)}`);
        }
        assert.ok(inventory.every((e) => e.id.startsWith("flux-system_")), JSON.stringify(inventory));
        // Flux applied its own build of the committed kustomization.yaml, patches included, over
        // what Pulumi applied: it changed no Deployment, so the two builds are the same.
        assert.strictEqual(Object.keys(generations).length, 4, "the fresh up did not record the Deployments");
        for (const [name, generation] of Object.entries(generations)) {
            assert.strictEqual(Number(admin(["get", "deployment", name, "-n", "flux-system", "-o", "jsonpath={.metadata.generation}"])), generation, `${name} changed when Flux applied it`);
        }
        assert.ok(controllers.find((c) => c.name === "kustomize-controller")!.args.includes("--concurrent=20"));
        assert.deepStrictEqual(forbiddenLines(controllers), []);
        // Out of cluster they run without leader election; in their pods they elect with a Lease.
        for (const c of controllers) {
            const can = admin(["auth", "can-i", "create", "leases.coordination.k8s.io", "-n", "flux-system", `--as=system:serviceaccount:flux-system:${c.serviceAccount}`]).trim();
            assert.strictEqual(can, "yes", `${c.serviceAccount} may not create Leases in flux-system`);
        }
    });

    it("a second up after Flux applied the same objects changes nothing (the patches' quantities and lists included)", async () => {
        const up = await upWithPreview(STACK, fx.pulumiDir);
        assert.strictEqual(up.code, 0, up.stdout + up.stderr);
        assert.doesNotMatch(up.stdout, /created|updated|replaced|deleted/, up.stdout);
        assert.match(up.stdout, /46 unchanged/);
    });

    it("applies an application laid out with layoutTenantManifests through the chained Kustomizations; in one Kustomization it fails as on Welkin", async () => {
        const chained = layoutTenantManifests({ name: "team-a", path: "clusters/sandbox/tenants/team-a", sourceName: SOURCE, interval: SYNC_INTERVAL }, application("team-a"));
        const single = { path: "clusters/sandbox/tenants/team-b/all.yaml", content: application("team-b").map((o) => "---\n" + yaml.dump(o)).join("") };
        const sha = commit([...chained.files, single, { path: "clusters/sandbox/tenants/team-b/kustomization.yaml", content: "resources:\n- all.yaml\n" }], "team-a and team-b");
        const teamB: KubeObject = {
            apiVersion: "kustomize.toolkit.fluxcd.io/v1",
            kind: "Kustomization",
            metadata: { name: "team-b", namespace: "flux-system" },
            spec: { interval: SYNC_INTERVAL, path: "./clusters/sandbox/tenants/team-b", prune: true, sourceRef: { kind: "GitRepository", name: SOURCE } },
        };
        // The developer applies the Flux Kustomizations (Welkin's flux-admin lets them) and asks
        // for a fetch now, as `flux reconcile source git` does.
        dev(["apply", "-f", "-"], [...chained.kustomizations, teamB].map((o) => "---\n" + yaml.dump(o)).join(""));
        requestReconcile(developer(), "gitrepository", SOURCE);
        const atCommit = (r: string) => r === `main@sha1:${sha}`;
        for (const k of chained.kustomizations) {
            await waitForFluxReady(developer(), "kustomization", k.metadata.name, 180_000, atCommit);
        }
        assert.strictEqual(admin(["get", "rolebinding", "team-a-reader", "-n", "production", "-o", "jsonpath={.subjects[0].name}"]), "bob@example.com");
        assert.strictEqual(admin(["get", "deployment", "team-a", "-n", "production", "-o", "jsonpath={.spec.replicas}"]), "2");
        assert.ok(exists(["service", "team-a", "-n", "production"]));

        // All in one Kustomization, the RoleBinding's dry run fails while its Role does not exist
        // (Welkin grants no `bind`), so nothing of the set is applied, ever.
        let b = fluxStatus(developer(), "kustomization", "team-b");
        const deadline = Date.now() + 120_000;
        while (!(b.ready !== "True" && b.conditions.some((c) => /RoleBinding\/production\/team-b-reader/.test(c))) && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 2000));
            b = fluxStatus(developer(), "kustomization", "team-b");
        }
        assert.notStrictEqual(b.ready, "True", JSON.stringify(b));
        assert.ok(b.conditions.some((c) => /RoleBinding\/production\/team-b-reader/.test(c)), JSON.stringify(b));
        console.log(`      team-b in one Kustomization: ${b.conditions.join(" | ")}`);
        assert.ok(!exists(["role", "team-b-reader", "-n", "production"]));
        assert.ok(!exists(["rolebinding", "team-b-reader", "-n", "production"]));
        dev(["delete", "kustomization", "team-b", "-n", "flux-system", "--wait=false"]);
    });

    it("applies a change pushed to the repository within the sync interval (chained: plus --requeue-dependency per level)", async () => {
        // A Kustomization of its own: a change follows the source's next fetch at once.
        const config = (mode: string) => ({
            path: "clusters/sandbox/tenants/team-c/config.yaml",
            content: yaml.dump({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "team-c", namespace: "production" }, data: { mode } }),
        });
        const first = commit([config("one"), { path: "clusters/sandbox/tenants/team-c/kustomization.yaml", content: "resources:\n- config.yaml\n" }], "team-c");
        dev(["apply", "-f", "-"], yaml.dump({
            apiVersion: "kustomize.toolkit.fluxcd.io/v1",
            kind: "Kustomization",
            metadata: { name: "team-c", namespace: "flux-system" },
            spec: { interval: SYNC_INTERVAL, path: "./clusters/sandbox/tenants/team-c", prune: true, sourceRef: { kind: "GitRepository", name: SOURCE } },
        }));
        requestReconcile(developer(), "gitrepository", SOURCE);
        await waitForFluxReady(developer(), "kustomization", "team-c", 120_000, (r) => r === `main@sha1:${first}`);

        const pushed = Date.now();
        const sha = commit([config("two")], "team-c: mode two");
        await waitForFluxReady(developer(), "kustomization", "team-c", 120_000, (r) => r === `main@sha1:${sha}`);
        const seconds = (Date.now() - pushed) / 1000;
        assert.strictEqual(admin(["get", "configmap", "team-c", "-n", "production", "-o", "jsonpath={.data.mode}"]), "two");
        assert.ok(seconds <= 30 + 20, `applied after ${seconds} s`);

        // Chained (roles -> rolebindings -> workloads): each level waits for the one before at the
        // new revision, rechecking every --requeue-dependency (30 s by default).
        const chainedPushed = Date.now();
        const changed = application("team-a").map((o) => (o.kind === "Deployment" ? { ...o, spec: { ...(o.spec as object), replicas: 3 } } : o));
        const layout = layoutTenantManifests({ name: "team-a", path: "clusters/sandbox/tenants/team-a", sourceName: SOURCE, interval: SYNC_INTERVAL }, changed);
        const chainedSha = commit(layout.files.filter((f) => f.path.includes("/workloads/")), "team-a: 3 replicas");
        await waitForFluxReady(developer(), "kustomization", "team-a-workloads", 180_000, (r) => r === `main@sha1:${chainedSha}`);
        const chainedSeconds = (Date.now() - chainedPushed) / 1000;
        assert.strictEqual(admin(["get", "deployment", "team-a", "-n", "production", "-o", "jsonpath={.spec.replicas}"]), "3");
        // No bound asserted: each level adds up to --requeue-dependency (30 s), the sum varies.
        console.log(`      pushed change applied after ${seconds.toFixed(1)} s; through the 3 chained Kustomizations after ${chainedSeconds.toFixed(1)} s (sync interval ${SYNC_INTERVAL})`);
    });

    it("a changed own deploy key never makes a fetch fail: the Secret changes while both keys are registered, then the old one goes", async () => {
        const newKey = fx.newKey("deploy_key_2", "e2e-flux-2");
        fx.git.addKey(fs.readFileSync(`${newKey}.pub`, "utf8"), { write: true });
        await stack.setConfig("deployKeyPrivateKey", { value: fs.readFileSync(newKey, "utf8"), secret: true });

        // Watch the source the whole time: a failed fetch shows as Ready=False (Unknown is a
        // reconcile in progress, e.g. "building artifact: new upstream revision").
        const seen: string[] = [];
        let watching = true;
        const watcher = (async () => {
            while (watching) {
                const s = fluxStatus(developer(), "gitrepository", SOURCE);
                if (s.ready === "False") {
                    seen.push(`${s.ready}: ${s.message}`);
                }
                await new Promise((r) => setTimeout(r, 1000));
            }
        })();
        try {
            const up = await upWithPreview(STACK, fx.pulumiDir);
            assert.strictEqual(up.code, 0, up.stdout + up.stderr);
            const secret = admin(["get", "secret", "fleet-auth", "-n", "flux-system", "-o", "jsonpath={.data.identity\\.pub}"]);
            assert.strictEqual(Buffer.from(secret, "base64").toString().trim().split(" ")[1], fs.readFileSync(`${newKey}.pub`, "utf8").trim().split(" ")[1]);
            fx.git.removeKey(fs.readFileSync(`${fx.keyFile}.pub`, "utf8"));
            // The next fetch can only succeed with the new key.
            const sha = commit([{ path: "clusters/sandbox/tenants/team-a/NOTES.md", content: "rotated\n" }], "after the key change");
            await waitForFluxReady(developer(), "gitrepository", SOURCE, 120_000, (r) => r === `main@sha1:${sha}`);
        } finally {
            watching = false;
            await watcher;
        }
        assert.deepStrictEqual(seen, []);
        fs.copyFileSync(newKey, fx.keyFile);
        fs.copyFileSync(`${newKey}.pub`, `${fx.keyFile}.pub`);
    });

    it("the deploy key removed from the git server while Flux runs: Flux reports the refused key; the next up with a new registered key restores the sync", async () => {
        // The repository's admin deletes the deploy key.
        fx.git.removeKey(fs.readFileSync(`${fx.keyFile}.pub`, "utf8"));
        const sha = commit([{ path: "clusters/sandbox/tenants/team-a/NOTES.md", content: "key removed\n" }], "after the key was removed");
        requestReconcile(developer(), "gitrepository", SOURCE);
        let status = fluxStatus(developer(), "gitrepository", SOURCE);
        for (const deadline = Date.now() + 120_000; status.ready !== "False" && Date.now() < deadline; status = fluxStatus(developer(), "gitrepository", SOURCE)) {
            await new Promise((r) => setTimeout(r, 1000));
        }
        assert.strictEqual(status.ready, "False", `Flux reported no failure: ${JSON.stringify(status)}`);
        assert.match(status.message, /unable to authenticate|permission denied|handshake failed/i);

        // A new key, registered by the admin, given to the stack: the up puts it in the Secret.
        const newKey = fx.newKey("deploy_key_3", "e2e-flux-3");
        fx.git.addKey(fs.readFileSync(`${newKey}.pub`, "utf8"), { write: true });
        await stack.setConfig("deployKeyPrivateKey", { value: fs.readFileSync(newKey, "utf8"), secret: true });
        const up = await upWithPreview(STACK, fx.pulumiDir);
        assert.strictEqual(up.code, 0, up.stdout + up.stderr);
        requestReconcile(developer(), "gitrepository", SOURCE);
        await waitForFluxReady(developer(), "gitrepository", SOURCE, 120_000, (r) => r === `main@sha1:${sha}`);
        fs.copyFileSync(newKey, fx.keyFile);
        fs.copyFileSync(`${newKey}.pub`, `${fx.keyFile}.pub`);
    });

    it("destroy while the controllers run finishes within 2 minutes: finalizers cleared, nothing Terminating, nothing foreign touched", async () => {
        // Each controller stops when its Deployment goes, as its pods would.
        const kubelet = stopControllersWithTheirDeployments(fx.sandbox, controllers);
        const start = Date.now();
        let result;
        try {
            result = await destroyWithPreview(STACK, fx.pulumiDir);
        } finally {
            kubelet.end();
        }
        assert.strictEqual(result.code, 0, result.stdout + result.stderr);
        const seconds = (Date.now() - start) / 1000;
        assert.deepStrictEqual(kubelet.stopped.sort(), ["kustomize-controller", "source-controller"]);
        assert.match(result.stdout, /deleted/);
        assert.ok(seconds < 120, `destroy took ${seconds} s`);
        console.log(`      destroy with the controllers running: ${seconds.toFixed(1)} s`);
        assert.ok(!exists(["namespace", "flux-system"]));
        assert.ok(!exists(["subnamespaceanchor", "flux-system", "-n", "production"]));
        assert.deepStrictEqual(fx.fluxCrds(), []);
        const terminating = admin(["get", "namespaces", "-o", "jsonpath={.items[?(@.status.phase=='Terminating')].metadata.name}"]).trim();
        assert.strictEqual(terminating, "");
        assert.deepStrictEqual(JSON.parse(admin(["get", "rolebinding", "extra-workload-admins", "-n", "production", "-o", "jsonpath={.subjects}"])), [PRE_EXISTING_ADMIN]);
        // The tenants' Kustomizations were suspended, then finalized by the running controllers
        // without pruning, as `flux uninstall` leaves them: removing Flux leaves the applications.
        for (const kind of ["deployment", "service", "role", "rolebinding"]) {
            assert.ok(exists([kind, "team-a", "-n", "production"]) || exists([kind, "team-a-reader", "-n", "production"]), `${kind} of team-a was removed`);
        }
        assert.ok(exists(["configmap", "team-c", "-n", "production"]));
        assert.deepStrictEqual(forbiddenLines(controllers), []);
    });
});
