// npm run demo [-- --destroy]
//
// The README's main command: the real program (index.ts) installs Flux on the sandbox as an
// application developer, through the real Pulumi engine and kubernetes provider.
//   1. builds the parts of the toolchain it needs that are missing — the sandbox's and Flux's
//      controllers, for step 5 — saying first which and about how long (output shown);
//   2. starts the sandbox and its git server, or reuses the ones an earlier demo started;
//   3. makes the stack `sandbox` of the program (developer kubeconfig, sandbox git server);
//   4. runs `pulumi up` as a user does (Flux v2.9.4, which the sandbox's platform administrator
//      allowed with Welkin's extraCRDs): its preview, then the update;
//   5. starts Flux's real source- and kustomize-controller (out of cluster, each as its own
//      ServiceAccount), waits until they reconcile the commit the up made, and prints what was
//      made with the GitRepository and Kustomization as `flux get` shows them. The controllers
//      keep running until --destroy (or sandbox:down).
// Run again, it reuses the running sandbox and the `up` changes nothing. `--destroy` runs
// `pulumi destroy` (the controllers stop as their Deployments go, as pods would), stops the
// sandbox and removes the stack file.
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, OutputMap, Stack } from "@pulumi/pulumi/automation";
import { defaultStateDir, kubectl, openSandbox, setExtraCrds, startSandbox, stopSandbox } from "./lib/cluster";
import {
    fluxControllerVersions,
    fluxGetTable,
    missingFluxControllerBinaries,
    RunningFluxController,
    runningFluxControllers,
    SANDBOX_FLUX_CONTROLLERS,
    startFluxControllers,
    stopControllersWithTheirDeployments,
    waitForFluxReady,
} from "./lib/fluxControllers";
import { startSandboxGitServer } from "./lib/gitServer";
import { alive } from "./lib/processes";
import { destroyWithPreview, engineEnv, PROGRAM_DIR, programStack, removeStackFile, upWithPreview } from "./lib/programStack";
import { BUILD_SCRIPT, BuildPlan, buildPlan, describeBuildPlan, partsOfBinaries, readManifest, roughDuration, TOOLCHAIN_CACHE, ToolchainManifest } from "./lib/toolchain";
import { EXTERNAL_ARTIFACT_EXTRA_CRDS } from "./lib/welkinPlatform";

const STACK = "sandbox";
const CLUSTER_NAME = "sandbox";
/** The newer bundled Flux: its controllers are the ones the toolchain can build. */
const FLUX_VERSION = "v2.9.4";
const PULUMI_DIR = path.join(TOOLCHAIN_CACHE, "demo-pulumi");
/** The sandbox's state (.sandbox/ by default, as `npm run sandbox:up`); WELKIN_SANDBOX_STATE_DIR moves it. */
const STATE_DIR = process.env.WELKIN_SANDBOX_STATE_DIR ? path.resolve(process.env.WELKIN_SANDBOX_STATE_DIR) : defaultStateDir();

/** What a second run (and --destroy) needs of the sandbox the first run started: <stateDir>/demo.json. */
interface DemoState {
    server: string;
    gitUrl: string;
    hostKeyLine: string;
    deployKeyFile: string;
    started: string;
}

class DemoError extends Error {}

function section(title: string): void {
    console.log(`\n=== ${title} ${"=".repeat(Math.max(3, 72 - title.length))}`);
}

function seconds(since: number): string {
    return `${((Date.now() - since) / 1000).toFixed(0)} s`;
}

/** Relative to the working directory when inside it. */
function shortPath(file: string): string {
    const rel = path.relative(process.cwd(), file);
    return rel.startsWith("..") || path.isAbsolute(rel) ? file : rel;
}

function kubeconfigs(stateDir: string): { admin: string; developer: string } {
    return { admin: path.join(stateDir, "admin.kubeconfig"), developer: path.join(stateDir, "developer.kubeconfig") };
}

