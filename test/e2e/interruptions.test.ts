// Interrupted runs (README, "Recovering from an interrupted run"): the real program on the
// sandbox, `pulumi up` and `pulumi destroy` interrupted as CI timeouts and laptops do — the whole
// process group killed with SIGKILL, or SIGINT as Ctrl-C sends it — at each phase of the
// procedure, then recovered with exactly the README's sequence. After each recovery the end
// state is checked as after a clean run: every object there (or nothing after a destroy),
// `preview --expect-no-changes` passing, the foreign subject of extra-workload-admins and the
// foreign file kept, each committed file whole, no plain key in the state. The suite prints the
// matrix the README shows.
import * as assert from "assert";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { resolveWelkinFluxConfig } from "../../components/config";
import { renderFluxManifests } from "../../components/render/fluxManifests";
import { destroyWithPreview, engineEnv, PROGRAM_DIR, upWithPreview } from "../../sandbox/lib/programStack";
import { PRE_EXISTING_ADMIN } from "../../sandbox/lib/welkinPlatform";
import { assertNoPlainSecrets } from "../support/plainSecrets";
import { skipWithoutTime } from "../support/budget";
import { sandboxFixture } from "../support/sandboxFixture";
import { cancel, CYCLES, DESTROY_PHASES, interruptedRun, Interruption, matrixRow, PLAIN_UP_AFTER_KILLED_DESTROY, recover, Recovery } from "../support/interruptions";

const STACK = "e2e-interrupted";
const FOREIGN_FILE = "clusters/other/flux-system/gotk-sync.yaml";

