// npm run bench [-- --runs N]
//
// How long welkin-flux takes on the sandbox, side by side with its floors, in one run: medians
// over N runs (default 3), figures rather than pass/fail, then the targets and whether each is met.
//   floors  (a) an empty Pulumi TypeScript program: preview, no-op up;
//           (b) a program with one kubernetes resource (a ConfigMap in production, through a
//               k8s.Provider given the developer kubeconfig): preview, no-op up;
//           (c) the manual procedure's kubectl steps for the same objects as welkin-flux, as the
//               application developer, and their teardown in reverse;
//           (d) as (b) with as many ConfigMaps as index.ts has resources: preview, no-op up.
//   ours    the real program (index.ts): preview of the steady stack, no-op up (with its preview,
//           as users run it, and the Automation API's up(), which skips the preview), destroy,
//           up of a fresh environment, and the state file's size; then how that grows: the same
//           with 5 parent namespaces and with 10 user patches (bench/variants.ts).
// Starts its own sandbox and git server in a temporary folder (the sandbox fixture) and always
// stops them. The floors, the procedure and the report live in sandbox/bench/.
import * as fs from "fs";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { SandboxFixture } from "./lib/fixture";
import { PROGRAM_DIR } from "./lib/programStack";
import { SANDBOX_CLUSTER } from "./lib/sandboxWithGit";
import { Floor, floorPrograms } from "./bench/floors";
import { BenchError, log, Samples } from "./bench/measure";
import { kubectlSteps, kubectlTeardown, manualProcedure, Procedure, settled } from "./bench/procedure";
import { expectNoChanges, pulumi, upWithPreviewOrFail } from "./bench/pulumiCli";
import { printGrowth, printSlowestSteps, printStateBreakdown, printTable, printTargets, TimedEvent } from "./bench/report";
import { measureVariant, prepareVariants, Variant } from "./bench/variants";

const STACK = "bench";

function usage(): never {
    throw new BenchError("usage: npm run bench [-- --runs N]   (N ≥ 1, default 3)");
}

function parseRuns(args: string[]): number {
    let runs = 3;
    for (let i = 0; i < args.length; i++) {
        const a = args[i];
        const value = a === "--runs" ? args[++i] : a.startsWith("--runs=") ? a.slice("--runs=".length) : undefined;
        if (value === undefined) {
            usage();
        }
        runs = Number(value);
        if (!Number.isInteger(runs) || runs < 1) {
            usage();
        }
    }
    return runs;
}

/** What every run measures, made once. */
interface Subjects {
    procedure: Procedure;
    empty: Floor;
    one: Floor;
    many: Floor;
    ours: Stack;
    variants: Variant[];
    stateFile: string;
    /** The engine's events of the first (fresh) up of ours, and how long it took. */
    firstUp: { events: TimedEvent[]; seconds: number };
}

async function prepare(fx: SandboxFixture): Promise<Subjects> {
    const procedure = manualProcedure(fx, SANDBOX_CLUSTER, STACK);
    const { empty, one, many } = await floorPrograms(fx, STACK);
    log("first up of the floor programs (not measured)");
    for (const floor of [empty, one, many]) {
        await pulumi(["up", "--yes", "--stack", STACK], floor.dir, fx.pulumiDir);
    }
    const variants = await prepareVariants(fx, STACK);

    // Ours: the steady stack. Its first up is a fresh one, recorded through the engine's events.
    const ours = await fx.programStack(STACK);
    log("first preview and up of the real program on a fresh environment, with the engine's events (not measured)");
    // The preview users run first: on a fresh environment it is where the kubernetes provider's
    // dry runs find problems. The Automation API's up() skips it, so it runs here on its own.
    await ours.preview();
    const events: TimedEvent[] = [];
    const firstStart = Date.now();
    await ours.up({ onEvent: (event) => events.push({ at: Date.now(), event }) });
    const firstUp = { events, seconds: (Date.now() - firstStart) / 1000 };
    const stateFile = path.join(fx.pulumiDir, "state", ".pulumi", "stacks", "welkin-flux", `${STACK}.json`);
    return { procedure, empty, one, many, ours, variants, stateFile, firstUp };
}