function demoStateFile(stateDir: string): string {
    return path.join(stateDir, "demo.json");
}

/** The processes of a sandbox in stateDir whose pid files are there, alive or not. */
function sandboxProcesses(stateDir: string): { name: string; alive: boolean }[] {
    const pids = path.join(stateDir, "pids");
    if (!fs.existsSync(pids)) {
        return [];
    }
    return fs
        .readdirSync(pids)
        .filter((f) => f.endsWith(".pid"))
        .map((f) => ({ name: f.replace(/\.pid$/, ""), alive: alive(Number(fs.readFileSync(path.join(pids, f), "utf8"))) }));
}

/**
 * The sandbox an earlier demo started, when it still runs: every process of its pid files alive
 * (the git server's too), its API server answering, and demo.json naming that API server.
 * Otherwise why not, for the log.
 */
function reusableSandbox(stateDir: string): { state: DemoState } | { why: string } {
    const processes = sandboxProcesses(stateDir);
    if (processes.length === 0) {
        return { why: "no sandbox is running" };
    }
    // The Flux controllers are the demo's to restart; the sandbox is reusable without them.
    const dead = processes.filter((p) => !p.alive && !p.name.startsWith("flux-")).map((p) => p.name);
    if (dead.length > 0) {
        return { why: `the sandbox in ${stateDir} is not fully running (stopped: ${dead.join(", ")})` };
    }
    if (!processes.some((p) => p.name === "git-sshd")) {
        return { why: `the sandbox in ${stateDir} has no git server (started by sandbox:up, not by the demo)` };
    }
    const file = demoStateFile(stateDir);
    if (!fs.existsSync(file)) {
        return { why: `the sandbox in ${stateDir} was not started by the demo (no ${path.basename(file)})` };
    }
    const state = JSON.parse(fs.readFileSync(file, "utf8")) as DemoState;
    const serverFile = path.join(stateDir, "server");
    if (!fs.existsSync(serverFile) || fs.readFileSync(serverFile, "utf8").trim() !== state.server) {
        return { why: `${file} names another API server than the running sandbox` };
    }
    if (!fs.existsSync(state.deployKeyFile)) {
        return { why: `the deploy key ${state.deployKeyFile} is gone` };
    }
    try {
        if (kubectl(kubeconfigs(stateDir).admin, ["get", "--raw", "/readyz"]).trim() !== "ok") {
            return { why: `the API server ${state.server} is not ready` };
        }
    } catch {
        return { why: `the API server ${state.server} does not answer` };
    }
    return { state };
}

/**
 * What the demo runs, as build.sh parts: the sandbox's (the manifest marks them) and the Flux
 * controllers of its last step. Without the controllers the first run would end without Flux
 * syncing, the thing the project exists for, so they are built with the rest.
 */
export function demoToolchainParts(m: ToolchainManifest): string[] {
    const parts = new Set([...m.parts.filter((p) => p.sandbox && p.binDir !== null).map((p) => p.part), ...partsOfBinaries(m, SANDBOX_FLUX_CONTROLLERS)]);
    return m.parts.map((p) => p.part).filter((p) => parts.has(p));
}

export function demoBuildPlan(m: ToolchainManifest): BuildPlan {
    return buildPlan(m, demoToolchainParts(m));
}

function cores(): number {
    return os.availableParallelism?.() ?? os.cpus().length;
}

/**
 * Step 1: the parts the demo needs, built when missing with build.sh's output shown. It says up
 * front which and about how long, since a first run spends most of its time here.
 */
