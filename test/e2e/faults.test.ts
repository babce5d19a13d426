// Faults around a run (README, "Recovering from an interrupted run" and "Troubleshooting"): the
// real program on the sandbox while the real kube-apiserver restarts, while it answers the
// developer with 429s (API Priority and Fairness), while the git server is down, when the
// developer's login expires between preview and up, and with two environments sharing one
// repository running up at the same moment. Each outcome is asserted, then the recovery shown,
// ending as after a clean run.
import * as assert from "assert";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { Stack } from "@pulumi/pulumi/automation";
import { kubectl } from "../../sandbox/lib/cluster";
import { restartApiServer, stopForAWhile, throttleUserFor } from "../../sandbox/lib/faults";
import { SSHD, sshBanner } from "../../sandbox/lib/gitServer";
import { destroyWithPreview, engineEnv, PROGRAM_DIR, upWithPreview } from "../../sandbox/lib/programStack";
import { DEVELOPER, PRE_EXISTING_ADMIN } from "../../sandbox/lib/welkinPlatform";
import { recover, RunOptions, runWithFault } from "../support/interruptions";
import { skipWithoutTime } from "../support/budget";
import { sandboxFixture } from "../support/sandboxFixture";

const STACK = "e2e-faults";
const FOREIGN_FILE = "clusters/other/flux-system/gotk-sync.yaml";
const ours = (cluster: string) => ["gotk-components.yaml", "gotk-sync.yaml", "kustomization.yaml"].map((f) => `clusters/${cluster}/flux-system/${f}`);

/** The first resource error of a CLI run's output, shortened; "" when there is none. */
function firstError(output: string): string {
    const m = /^\s*[-+~]*\s*(\S+) (\S+) \*\*(?:creating|deleting|updating) failed\*\* error: (.*)$/m.exec(output);
    return m === null ? "" : `[${m[2]}: ${m[3].slice(0, 200)}]`;
}

/** The steps that took longest, from the CLI's "(Ns)" progress: "name 60s, …". */
function slowestSteps(output: string): string {
    const longest = new Map<string, number>();
    for (const m of output.matchAll(/^\s*[-+~]*\s*\S+ (\S+) (?:creating|deleting|updating) \((\d+)s\)/gm)) {
        longest.set(m[1], Math.max(longest.get(m[1]) ?? 0, Number(m[2])));
    }
    return [...longest.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([n, t]) => `${n} ${t}s`).join(", ");
}

/**
 * The developer's kubeconfig with an exec credential plugin, as Welkin's OIDC login
 * (kubelogin) is one: it hands out the developer's certificate until `expire()`, then fails as
 * kubelogin does when the login has expired and no browser can renew it.
 */
function expiringLogin(developerKubeconfig: string, dir: string): { kubeconfigFile: string; expire: () => void; logIn: () => void } {
    const config = yaml.load(fs.readFileSync(developerKubeconfig, "utf8")) as {
        clusters: { cluster: Record<string, string> }[];
        users: { user: Record<string, string> }[];
    };
    const pem = (b64: string) => Buffer.from(b64, "base64").toString("utf8");
    const credential = {
        apiVersion: "client.authentication.k8s.io/v1",
        kind: "ExecCredential",
        status: { clientCertificateData: pem(config.users[0].user["client-certificate-data"]), clientKeyData: pem(config.users[0].user["client-key-data"]) },
    };
    fs.mkdirSync(dir, { recursive: true });
    const expired = path.join(dir, "expired");
    fs.writeFileSync(path.join(dir, "credential.json"), JSON.stringify(credential), { mode: 0o600 });
    const plugin = path.join(dir, "oidc-login");
    fs.writeFileSync(
        plugin,
        `#!/bin/sh\nif [ -e "${expired}" ]; then echo "error: the ID token has expired and the refresh token was refused: run kubectl oidc-login in a terminal" >&2; exit 1; fi\ncat "${path.join(dir, "credential.json")}"\n`,
        { mode: 0o755 },
    );
    const kubeconfig = {
        apiVersion: "v1",
        kind: "Config",
        "current-context": "welkin",
        clusters: [{ name: "welkin", cluster: config.clusters[0].cluster }],
        contexts: [{ name: "welkin", context: { cluster: "welkin", user: "oidc" } }],
        users: [{ name: "oidc", user: { exec: { apiVersion: "client.authentication.k8s.io/v1", command: plugin, interactiveMode: "Never" } } }],
    };
    const kubeconfigFile = path.join(dir, "kubeconfig");
    fs.writeFileSync(kubeconfigFile, yaml.dump(kubeconfig), { mode: 0o600 });
    return { kubeconfigFile, expire: () => fs.writeFileSync(expired, ""), logIn: () => fs.rmSync(expired, { force: true }) };
}

