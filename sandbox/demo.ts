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
// sandbox and removes the stack file. The steps live in sandbox/demo/.
import * as fs from "fs";
import { openSandbox, stopSandbox } from "./lib/cluster";
import { runningFluxControllers, stopControllersWithTheirDeployments } from "./lib/fluxControllers";
import { destroyWithPreview, removeStackFile, upWithPreview } from "./lib/programStack";
import { DemoError, onOutput, PULUMI_DIR, seconds, section, STACK, STATE_DIR } from "./demo/common";
import { demoStack, demoStateFile, ensureSandbox, forgetStack, reusableSandbox } from "./demo/sandbox";
import { fluxSyncing, outputString, printSummary } from "./demo/summary";
import { ensureToolchain } from "./demo/toolchain";

// test/demoPlan.test.ts checks the demo's build plan.
export { demoBuildPlan, demoToolchainParts } from "./demo/toolchain";

async function up(): Promise<void> {
    const start = Date.now();
    const stateDir = STATE_DIR;
    ensureToolchain();
    const { state, reused } = await ensureSandbox(stateDir);
    console.log(`\nIf anything below fails, the sandbox keeps running: npm run demo -- --destroy stops it.`);

    section(`Stack '${STACK}' of the program, as the application developer`);
    const stack = await demoStack(stateDir, state);
    console.log(`backend      ${PULUMI_DIR}/state`);
    console.log(`kubeconfig   ${openSandbox(stateDir).kubeconfigs.developer} (application developer, no cluster-admin)`);
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

/** `pulumi destroy` of the stack on the running sandbox, as users run it; then the stack leaves the backend. */
async function destroyStack(stateDir: string): Promise<void> {
    const reusable = reusableSandbox(stateDir);
    if (!("state" in reusable)) {
        // Destroy needs the cluster the stack was made on; without it only the stack's state is left.
        console.log(`skipped: ${reusable.why}`);
        if (await forgetStack()) {
            console.log(`forgot the stack '${STACK}' (its cluster is gone)`);
        }
        return;
    }
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
}

async function destroy(): Promise<void> {
    const start = Date.now();
    const stateDir = STATE_DIR;
    section("pulumi destroy");
    await destroyStack(stateDir);

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