function ensureToolchain(): void {
    section("Toolchain");
    const plan = demoBuildPlan(readManifest());
    if (plan.missing.length === 0) {
        console.log(`complete (${TOOLCHAIN_CACHE})`);
        return;
    }
    console.log(describeBuildPlan(plan, cores()));
    console.log(`(measured cold on 2 cores, a slower or busier machine takes longer; built once, then cached in ${TOOLCHAIN_CACHE})`);
    console.log(`$ bash ${path.relative(PROGRAM_DIR, BUILD_SCRIPT)} ${plan.missing.join(" ")}\n`);
    const start = Date.now();
    const r = childProcess.spawnSync("bash", [BUILD_SCRIPT, ...plan.missing], { stdio: "inherit", env: { ...process.env, WELKIN_TOOLCHAIN_CACHE: TOOLCHAIN_CACHE } });
    if (r.status !== 0) {
        throw new DemoError(`building the toolchain failed (${r.error?.message ?? `build.sh exit status ${r.status}`}); see its output above and sandbox/toolchain/BUILD-LOG.md`);
    }
    const still = demoBuildPlan(readManifest()).missing;
    if (still.length > 0) {
        throw new DemoError(`build.sh finished but these parts are still missing: ${still.join(", ")}`);
    }
    console.log(`\nbuilt in ${seconds(start)} (estimated ${roughDuration(plan.seconds)})`);
}

/** A workspace on the demo's backend, for stack bookkeeping outside programStack. */
async function demoWorkspace(): Promise<LocalWorkspace> {
    const env = engineEnv(PULUMI_DIR);
    process.env.PATH = env.PATH;
    return LocalWorkspace.create({ workDir: PROGRAM_DIR, envVars: env });
}

/**
 * Forgets the stack's state without touching any cluster: for when the cluster it describes is
 * gone (a new sandbox is started, or the old one was stopped), where destroy cannot run.
 */
async function forgetStack(): Promise<boolean> {
    const ws = await demoWorkspace();
    if (!(await ws.listStacks()).some((s) => s.name === STACK)) {
        return false;
    }
    await ws.removeStack(STACK, { force: true });
    return true;
}

/** Step 2: the sandbox and its git server, reused when an earlier demo left them running. */
async function ensureSandbox(stateDir: string): Promise<{ state: DemoState; reused: boolean }> {
    section("Sandbox");
    const reusable = reusableSandbox(stateDir);
    if ("state" in reusable) {
        // Idempotent; a sandbox an older demo started may not have it yet.
        setExtraCrds(openSandbox(stateDir), EXTERNAL_ARTIFACT_EXTRA_CRDS);
        console.log(`reusing the sandbox started ${reusable.state.started}`);
        console.log(`  API server      ${reusable.state.server}`);
        console.log(`  git repository  ${reusable.state.gitUrl}`);
        return { state: reusable.state, reused: true };
    }
    console.log(`starting a new sandbox: ${reusable.why}`);
    const stopped = await stopSandbox(stateDir);
    if (stopped.length > 0) {
        console.log(`stopped the old one: ${stopped.join(", ")}`);
    }
    // The stack's state describes the old cluster and git repository, both gone now.
    if (await forgetStack()) {
        console.log(`forgot the stack '${STACK}' of the old sandbox (its cluster is gone)`);
    }
    const start = Date.now();
    const sandbox = await startSandbox(stateDir, (l) => console.log(`  ${l.replace(/^sandbox: /, "")}`));
    // As a Welkin administrator would for Flux v2.9.4: gatekeeper.allowUserCRDs.extraCRDs.
    setExtraCrds(sandbox, EXTERNAL_ARTIFACT_EXTRA_CRDS);
    console.log(`  platform: ExternalArtifact allowed to application developers (gatekeeper.allowUserCRDs.extraCRDs)`);
    const git = await startSandboxGitServer(stateDir);
    const state: DemoState = { server: sandbox.server, gitUrl: git.url, hostKeyLine: git.hostKeyLine, deployKeyFile: git.deployKeyFile, started: new Date().toISOString() };
    fs.writeFileSync(demoStateFile(stateDir), `${JSON.stringify(state, null, 2)}\n`);
    console.log(`started in ${seconds(start)}`);
    console.log(`  API server      ${state.server}`);
    console.log(`  git repository  ${state.gitUrl}`);
    return { state, reused: false };
}

