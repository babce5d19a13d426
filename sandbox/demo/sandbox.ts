// Steps 2 and 3 of the demo: the sandbox with its git server, reused when an earlier demo left
// them running, and the stack `sandbox` of the program on it.
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { kubectl, openSandbox, setExtraCrds, stopSandbox } from "../lib/cluster";
import { alive, trackedProcesses } from "../lib/processes";
import { engineEnv, PROGRAM_DIR, programStack } from "../lib/programStack";
import { releaseFromOwner, stopWhenOwnerDies } from "../lib/processes";
import { SANDBOX_CLUSTER, sandboxDeployKey, startSandboxWithGit } from "../lib/sandboxWithGit";
import { EXTERNAL_ARTIFACT_EXTRA_CRDS } from "../lib/welkinPlatform";
import { FLUX_VERSION, PULUMI_DIR, seconds, section, STACK } from "./common";

/** What a second run (and --destroy) needs of the sandbox the first run started: <stateDir>/demo.json. */
export interface DemoState {
    server: string;
    gitUrl: string;
    hostKeyLine: string;
    deployKeyFile: string;
    started: string;
}

export function demoStateFile(stateDir: string): string {
    return path.join(stateDir, "demo.json");
}

/** Why a sandbox in stateDir is not one an earlier demo left running, or undefined when it is. */
function notRunningByTheDemo(stateDir: string): string | undefined {
    const processes = trackedProcesses(stateDir);
    if (processes.length === 0) {
        return "no sandbox is running";
    }
    // The Flux controllers are the demo's to restart; the sandbox is reusable without them.
    const dead = processes.filter((p) => !alive(p.pid) && !p.name.startsWith("flux-")).map((p) => p.name);
    if (dead.length > 0) {
        return `the sandbox in ${stateDir} is not fully running (stopped: ${dead.join(", ")})`;
    }
    if (!processes.some((p) => p.name === "git-sshd")) {
        return `the sandbox in ${stateDir} has no git server (started by sandbox:up, not by the demo)`;
    }
    if (!fs.existsSync(demoStateFile(stateDir))) {
        return `the sandbox in ${stateDir} was not started by the demo (no ${path.basename(demoStateFile(stateDir))})`;
    }
    return undefined;
}

/**
 * The sandbox an earlier demo started, when it still runs: every process of its pid files alive
 * (the git server's too), its API server answering, and demo.json naming that API server.
 * Otherwise why not, for the log.
 */
export function reusableSandbox(stateDir: string): { state: DemoState } | { why: string } {
    const why = notRunningByTheDemo(stateDir);
    if (why !== undefined) {
        return { why };
    }
    const file = demoStateFile(stateDir);
    const state = JSON.parse(fs.readFileSync(file, "utf8")) as DemoState;
    const serverFile = path.join(stateDir, "server");
    if (!fs.existsSync(serverFile) || fs.readFileSync(serverFile, "utf8").trim() !== state.server) {
        return { why: `${file} names another API server than the running sandbox` };
    }
    if (!fs.existsSync(state.deployKeyFile)) {
        return { why: `the deploy key ${state.deployKeyFile} is gone` };
    }
    try {
        if (kubectl(openSandbox(stateDir).kubeconfigs.admin, ["get", "--raw", "/readyz"]).trim() !== "ok") {
            return { why: `the API server ${state.server} is not ready` };
        }
    } catch {
        return { why: `the API server ${state.server} does not answer` };
    }
    return { state };
}

/**
 * Forgets the stack's state without touching any cluster: for when the cluster it describes is
 * gone (a new sandbox is started, or the old one was stopped), where destroy cannot run.
 */
export async function forgetStack(): Promise<boolean> {
    const env = engineEnv(PULUMI_DIR);
    process.env.PATH = env.PATH;
    const ws = await LocalWorkspace.create({ workDir: PROGRAM_DIR, envVars: env });
    if (!(await ws.listStacks()).some((s) => s.name === STACK)) {
        return false;
    }
    await ws.removeStack(STACK, { force: true });
    return true;
}

function printSandbox(state: DemoState): void {
    console.log(`  API server      ${state.server}`);
    console.log(`  git repository  ${state.gitUrl}`);
}

/** Step 2: the sandbox and its git server, reused when an earlier demo left them running. */
export async function ensureSandbox(stateDir: string): Promise<{ state: DemoState; reused: boolean }> {
    section("Sandbox");
    const reusable = reusableSandbox(stateDir);
    if ("state" in reusable) {
        // Idempotent; a sandbox an older demo started may not have it yet.
        setExtraCrds(openSandbox(stateDir), EXTERNAL_ARTIFACT_EXTRA_CRDS);
        console.log(`reusing the sandbox started ${reusable.state.started}`);
        printSandbox(reusable.state);
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
    // Interrupted while it starts (Ctrl-C, a closed terminal), a half-started sandbox stops with
    // the demo; once whole it stays up for the next run.
    stopWhenOwnerDies(stateDir);
    const { sandbox, git, repoUrl, keyFile } = await startSandboxWithGit(stateDir, sandboxDeployKey(stateDir), {
        log: (l) => console.log(`  ${l.replace(/^sandbox: /, "")}`),
        // As a Welkin administrator would for Flux v2.9.4: gatekeeper.allowUserCRDs.extraCRDs.
        extraCrds: EXTERNAL_ARTIFACT_EXTRA_CRDS,
    });
    const state: DemoState = { server: sandbox.server, gitUrl: repoUrl, hostKeyLine: git.hostKeyLine, deployKeyFile: keyFile, started: new Date().toISOString() };
    await releaseFromOwner(stateDir);
    fs.writeFileSync(demoStateFile(stateDir), `${JSON.stringify(state, null, 2)}\n`);
    console.log(`started in ${seconds(start)}`);
    printSandbox(state);
    return { state, reused: false };
}

/** Step 3: the stack of the program on the sandbox, as the developer, Flux v2.9.4. */
export async function demoStack(stateDir: string, state: DemoState): Promise<Stack> {
    return programStack({
        stackName: STACK,
        pulumiDir: PULUMI_DIR,
        kubeconfigFile: openSandbox(stateDir).kubeconfigs.developer,
        git: { url: state.gitUrl, knownHosts: `${state.hostKeyLine}\n`, privateKeyFile: state.deployKeyFile },
        clusterName: SANDBOX_CLUSTER,
        settings: { fluxVersion: FLUX_VERSION },
    });
}