describe("interrupted ups and destroys recover with the README's sequence (real engine and provider on the sandbox)", function () {
    this.timeout(900_000);
    const fx = sandboxFixture(this, "the interruption suite", { prefix: "welkin-interrupt", needs: ["git"], keyComment: "e2e-interrupt" });
    let stack: Stack;
    const matrix: string[] = [];

    const subjects = (ns: string) => JSON.parse(fx.admin(["get", "rolebinding", "extra-workload-admins", "-n", ns, "-o", "jsonpath={.subjects}"]) || "[]");
    const repoGit = (args: string[]) => childProcess.execFileSync("git", ["--git-dir", fx.repository(), ...args], { encoding: "utf8" }).trim();
    const tree = () => repoGit(["ls-tree", "-r", "--name-only", "main"]).split("\n");
    const stateFile = () => path.join(fx.pulumiDir, "state", ".pulumi", "stacks", "welkin-flux", `${STACK}.json`);
    const files = () =>
        renderFluxManifests(
            resolveWelkinFluxConfig("sandbox", {
                clusterName: "sandbox",
                repository: { url: fx.repoUrl },
                knownHosts: fx.git.knownHosts,
                deployKey: { privateKey: fs.readFileSync(fx.keyFile, "utf8"), readOnly: false },
            }),
        ).files;

    before(async () => {
        fx.commit({ name: "other", email: "other@example.com" }, [{ path: FOREIGN_FILE, content: "# another cluster's sync\n" }], "another cluster");
        stack = await fx.programStack(STACK);
    });

    after(() => {
        if (matrix.length > 0) {
            console.log(["", "      | interrupted | signal | stopped after | what the recovery did | seconds |", "      |---|---|---|---|---|", ...matrix.map((r) => `      ${r}`)].join("\n"));
        }
    });

    async function assertNoChanges(): Promise<void> {
        const preview = await stack.preview({ expectNoChanges: true });
        assert.deepStrictEqual(Object.keys(preview.changeSummary), ["same"]);
    }

    async function assertInstalled(outputs: string): Promise<void> {
        assert.strictEqual(fx.admin(["get", "subnamespaceanchor", "flux-system", "-n", "production", "-o", "jsonpath={.status.status}"]), "Ok");
        assert.strictEqual(fx.fluxCrds().length, 13);
        fx.admin(["wait", "-n", "flux-system", "deployment", "--all", "--for=condition=Available", "--timeout=60s"]);
        const ours = subjects("production");
        assert.deepStrictEqual(ours[0], PRE_EXISTING_ADMIN, "the foreign subject of extra-workload-admins is kept");
        assert.ok(ours.some((s: { name: string }) => s.name === "kustomize-controller"), JSON.stringify(ours));
        const f = files();
        assert.deepStrictEqual(tree(), [FOREIGN_FILE, f.components.path, f.sync.path, f.kustomization.path]);
        for (const file of [f.components, f.sync, f.kustomization]) {
            assert.strictEqual(repoGit(["show", `main:${file.path}`]) + "\n", file.content, `${file.path} is whole`);
        }
        assert.strictEqual(repoGit(["show", `main:${FOREIGN_FILE}`]), "# another cluster's sync");
        assertNoPlainSecrets([["the stored state", fs.readFileSync(stateFile(), "utf8")], ["the engine output", outputs]], fx.keyFile, fx.sandbox.kubeconfigs.developer);
        await assertNoChanges();
    }

    async function assertDestroyed(): Promise<void> {
        assert.strictEqual(fx.admin(["get", "namespace", "flux-system", "--ignore-not-found", "-o", "name"]).trim(), "");
        assert.strictEqual(fx.admin(["get", "namespaces", "-o", "jsonpath={.items[?(@.status.phase=='Terminating')].metadata.name}"]).trim(), "");
        assert.deepStrictEqual(fx.fluxCrds(), []);
        assert.deepStrictEqual(subjects("production"), [PRE_EXISTING_ADMIN]);
        assert.deepStrictEqual(tree(), [FOREIGN_FILE]);
        const resources = (await stack.exportStack()).deployment.resources ?? [];
        assert.ok(resources.every((r: { type: string }) => r.type.startsWith("pulumi:")), `left in the state: ${resources.map((r: { urn: string }) => r.urn).join(", ")}`);
    }

    const row = (i: Interruption, r: Recovery) => matrixRow(`${i.command} at ${i.phase}`, i.signal, i.afterSeconds, r.summary, r.seconds);

    it("a plain `pulumi up` after a destroy killed while deleting the ServiceAccounts never waits on pods that cannot start: it completes, or fails at once naming the ServiceAccount and the recovery", async function () {
        skipWithoutTime(this, 110);
        const env = { ...process.env, ...engineEnv(fx.pulumiDir) };
        const installed = await upWithPreview(STACK, fx.pulumiDir);
        assert.strictEqual(installed.code, 0, installed.stdout + installed.stderr);
        const destroy = await interruptedRun({ command: "destroy", stack: STACK, cwd: PROGRAM_DIR, env, phase: DESTROY_PHASES[1].name, starts: DESTROY_PHASES[1].starts, signal: "SIGKILL" });
        // What users do without the README: release the lock, then `pulumi up` again.
        await cancel({ stack: STACK, cwd: PROGRAM_DIR, env });
        const started = Date.now();
        const up = await upWithPreview(STACK, fx.pulumiDir);
        const seconds = (Date.now() - started) / 1000;
        const output = up.stdout + up.stderr;
        const refused = /the pods of Deployment flux-system\/[a-z-]+ would be refused \(HTTP 403: .*serviceaccount "[a-z-]+" not found\)/.test(output);
        assert.ok(up.code === 0 || refused, `neither completed nor refused at once:\n${output}`);
        if (refused) {
            assert.match(output, /recover as the README says under "Recovering from an interrupted run"/);
        }
        // The kubernetes provider alone waited 10 minutes here; the bound would end it after 5.
        assert.ok(seconds < 150, `the up took ${seconds} s`);
        matrix.push(matrixRow(PLAIN_UP_AFTER_KILLED_DESTROY, "SIGKILL", destroy.afterSeconds, refused ? "refused at once: a ServiceAccount the state holds is gone" : `completed (exit ${up.code})`, seconds));
        const recovery = await recover({ command: "up", stack: STACK, cwd: PROGRAM_DIR, env });
        assert.strictEqual(recovery.code, 0, recovery.output);
        await assertInstalled(output + recovery.output);
        const destroyed = await destroyWithPreview(STACK, fx.pulumiDir);
        assert.strictEqual(destroyed.code, 0, destroyed.stdout + destroyed.stderr);
        await assertDestroyed();
    });

    for (const cycle of CYCLES) {
        it(`up interrupted at ${cycle.up.name} (${cycle.signal}), then destroy interrupted at ${cycle.destroy.name}: each recovered, nothing lost`, async function () {
            skipWithoutTime(this, 110);
            const env = { ...process.env, ...engineEnv(fx.pulumiDir) };
            const up = await interruptedRun({ command: "up", stack: STACK, cwd: PROGRAM_DIR, env, phase: cycle.up.name, starts: cycle.up.starts, signal: cycle.signal });
            const upRecovery = await recover({ command: "up", stack: STACK, cwd: PROGRAM_DIR, env });
            matrix.push(row(up, upRecovery));
            assert.strictEqual(upRecovery.code, 0, upRecovery.output);
            await assertInstalled(up.output + upRecovery.output);

            const destroy = await interruptedRun({ command: "destroy", stack: STACK, cwd: PROGRAM_DIR, env, phase: cycle.destroy.name, starts: cycle.destroy.starts, signal: cycle.signal });
            const destroyRecovery = await recover({ command: "destroy", stack: STACK, cwd: PROGRAM_DIR, env });
            matrix.push(row(destroy, destroyRecovery));
            assert.strictEqual(destroyRecovery.code, 0, destroyRecovery.output);
            await assertDestroyed();
        });
    }
});