async function demoStack(stateDir: string, state: DemoState): Promise<Stack> {
    return programStack({
        stackName: STACK,
        pulumiDir: PULUMI_DIR,
        kubeconfigFile: kubeconfigs(stateDir).developer,
        git: { url: state.gitUrl, knownHosts: `${state.hostKeyLine}\n`, privateKeyFile: state.deployKeyFile },
        clusterName: CLUSTER_NAME,
        settings: { fluxVersion: FLUX_VERSION },
    });
}

const onOutput = (s: string): void => {
    process.stdout.write(s);
};

interface K8sObject {
    metadata: { name: string };
    spec?: Record<string, unknown>;
    status?: { conditions?: { type: string; status: string; reason?: string }[]; readyReplicas?: number };
    data?: Record<string, string>;
}

function getJson(kubeconfig: string, args: string[]): K8sObject[] {
    const out = JSON.parse(kubectl(kubeconfig, [...args, "-o", "json"])) as K8sObject | { items: K8sObject[] };
    return "items" in out ? out.items : [out];
}

function condition(o: K8sObject, type: string): string {
    const c = o.status?.conditions?.find((x) => x.type === type);
    return c === undefined ? "none" : `${c.status}${c.reason ? ` (${c.reason})` : ""}`;
}

function outputString(outputs: OutputMap, key: string): string {
    const v = outputs[key]?.value;
    return typeof v === "string" ? v : JSON.stringify(v);
}

/** Step 5: what the up made, read back from the cluster and the git server. */
function printSummary(stateDir: string, outputs: OutputMap, elapsed: string): void {
    const { admin, developer } = kubeconfigs(stateDir);
    const ns = outputString(outputs, "namespace");
    const repoName = outputString(outputs, "gitRepositoryName");
    const ksName = outputString(outputs, "kustomizationName");
    const secretName = outputString(outputs, "gitSecretName");
    section("What was made");
    console.log(`Read back with the admin kubeconfig (the application developer may not list namespaces).`);

    const [nsObj] = getJson(admin, ["get", "namespace", ns]);
    const anchor = kubectl(admin, ["get", "subnamespaceanchor", ns, "-n", "production", "-o", "jsonpath={.status.status}"]).trim();
    console.log(`\nNamespace\n  ${nsObj.metadata.name}  (HNC subnamespace of production, anchor ${anchor || "no status"})`);

    console.log("\nFlux objects");
    const [gitRepo] = getJson(admin, ["get", "gitrepositories.source.toolkit.fluxcd.io", repoName, "-n", ns]);
    const gitSpec = gitRepo.spec as { url?: string; ref?: { branch?: string } };
    console.log(`  GitRepository  ${gitRepo.metadata.name}  ${gitSpec.url} (branch ${gitSpec.ref?.branch})`);
    const [ks] = getJson(admin, ["get", "kustomizations.kustomize.toolkit.fluxcd.io", ksName, "-n", ns]);
    console.log(`  Kustomization  ${ks.metadata.name}  path ${(ks.spec as { path?: string }).path}`);
    const [secret] = getJson(admin, ["get", "secret", secretName, "-n", ns]);
    console.log(`  Secret         ${secret.metadata.name}  keys: ${Object.keys(secret.data ?? {}).sort().join(", ")}`);
    for (const d of getJson(admin, ["get", "deployments", "-n", ns])) {
        console.log(`  Deployment     ${d.metadata.name.padEnd(24)} Available=${condition(d, "Available")}, ready ${d.status?.readyReplicas ?? 0}`);
    }
    console.log("  (their pods are kwok's simulated ones; the controllers that reconcile run out of cluster, below)");

    const gitDir = path.join(stateDir, "git-server", "repos", "fleet.git");
    const log = childProcess.execFileSync("git", ["--git-dir", gitDir, "log", "--format=%h %s", "--", "clusters/"], { encoding: "utf8" }).trim();
    console.log(`\nCommits in the sandbox repository (${gitDir})`);
    for (const line of log.split("\n")) {
        console.log(`  ${line}`);
    }

    console.log(`\nDeploy key\n  fingerprint  ${outputString(outputs, "deployKeyFingerprint")}`);

    console.log(`\nTry it\n  kubectl --kubeconfig ${shortPath(developer)} -n ${ns} get deployments,gitrepositories,kustomizations`);
    console.log(`  tail -f ${shortPath(path.join(stateDir, "logs", "flux-kustomize-controller.log"))}`);
    console.log(`  npm run demo -- --destroy     # pulumi destroy, then stop the sandbox`);
    console.log(`\n(up done after ${elapsed})`);
}

