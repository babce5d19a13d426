// Tier 3 with the real program: index.ts under the real Pulumi engine and the real kubernetes
// provider (v4.25.0, built by the toolchain), as the application developer, against the sandbox
// (kube-apiserver with Welkin's RBAC, HNC, kwok) and its SSH git server. The stack uses what runs
// here without the tls and github plugins: the user's own deploy key and a git server by URL.
import * as assert from "assert";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { Stack } from "@pulumi/pulumi/automation";
import { resolveWelkinFluxConfig } from "../../components/config";
import { KubeObject } from "../../components/kube/object";
import { renderFluxManifests } from "../../components/render/fluxManifests";
import { kubectl } from "../../sandbox/lib/cluster";
import { destroyWithPreview, upWithPreview } from "../../sandbox/lib/programStack";
import { PRE_EXISTING_ADMIN } from "../../sandbox/lib/welkinPlatform";
import { assertNoPlainSecrets } from "../support/plainSecrets";
import { sandboxFixture } from "../support/sandboxFixture";

const SA = (name: string) => ({ kind: "ServiceAccount", name, namespace: "flux-system" });
const OTHER_CLIENT = { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "bob@example.com" };
const FOREIGN_FILE = "clusters/other/flux-system/gotk-sync.yaml";

describe("the real program on the sandbox (real engine and kubernetes provider, as the application developer)", function () {
    this.timeout(600_000);
    const fx = sandboxFixture(this, "the real program", { prefix: "welkin-program", needs: ["git"], keyComment: "e2e" });
    let dev: Stack;
    const outputs: string[] = [];

    const admin = (args: string[]) => fx.admin(args);
    const subjects = (ns: string) => JSON.parse(admin(["get", "rolebinding", "extra-workload-admins", "-n", ns, "-o", "jsonpath={.subjects}"]) || "[]");
    /** git in the repository "fleet" on the server, as its owner reads it. */
    const repoGit = (args: string[]) => childProcess.execFileSync("git", ["--git-dir", fx.repository(), ...args], { encoding: "utf8" }).trim();
    const tree = () => repoGit(["ls-tree", "-r", "--name-only", "main"]).split("\n");
    const ourConfig = () =>
        resolveWelkinFluxConfig("sandbox", {
            clusterName: "sandbox",
            repository: { url: fx.repoUrl },
            knownHosts: fx.git.knownHosts,
            deployKey: { privateKey: fs.readFileSync(fx.keyFile, "utf8"), readOnly: false },
        });

    before(async () => {
        // Another cluster's file, committed by someone else: welkin-flux must never touch it.
        fx.commit({ name: "other", email: "other@example.com" }, [{ path: FOREIGN_FILE, content: "# another cluster's sync\n" }], "another cluster");
        dev = await fx.programStack("e2e-dev");
    });

    it("previews a fresh environment, then ups it with its preview: no error, no Forbidden, a subject added meanwhile kept", async () => {
        const preview = await dev.preview();
        outputs.push(preview.stdout, preview.stderr);
        assert.strictEqual(preview.changeSummary.create, 45, preview.stdout);
        assert.doesNotMatch(preview.stdout + preview.stderr, /forbidden/i);

        // Another client edits extra-workload-admins while up runs.
        const other = new Promise<void>((resolve) =>
            setTimeout(() => {
                admin(["patch", "rolebinding", "extra-workload-admins", "-n", "production", "--type=json", "-p", JSON.stringify([{ op: "add", path: "/subjects/-", value: OTHER_CLIENT }])]);
                resolve();
            }, 3000),
        );
        const up = await upWithPreview("e2e-dev", fx.pulumiDir); // as users run it: with its preview
        await other;
        outputs.push(up.stdout, up.stderr);
        assert.strictEqual(up.code, 0, up.stdout + up.stderr);
        assert.match(up.stdout, /Previewing update \(e2e-dev\)[\s\S]*Updating \(e2e-dev\)[\s\S]*\+ 45 created/);
        assert.doesNotMatch(up.stdout + up.stderr, /forbidden/i);
        const ours = subjects("production");
        for (const s of [PRE_EXISTING_ADMIN, OTHER_CLIENT, SA("kustomize-controller"), SA("helm-controller")]) {
            assert.ok(ours.some((x: typeof s) => JSON.stringify(x) === JSON.stringify(s)), `${JSON.stringify(s)} missing from ${JSON.stringify(ours)}`);
        }
    });

    it("made every object of the procedure, with the content the render tests expect, and committed the three files in order", () => {
        assert.strictEqual(admin(["get", "subnamespaceanchor", "flux-system", "-n", "production", "-o", "jsonpath={.status.status}"]), "Ok");
        assert.strictEqual(fx.fluxCrds().length, 13);
        for (const name of ["flux-all-controllers-role", "flux-source-controller-role"]) {
            admin(["get", "role", name, "-n", "production"]);
            admin(["get", "role", name, "-n", "flux-system"]); // propagated by HNC
        }
        const secret = JSON.parse(admin(["get", "secret", "fleet-auth", "-n", "flux-system", "-o", "json"])) as { data: Record<string, string> };
        assert.deepStrictEqual(Object.keys(secret.data).sort(), ["identity", "identity.pub", "known_hosts"]);
        assert.strictEqual(Buffer.from(secret.data.known_hosts, "base64").toString(), fx.git.knownHosts);
        const manifests = renderFluxManifests(ourConfig());
        for (const o of manifests.installObjects) {
            const live = JSON.parse(admin(["get", `${o.kind.toLowerCase()}.${o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : ""}`.replace(/\.$/, ""), o.metadata.name, "-n", "flux-system", "-o", "json"])) as KubeObject;
            if (o.kind === "GitRepository" || o.kind === "Kustomization") {
                // What gotk-sync.yaml says, as applied (the API server adds defaults such as timeout).
                const spec = live.spec as Record<string, unknown>;
                for (const [k, v] of Object.entries(o.spec as Record<string, unknown>)) {
                    assert.deepStrictEqual(spec[k], v, `${o.kind} ${o.metadata.name} spec.${k}`);
                }
            }
        }
        const gitRepository = yaml.load(admin(["get", "gitrepository", "fleet-repo", "-n", "flux-system", "-o", "yaml"])) as { spec: { url: string } };
        assert.strictEqual(gitRepository.spec.url, fx.repoUrl);
        admin(["wait", "-n", "flux-system", "deployment", "--all", "--for=condition=Available", "--timeout=60s"]);

        const log = repoGit(["log", "--format=%s", "main"]).split("\n").reverse();
        assert.deepStrictEqual(log, [
            "another cluster",
            "welkin-flux: clusters/sandbox/flux-system/gotk-components.yaml (Flux v2.1.2)",
            "welkin-flux: clusters/sandbox/flux-system/gotk-sync.yaml (Flux v2.1.2)",
            "welkin-flux: clusters/sandbox/flux-system/kustomization.yaml (Flux v2.1.2)",
        ]);
        const files = manifests.files;
        for (const f of [files.components, files.sync, files.kustomization]) {
            assert.strictEqual(repoGit(["show", `main:${f.path}`]) + "\n", f.content, f.path);
        }
    });

    it("changes nothing on a second up; refresh finds no drift; preview --expect-no-changes passes", async () => {
        const again = await upWithPreview("e2e-dev", fx.pulumiDir);
        outputs.push(again.stdout, again.stderr);
        assert.strictEqual(again.code, 0, again.stdout + again.stderr);
        assert.match(again.stdout, /Resources:\s+45 unchanged\s+Updating[\s\S]*Resources:\s+45 unchanged\s+Duration/);
        const refresh = await dev.refresh();
        assert.deepStrictEqual(Object.keys(refresh.summary.resourceChanges ?? {}), ["same"]);
        const preview = await dev.preview({ expectNoChanges: true });
        assert.deepStrictEqual(Object.keys(preview.changeSummary), ["same"]);
    });

    it("keeps the private keys out of the state file and the engine's output", () => {
        const stateDir = path.join(fx.pulumiDir, "state", ".pulumi", "stacks", "welkin-flux");
        const stored = fs.readFileSync(path.join(stateDir, "e2e-dev.json"), "utf8");
        assertNoPlainSecrets([["the stored state", stored], ["the engine output", outputs.join("\n")]], fx.keyFile, fx.sandbox.kubeconfigs.developer);
    });

    it("fails a stack with a bad input at preview with the validation message, and creates nothing", async () => {
        const bad = await fx.programStack("e2e-bad", { settings: { syncInterval: "soon" } });
        await assert.rejects(bad.preview(), /Invalid arguments for WelkinFlux "sandbox" \(nothing was created\):\s+- syncInterval "soon" is not a Flux interval/);
        const up = await upWithPreview("e2e-bad", fx.pulumiDir); // as users run it: with its preview
        assert.notStrictEqual(up.code, 0, "the up must fail");
        assert.match(up.stdout + up.stderr, /syncInterval "soon" is not a Flux interval/);
        const resources = (await bad.exportStack()).deployment.resources ?? [];
        assert.ok(resources.every((r: { type: string }) => r.type.startsWith("pulumi:")), `created: ${resources.map((r: { type: string }) => r.type).join(", ")}`);
    });

    it("refuses a second WelkinFlux on the same cluster at preview, naming the stack that owns flux-system, and creates nothing", async () => {
        for (const parentNamespace of ["production", "staging"]) {
            const twin = await fx.programStack(`e2e-twin-${parentNamespace}`, { settings: { parentNamespace } });
            await assert.rejects(twin.preview(), (e: Error) => {
                assert.match(e.message, /already exists.*it belongs to the WelkinFlux welkin-flux\/e2e-dev\/sandbox \(its anchor's welkin-flux\/owner annotation\)/s);
                assert.match(e.message, /One WelkinFlux per cluster/);
                return true;
            });
            const resources = (await twin.exportStack()).deployment.resources ?? [];
            assert.ok(resources.every((r: { type: string }) => r.type.startsWith("pulumi:")), `created: ${resources.map((r: { type: string }) => r.type).join(", ")}`);
        }
    });

    it("shares the repository with a second environment (another cluster, parent staging); they coexist and destroy independently", async () => {
        // One stack per Welkin environment: each environment is its own cluster.
        await fx.anotherSandbox(async (second) => {
            await fx.programStack("e2e-staging", { settings: { parentNamespace: "staging" }, cluster: { name: "staging", kubeconfigFile: second.kubeconfigs.developer } });
            // A fresh environment, so its preview (the server-side dry runs) is what matters: the CLI's up.
            const up = await upWithPreview("e2e-staging", fx.pulumiDir);
            assert.strictEqual(up.code, 0, up.stdout + up.stderr);
            assert.doesNotMatch(up.stdout + up.stderr, /forbidden/i);
            assert.strictEqual(kubectl(second.kubeconfigs.admin, ["get", "namespace", "flux-system", "-o", "jsonpath={.metadata.annotations.hnc\\.x-k8s\\.io/subnamespace-of}"]), "staging");
            const ours = (cluster: string) => ["gotk-components.yaml", "gotk-sync.yaml", "kustomization.yaml"].map((f) => `clusters/${cluster}/flux-system/${f}`);
            assert.deepStrictEqual(tree(), [FOREIGN_FILE, ...ours("sandbox"), ...ours("staging")]);
            const stagingDestroyed = await destroyWithPreview("e2e-staging", fx.pulumiDir);
            assert.strictEqual(stagingDestroyed.code, 0, stagingDestroyed.stdout + stagingDestroyed.stderr);
            assert.deepStrictEqual(tree(), [FOREIGN_FILE, ...ours("sandbox")]);
            assert.strictEqual(admin(["get", "namespace", "flux-system", "-o", "name"]).trim(), "namespace/flux-system", "the first environment lost flux-system");
            const again = await dev.preview({ expectNoChanges: true });
            assert.deepStrictEqual(Object.keys(again.changeSummary), ["same"]);
        });
    });

    it("destroys within 2 minutes: nothing Terminating, no Flux CRD, only our files and subjects removed", async () => {
        const started = Date.now();
        const destroyed = await destroyWithPreview("e2e-dev", fx.pulumiDir);
        assert.strictEqual(destroyed.code, 0, destroyed.stdout + destroyed.stderr);
        assert.match(destroyed.stdout, /Previewing destroy \(e2e-dev\)[\s\S]*Destroying \(e2e-dev\)/);
        const seconds = (Date.now() - started) / 1000;
        assert.ok(seconds < 120, `destroy took ${seconds} s`);
        assert.strictEqual(admin(["get", "namespace", "flux-system", "--ignore-not-found", "-o", "name"]).trim(), "");
        assert.strictEqual(admin(["get", "namespaces", "-o", "jsonpath={.items[?(@.status.phase=='Terminating')].metadata.name}"]).trim(), "");
        assert.deepStrictEqual(fx.fluxCrds(), []);
        assert.deepStrictEqual(subjects("production"), [PRE_EXISTING_ADMIN, OTHER_CLIENT]);
        assert.deepStrictEqual(tree(), [FOREIGN_FILE]);
        console.log(`      (destroy took ${seconds.toFixed(1)} s)`);
    });
});