/** One run of every measurement; returns the state file's size after the fresh up. */
async function measureOnce(fx: SandboxFixture, s: Subjects, samples: Samples, run: string): Promise<number> {
    const t = <T>(row: string, f: () => Promise<T> | T) => samples.timed(row, f);
    log(`${run}: floors (a), (b), (d)`);
    await t("a preview", () => pulumi(["preview", "--stack", STACK], s.empty.dir, fx.pulumiDir));
    await t("a no-op up (CLI, with preview)", () => pulumi(["up", "--yes", "--stack", STACK], s.empty.dir, fx.pulumiDir));
    expectNoChanges("the empty program's up", (await t("a no-op up (Automation up(), no preview)", () => s.empty.stack.up())).summary.resourceChanges);
    await t("b preview", () => pulumi(["preview", "--stack", STACK], s.one.dir, fx.pulumiDir));
    await t("b no-op up (CLI, with preview)", () => pulumi(["up", "--yes", "--stack", STACK], s.one.dir, fx.pulumiDir));
    expectNoChanges("the one-resource program's up", (await t("b no-op up (Automation up(), no preview)", () => s.one.stack.up())).summary.resourceChanges);
    await t("d preview", () => pulumi(["preview", "--stack", STACK], s.many.dir, fx.pulumiDir));
    await t("d no-op up (CLI, with preview)", () => pulumi(["up", "--yes", "--stack", STACK], s.many.dir, fx.pulumiDir));

    log(`${run}: ours, steady stack`);
    await t("ours preview (steady stack)", () => pulumi(["preview", "--stack", STACK], PROGRAM_DIR, fx.pulumiDir));
    await t("ours no-op up (CLI, with preview)", () => upWithPreviewOrFail(STACK, fx.pulumiDir));
    // What `options: refresh: always` would add to every run (README, "Recovering from an interrupted run").
    await t("ours no-op up --refresh (CLI, with preview)", () => pulumi(["up", "--yes", "--refresh", "--stack", STACK], PROGRAM_DIR, fx.pulumiDir));
    expectNoChanges("the program's second up", (await t("ours no-op up (Automation up(), no preview)", () => s.ours.up())).summary.resourceChanges);
    await t("ours destroy", () => pulumi(["destroy", "--yes", "--stack", STACK], PROGRAM_DIR, fx.pulumiDir));
    await settled(fx);

    log(`${run}: floor (c), the kubectl procedure and its teardown`);
    await t("c kubectl steps (total)", () => kubectlSteps(s.procedure, samples));
    await t("c kubectl teardown (total)", () => kubectlTeardown(s.procedure, samples));
    await settled(fx);

    for (const v of s.variants) {
        await measureVariant(fx, v, samples);
    }

    log(`${run}: ours, up of a fresh environment`);
    await t("ours up, fresh environment (CLI, with preview)", () => upWithPreviewOrFail(STACK, fx.pulumiDir));
    return fs.statSync(s.stateFile).size;
}

async function main(): Promise<void> {
    const runs = parseRuns(process.argv.slice(2));
    const fx = new SandboxFixture({ prefix: "welkin-bench", needs: ["git"], keyComment: "bench", installSshd: false, log });
    const missing = fx.missing("the benchmark");
    if (missing !== undefined) {
        console.log(`bench: SKIPPED: ${missing} (or npm run demo, which builds it).`);
        return;
    }
    const totalStart = Date.now();
    fx.stopOnSignals();
    try {
        log("starting the sandbox and its git server");
        await fx.start();
        const subjects = await prepare(fx);
        const samples = new Samples();
        const stateBytes: number[] = [];
        for (let run = 1; run <= runs; run++) {
            stateBytes.push(await measureOnce(fx, subjects, samples, `run ${run} of ${runs}`));
        }
        printTable(samples, runs, stateBytes);
        printTargets(samples, stateBytes);
        printGrowth(samples, subjects.variants.map((v) => v.label));
        printStateBreakdown(subjects.stateFile);
        printSlowestSteps(subjects.firstUp.events, subjects.firstUp.seconds);
        console.log(`\ntotal ${((Date.now() - totalStart) / 1000).toFixed(0)} s (sandbox start and first ups included)`);
    } finally {
        await fx.stop();
    }
}

main().catch((e: unknown) => {
    console.error(`\nbench: error: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
});