async function up(): Promise<void> {
    const start = Date.now();
    const stateDir = STATE_DIR;
    ensureToolchain();
    const { state, reused } = await ensureSandbox(stateDir);
    console.log(`\nIf anything below fails, the sandbox keeps running: npm run demo -- --destroy stops it.`);

    section(`Stack '${STACK}' of the program, as the application developer`);
    const stack = await demoStack(stateDir, state);
    console.log(`backend      ${PULUMI_DIR}/state`);
    console.log(`kubeconfig   ${kubeconfigs(stateDir).developer} (application developer, no cluster-admin)`);
    console.log(`git          ${state.gitUrl}`);
    if (reused) {
        console.log("the sandbox was reused: expect no changes");
    }

    // `pulumi up` as users run it: the CLI previews (preflight, server-side dry runs as the
    // developer), then applies. (The Automation API's stack.up() always skips the preview.) The
    // stack outputs (among them the committed manifests, ~100 lines) are summed up at the end.
    section("pulumi up (preview, then update)");
    const upStart = Date.now();
    const up = await upWithPreview(STACK, PULUMI_DIR, { onOutput, args: ["--suppress-outputs"] });
    if (up.code !== 0) {
        throw new Error(`pulumi up failed (exit ${up.code}); its output is above`);
    }
    console.log(`(${seconds(upStart)})`);
    const outputs = await stack.outputs();
    printSummary(stateDir, outputs, seconds(start));
    await fluxSyncing(stateDir, outputString(outputs, "gitRepositoryName"), outputString(outputs, "kustomizationName"));
    console.log(`\ndone in ${seconds(start)}`);
}

/** Step 5: Flux's real controllers reconcile what the up committed and applied. */
async function fluxSyncing(stateDir: string, gitRepository: string, kustomization: string): Promise<void> {
    section("Flux syncing (real source- and kustomize-controller)");
    const missing = missingFluxControllerBinaries();
    if (missing.length > 0) {
        // Step 1 built them; only a cache emptied meanwhile gets here.
        throw new DemoError(`the Flux controllers are gone from the toolchain cache (${missing.join(", ")}); run the demo again to build them`);
    }
    const sandbox = openSandbox(stateDir);
    let controllers: RunningFluxController[] = runningFluxControllers(sandbox);
    if (controllers.length === 0) {
        controllers = await startFluxControllers(sandbox);
        console.log(`started ${fluxControllerVersions().join(", ")}, out of cluster, each as its ServiceAccount in flux-system:`);
    } else {
        console.log(`already running (${fluxControllerVersions().join(", ")}):`);
    }
    for (const c of controllers) {
        console.log(`  ${c.name.padEnd(22)} system:serviceaccount:flux-system:${c.serviceAccount}  log ${shortPath(c.log)}`);
    }
    const gitDir = path.join(stateDir, "git-server", "repos", "fleet.git");
    const head = childProcess.execFileSync("git", ["--git-dir", gitDir, "rev-parse", "refs/heads/main"], { encoding: "utf8" }).trim();
    const atHead = (r: string) => r === `main@sha1:${head}`;
    const developer = kubeconfigs(stateDir).developer;
    const source = await waitForFluxReady(developer, "gitrepository", gitRepository, 120_000, atHead);
    console.log(`\n$ flux get sources git -n flux-system\n${fluxGetTable([source])}`);
    const sync = await waitForFluxReady(developer, "kustomization", kustomization, 180_000, atHead);
    console.log(`\n$ flux get kustomizations -n flux-system\n${fluxGetTable([sync])}`);
    console.log(`\nFlux reconciles main@${head.slice(0, 12)}, the newest commit welkin-flux made. The controllers keep running;`);
    console.log(`npm run demo -- --destroy (or npm run sandbox:down) stops them.`);
}