describe("faults around a run: API server restarts and 429s, the git server down, an expired login, two environments at once (real engine and provider on the sandbox)", function () {
    this.timeout(900_000);
    const fx = sandboxFixture(this, "the fault suite", { prefix: "welkin-faults", needs: ["git"], keyComment: "e2e-faults" });
    let stack: Stack;
    let run: RunOptions;
    const outcomes: string[] = [];

    const subjects = (ns: string) => JSON.parse(fx.admin(["get", "rolebinding", "extra-workload-admins", "-n", ns, "-o", "jsonpath={.subjects}"]) || "[]");
    const tree = () => childProcess.execFileSync("git", ["--git-dir", fx.repository(), "ls-tree", "-r", "--name-only", "main"], { encoding: "utf8" }).trim().split("\n");
    const outcome = (fault: string, what: string) => outcomes.push(`| ${fault} | ${what} |`);

    /** `others`: the files of the other environments sharing the repository. */
    async function assertInstalled(others: string[] = []): Promise<void> {
        fx.admin(["wait", "-n", "flux-system", "deployment", "--all", "--for=condition=Available", "--timeout=60s"]);
        assert.strictEqual(fx.fluxCrds().length, 13);
        assert.deepStrictEqual(subjects("production")[0], PRE_EXISTING_ADMIN);
        assert.deepStrictEqual(tree(), [FOREIGN_FILE, ...ours("sandbox"), ...others]);
        const preview = await stack.preview({ expectNoChanges: true });
        assert.deepStrictEqual(Object.keys(preview.changeSummary), ["same"]);
    }

    function assertDestroyed(): void {
        assert.strictEqual(fx.admin(["get", "namespace", "flux-system", "--ignore-not-found", "-o", "name"]).trim(), "");
        assert.deepStrictEqual(fx.fluxCrds(), []);
        assert.deepStrictEqual(subjects("production"), [PRE_EXISTING_ADMIN]);
        assert.deepStrictEqual(tree(), [FOREIGN_FILE]);
    }

    before(async () => {
        fx.commit({ name: "other", email: "other@example.com" }, [{ path: FOREIGN_FILE, content: "# another cluster's sync\n" }], "another cluster");
        stack = await fx.programStack(STACK);
        run = { command: "up", stack: STACK, cwd: PROGRAM_DIR, env: { ...process.env, ...engineEnv(fx.pulumiDir) } };
    });

    // A failed test leaves its stack as it failed; the next starts from nothing, as each expects.
    afterEach(async function () {
        if (this.currentTest?.state === "failed") {
            await recover({ ...run, command: "destroy" });
        }
    });

    after(() => {
        if (outcomes.length > 0) {
            console.log(["", "      | fault | outcome |", "      |---|---|", ...outcomes.map((o) => `      ${o}`)].join("\n"));
        }
    });

    it("kube-apiserver down for 10 s while up creates the CRDs: the README's recovery completes it", async function () {
        skipWithoutTime(this, 150);
        const up = await runWithFault({ ...run, phase: "CRDs", starts: /CustomResourceDefinition::/, fault: () => restartApiServer(fx.sandbox, 10) });
        const recovery = await recover(run);
        assert.strictEqual(recovery.code, 0, recovery.output);
        outcome("kube-apiserver down 10 s during up (CRDs)", `up exit ${up.code} after ${up.seconds.toFixed(0)} s (${up.summary}) ${firstError(up.output)}; recovery ${recovery.summary}, ${recovery.seconds.toFixed(0)} s`);
        await assertInstalled();
    });

    it("kube-apiserver down for 10 s while destroy runs the teardown: the README's recovery completes it", async function () {
        skipWithoutTime(this, 150);
        const destroy = await runWithFault({ ...run, command: "destroy", phase: "teardown", starts: /FluxObjectsTeardown::/, fault: () => restartApiServer(fx.sandbox, 10) });
        const recovery = await recover({ ...run, command: "destroy" });
        assert.strictEqual(recovery.code, 0, recovery.output);
        outcome("kube-apiserver down 10 s during destroy (teardown)", `destroy exit ${destroy.code} after ${destroy.seconds.toFixed(0)} s (${destroy.summary}) ${firstError(destroy.output)} ${slowestSteps(destroy.output)}; recovery ${recovery.summary}, ${recovery.seconds.toFixed(0)} s (${slowestSteps(recovery.output)})`);
        assertDestroyed();
    });

    it("every request of the developer answered 429 for 8 s during up: the retries carry it through", async function () {
        skipWithoutTime(this, 150);
        const up = await runWithFault({
            ...run,
            phase: "CRDs",
            starts: /CustomResourceDefinition::/,
            fault: () => throttleUserFor(fx.sandbox, DEVELOPER.user, 8),
        });
        outcome("429 for 8 s during up (CRDs)", `up exit ${up.code} after ${up.seconds.toFixed(0)} s (${up.summary})`);
        assert.strictEqual(up.code, 0, up.output);
        await assertInstalled();
    });

    it("every request of the developer answered 429 for 8 s during destroy: the retries carry it through", async function () {
        skipWithoutTime(this, 150);
        const destroy = await runWithFault({
            ...run,
            command: "destroy",
            phase: "teardown",
            starts: /FluxObjectsTeardown::/,
            fault: () => throttleUserFor(fx.sandbox, DEVELOPER.user, 8),
        });
        outcome("429 for 8 s during destroy (teardown)", `destroy exit ${destroy.code} after ${destroy.seconds.toFixed(0)} s (${destroy.summary})`);
        assert.strictEqual(destroy.code, 0, destroy.output);
        assertDestroyed();
    });

    it("the git server down during the commits: up fails naming the server and that nothing was pushed; up again once it is back completes", async function () {
        skipWithoutTime(this, 150);
        let server: { start: () => Promise<void> } | undefined;
        // Stopped while the preflight runs: the commits start right after it, beside the CRDs.
        const up = await runWithFault({
            ...run,
            phase: "preflight",
            starts: /dynamic\/welkin-flux:Preflight::/,
            fault: async () => {
                server = await stopForAWhile(fx.sandbox.stateDir, "git-sshd", () => sshBanner(fx.git.port), [SSHD, "-D", "-e", "-f", path.join(fx.git.dir, "sshd_config")]);
            },
        });
        try {
            assert.notStrictEqual(up.code, 0, up.output);
            assert.match(up.output, new RegExp(`cannot reach the git server at 127\\.0\\.0\\.1 port ${fx.git.port} \\(Connection refused\\)\\. Nothing was pushed\\.`));
            assert.deepStrictEqual(tree(), [FOREIGN_FILE]);
            assert.strictEqual(fx.admin(["get", "deployment", "-n", "flux-system", "--ignore-not-found", "-o", "name"]).trim(), "", "nothing of Flux was applied without its files");
            outcome("git server down during the commits", `up exit ${up.code} after ${up.seconds.toFixed(0)} s: ${firstError(up.output)}`);
        } finally {
            await server?.start();
        }
        const again = await upWithPreview(STACK, fx.pulumiDir);
        assert.strictEqual(again.code, 0, again.stdout + again.stderr);
        await assertInstalled();
        const destroyed = await destroyWithPreview(STACK, fx.pulumiDir);
        assert.strictEqual(destroyed.code, 0, destroyed.stdout + destroyed.stderr);
    });

    it("the developer's login expiring between preview and up: up fails at its preview naming the login, nothing changes; after logging in again it completes", async function () {
        skipWithoutTime(this, 150);
        const login = expiringLogin(fx.sandbox.kubeconfigs.developer, path.join(fx.work, "oidc"));
        const expiring = await fx.programStack("e2e-login", { cluster: { name: "sandbox", kubeconfigFile: login.kubeconfigFile } });
        const preview = await expiring.preview();
        assert.strictEqual(preview.changeSummary.create, 45);
        login.expire();
        const up = await upWithPreview("e2e-login", fx.pulumiDir);
        const output = up.stdout + up.stderr;
        assert.notStrictEqual(up.code, 0, output);
        assert.match(output, /the ID token has expired/);
        assert.match(output, /Previewing update[\s\S]*error/);
        assert.doesNotMatch(output, /Updating \(e2e-login\)/, "the failure is at the preview: nothing changed");
        assert.strictEqual(fx.admin(["get", "subnamespaceanchor", "-n", "production", "--ignore-not-found", "-o", "name"]).trim(), "");
        outcome("login expired between preview and up", `up exit ${up.code} at its preview naming the login's error; nothing created`);
        login.logIn();
        const again = await upWithPreview("e2e-login", fx.pulumiDir);
        assert.strictEqual(again.code, 0, again.stdout + again.stderr);
        const destroyed = await destroyWithPreview("e2e-login", fx.pulumiDir);
        assert.strictEqual(destroyed.code, 0, destroyed.stdout + destroyed.stderr);
    });

    it("two environments (two clusters) sharing one repository run up, then destroy, at the same moment: both complete, each with its own files", async function () {
        skipWithoutTime(this, 150);
        await fx.anotherSandbox(async (second) => {
            await fx.programStack("e2e-staging", { settings: { parentNamespace: "staging" }, cluster: { name: "staging", kubeconfigFile: second.kubeconfigs.developer } });
            const ups = await Promise.all([upWithPreview(STACK, fx.pulumiDir), upWithPreview("e2e-staging", fx.pulumiDir)]);
            for (const up of ups) {
                assert.strictEqual(up.code, 0, up.stdout + up.stderr);
            }
            assert.strictEqual(kubectl(second.kubeconfigs.admin, ["get", "namespace", "flux-system", "-o", "jsonpath={.metadata.annotations.hnc\\.x-k8s\\.io/subnamespace-of}"]), "staging");
            await assertInstalled(ours("staging"));
            outcome("two environments, one repository, up at the same moment", "both up exit 0; each cluster's three files committed, the foreign file kept");
            const destroys = await Promise.all([destroyWithPreview(STACK, fx.pulumiDir), destroyWithPreview("e2e-staging", fx.pulumiDir)]);
            for (const d of destroys) {
                assert.strictEqual(d.code, 0, d.stdout + d.stderr);
            }
            assertDestroyed();
        });
    });
});