async function destroy(): Promise<void> {
    const start = Date.now();
    const stateDir = STATE_DIR;
    section("pulumi destroy");
    const reusable = reusableSandbox(stateDir);
    if ("state" in reusable) {
        const stack = await demoStack(stateDir, reusable.state);
        // Running controllers stop when their Deployments go, as their pods would on Welkin.
        const sandbox = openSandbox(stateDir);
        const kubelet = stopControllersWithTheirDeployments(sandbox, runningFluxControllers(sandbox));
        let destroyed;
        try {
            // As users run it: with its preview.
            destroyed = await destroyWithPreview(STACK, PULUMI_DIR, { onOutput });
        } finally {
            kubelet.end();
        }
        if (destroyed.code !== 0) {
            throw new DemoError(`pulumi destroy failed (exit ${destroyed.code}); its output is above. The sandbox keeps running.`);
        }
        // Nothing is left in it: remove it from the backend too (`pulumi stack rm`).
        await stack.workspace.removeStack(STACK);
        console.log(`removed the stack '${STACK}' from ${PULUMI_DIR}/state`);
    } else {
        // Destroy needs the cluster the stack was made on; without it only the stack's state is left.
        console.log(`skipped: ${reusable.why}`);
        if (await forgetStack()) {
            console.log(`forgot the stack '${STACK}' (its cluster is gone)`);
        }
    }

    section("Sandbox");
    const stopped = await stopSandbox(stateDir);
    console.log(stopped.length > 0 ? `stopped: ${stopped.join(", ")}` : "nothing was running");
    fs.rmSync(demoStateFile(stateDir), { force: true });
    removeStackFile(STACK);
    console.log(`removed Pulumi.${STACK}.yaml`);
    console.log(`\ndone in ${seconds(start)}`);
}

/** A failed pulumi command's message holds its whole output, already shown: keep the gist. */
function shortMessage(e: unknown): string {
    if (!(e instanceof Error)) {
        return String(e);
    }
    if (e instanceof DemoError) {
        return e.message;
    }
    const m = e.message;
    const stderr = m.match(/\nstderr: ([\s\S]*)$/);
    if (m.startsWith("code: ") && stderr !== null) {
        const lines = stderr[1].trim().split("\n").filter((l) => l.trim() !== "");
        return `pulumi failed (its output is above):\n  ${lines.slice(-8).join("\n  ")}`;
    }
    return m;
}

async function main(args: string[]): Promise<void> {
    const unknown = args.filter((a) => a !== "--destroy");
    if (unknown.length > 0) {
        throw new DemoError(`unknown argument ${unknown.join(" ")}; usage: npm run demo [-- --destroy]`);
    }
    if (args.includes("--destroy")) {
        await destroy();
    } else {
        await up();
    }
}

// Run as `npm run demo`; imported (test/demoPlan.test.ts) it only offers its plan.
if (require.main === module) {
    main(process.argv.slice(2)).catch((e: unknown) => {
        console.error(`\ndemo: error: ${shortMessage(e)}`);
        process.exit(1);
    });
}
