// npm run bench [-- --runs N]
//
// How long welkin-flux takes on the sandbox, side by side with its floors, in one run: medians
// over N runs (default 3), figures rather than pass/fail, then the targets and whether each is met.
//   floors  (a) an empty Pulumi TypeScript program: preview, no-op up;
//           (b) a program with one kubernetes resource (a ConfigMap in production, through a
//               k8s.Provider given the developer kubeconfig): preview, no-op up;
//           (c) the manual procedure's kubectl steps for the same objects as welkin-flux, as the
//               application developer, and their teardown in reverse.
//   ours    the real program (index.ts): preview of the steady stack, no-op up (with its preview,
//           as users run it, and the Automation API's up(), which skips the preview), destroy,
//           up of a fresh environment, and the state file's size.
// Starts its own sandbox and git server in a temporary folder and always stops them.
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { EngineEvent, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { resolveWelkinFluxConfig } from "../components/config";
import { fluxCrds } from "../components/flux/bundle";
import { KubeObject } from "../components/kube/object";
import { renderFluxManifests } from "../components/render/fluxManifests";
import { welkinFluxRoles } from "../components/render/welkinRoles";
import { kubectl, Sandbox, startSandbox, stopSandbox, tempStateDir } from "./lib/cluster";
import { GitServer, gitServerPrerequisites, startGitServer } from "./lib/gitServer";
import { engineEnv, PROGRAM_DIR, programStack, removeStackFile, upWithPreview } from "./lib/programStack";
import { missingSandboxBinaries } from "./lib/toolchain";

const STACK = "bench";
const CLUSTER_NAME = "sandbox";
const PARENT = "production";
const FLUX_NS = "flux-system";
const GIT_SECRET = "fleet-auth";
const FACTOR = 1.5;
const STATE_LIMIT_BYTES = 1_500_000;
/** Measured by others earlier, on another machine and day: printed as reference, not as measured. */
const REFERENCE = { emptyPreview: 1.08, emptyUp: 1.15, onePreview: 1.74, oneUp: 1.76 };

class BenchError extends Error {}

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

// ---- measurements -----------------------------------------------------------------------------

/** Seconds per measured row, one entry per run. */
const samples = new Map<string, number[]>();

function record(row: string, seconds: number): void {
    samples.set(row, [...(samples.get(row) ?? []), seconds]);
}

async function timed<T>(row: string, f: () => Promise<T> | T): Promise<T> {
    const start = process.hrtime.bigint();
    const result = await f();
    record(row, Number(process.hrtime.bigint() - start) / 1e9);
    return result;
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function med(row: string): number {
    const xs = samples.get(row);
    if (xs === undefined || xs.length === 0) {
        throw new Error(`nothing measured for ${row}`);
    }
    return median(xs);
}

function log(line: string): void {
    console.error(`bench: ${line}`);
}

// ---- the Pulumi CLI, as users run it -----------------------------------------------------------

function pulumi(args: string[], cwd: string, pulumiDir: string): Promise<void> {
    return new Promise((resolve, reject) => {
        childProcess.execFile(
            "pulumi",
            [...args, "--non-interactive", "--color=never"],
            { cwd, env: { ...process.env, ...engineEnv(pulumiDir) }, maxBuffer: 64 << 20 },
            (error, stdout, stderr) => (error ? reject(new BenchError(`pulumi ${args.join(" ")} in ${cwd} failed:\n${stdout}\n${stderr}`)) : resolve()),
        );
    });
}

async function upWithPreviewOrFail(stackName: string, pulumiDir: string): Promise<void> {
    const r = await upWithPreview(stackName, pulumiDir);
    if (r.code !== 0) {
        throw new BenchError(`pulumi up of ${stackName} failed:\n${r.stdout}\n${r.stderr}`);
    }
}

function expectNoChanges(what: string, summary: Record<string, number> | undefined): void {
    const kinds = Object.keys(summary ?? {}).filter((k) => k !== "same");
    if (kinds.length > 0) {
        throw new BenchError(`${what} was expected to change nothing but reported ${JSON.stringify(summary)}`);
    }
}

// ---- floors (a) and (b): minimal Pulumi programs in a temporary folder -------------------------

const EMPTY_PROGRAM = `// An empty Pulumi program: the engine's and the language host's own cost.
import * as pulumi from "@pulumi/pulumi";

export const project = pulumi.getProject();
`;

const ONE_RESOURCE_PROGRAM = `// One kubernetes resource through a provider given the developer kubeconfig (as a secret, like index.ts).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const provider = new k8s.Provider("welkin", { kubeconfig: config.requireSecret("kubeconfig") });
new k8s.core.v1.ConfigMap(
    "bench",
    { metadata: { name: "welkin-flux-bench", namespace: "${PARENT}" }, data: { purpose: "npm run bench" } },
    { provider },
);
`;

/** A Pulumi TypeScript program like the repository's: same runtime, tsconfig and node_modules. */
function writeProgram(dir: string, project: string, source: string): void {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${project}\nruntime: nodejs\nmain: index.ts\n`);
    fs.writeFileSync(path.join(dir, "index.ts"), source);
    fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify({ name: project, private: true, main: "index.ts" }, null, 2)}\n`);
    fs.copyFileSync(path.join(PROGRAM_DIR, "tsconfig.json"), path.join(dir, "tsconfig.json"));
    fs.symlinkSync(path.join(PROGRAM_DIR, "node_modules"), path.join(dir, "node_modules"), "dir");
}

async function floorStack(dir: string, pulumiDir: string, config: Record<string, string> = {}): Promise<Stack> {
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: STACK, workDir: dir }, { envVars: engineEnv(pulumiDir) });
    for (const [k, v] of Object.entries(config)) {
        await stack.setConfig(k, { value: v, secret: true });
    }
    return stack;
}

// ---- floor (c): the manual procedure's kubectl steps, as the application developer -------------

interface Procedure {
    dev: string;
    admin: string;
    anchor: KubeObject;
    crds: KubeObject[];
    roles: KubeObject[];
    installObjects: KubeObject[];
    deployments: string[];
    keyFile: string;
    knownHostsFile: string;
}

const SA = (name: string) => ({ kind: "ServiceAccount", name, namespace: FLUX_NS });
const DELEGATED = [SA("kustomize-controller"), SA("helm-controller")];

function manifest(objects: KubeObject[]): string {
    return objects.map((o) => yaml.dump(o, { noRefs: true })).join("---\n");
}

async function kubectlSteps(p: Procedure): Promise<void> {
    const k = (args: string[], input?: string) => kubectl(p.dev, args, input);
    await timed("  anchor + wait Ok", () => {
        k(["apply", "-f", "-"], manifest([p.anchor]));
        k(["wait", "subnamespaceanchor", FLUX_NS, "-n", PARENT, "--for=jsonpath={.status.status}=Ok", "--timeout=120s"]);
    });
    await timed("  13 CRDs + wait Established", () => {
        // Server-side: the largest Flux CRDs are too big for client-side apply's annotation.
        k(["apply", "--server-side", "-f", "-"], manifest(p.crds));
        k(["wait", "--for=condition=Established", "--timeout=120s", ...p.crds.map((c) => `crd/${c.metadata.name}`)]);
    });
    await timed("  4 Roles/RoleBindings", () => k(["apply", "-f", "-"], manifest(p.roles)));
    await timed("  git Secret", () =>
        k(["create", "secret", "generic", GIT_SECRET, "-n", FLUX_NS, `--from-file=identity=${p.keyFile}`, `--from-file=identity.pub=${p.keyFile}.pub`, `--from-file=known_hosts=${p.knownHostsFile}`]),
    );
    await timed("  apply --server-side install objects", () => k(["apply", "--server-side", "-f", "-"], manifest(p.installObjects)));
    await timed("  delegation patch", () =>
        k(["patch", "rolebinding", "extra-workload-admins", "-n", PARENT, "--type=json", "-p", JSON.stringify(DELEGATED.map((value) => ({ op: "add", path: "/subjects/-", value })))]),
    );
    await timed("  rollout status", () => {
        for (const d of p.deployments) {
            k(["rollout", "status", `deployment/${d}`, "-n", FLUX_NS, "--timeout=120s"]);
        }
    });
}

async function kubectlTeardown(p: Procedure): Promise<void> {
    const k = (args: string[], input?: string) => kubectl(p.dev, args, input);
    await timed("  delegation unpatch", () => {
        const rb = JSON.parse(k(["get", "rolebinding", "extra-workload-admins", "-n", PARENT, "-o", "json"])) as { metadata: { resourceVersion: string }; subjects?: object[] };
        const ours = new Set(DELEGATED.map((s) => JSON.stringify(s)));
        const kept = (rb.subjects ?? []).filter((s) => !ours.has(JSON.stringify(s)));
        // resourceVersion: fails rather than dropping a subject someone added meanwhile.
        k(["patch", "rolebinding", "extra-workload-admins", "-n", PARENT, "--type=merge", "-p", JSON.stringify({ metadata: { resourceVersion: rb.metadata.resourceVersion }, subjects: kept })]);
    });
    await timed("  delete install objects", () => k(["delete", "--wait", "-f", "-"], manifest([...p.installObjects].reverse())));
    await timed("  delete git Secret", () => k(["delete", "secret", GIT_SECRET, "-n", FLUX_NS, "--wait"]));
    await timed("  delete Roles/RoleBindings", () => k(["delete", "--wait", "-f", "-"], manifest([...p.roles].reverse())));
    await timed("  delete CRDs", () => k(["delete", "--wait", ...p.crds.map((c) => `crd/${c.metadata.name}`)]));
    await timed("  delete anchor", () => k(["delete", "subnamespaceanchor", FLUX_NS, "-n", PARENT, "--wait"]));
}

/** Untimed: what a teardown started is finished (namespace and CRDs gone), so the next install starts clean. */
async function settled(admin: string): Promise<void> {
    const deadline = Date.now() + 180_000;
    for (;;) {
        const ns = kubectl(admin, ["get", "namespace", FLUX_NS, "--ignore-not-found", "-o", "name"]).trim();
        const crds = kubectl(admin, ["get", "crd", "-o", "name"]).split("\n").filter((c) => c.includes("toolkit.fluxcd.io"));
        if (ns === "" && crds.length === 0) {
            return;
        }
        if (Date.now() > deadline) {
            throw new BenchError(`teardown did not finish in 3 minutes: ${ns} ${crds.join(" ")}`);
        }
        await new Promise((r) => setTimeout(r, 250));
    }
}

// ---- the engine's events of one fresh up: where the time goes --------------------------------

interface StepTiming {
    urn: string;
    op: string;
    seconds: number;
}

function slowestSteps(events: { at: number; event: EngineEvent }[], count: number): StepTiming[] {
    const started = new Map<string, { at: number; op: string }>();
    const steps: StepTiming[] = [];
    for (const { at, event } of events) {
        const pre = event.resourcePreEvent?.metadata;
        if (pre !== undefined && pre.op !== "same" && (pre.new?.custom ?? pre.old?.custom) === true) {
            started.set(pre.urn, { at, op: pre.op });
        }
        const done = event.resOutputsEvent?.metadata ?? event.resOpFailedEvent?.metadata;
        if (done !== undefined && started.has(done.urn)) {
            const s = started.get(done.urn)!;
            steps.push({ urn: done.urn, op: s.op, seconds: (at - s.at) / 1000 });
            started.delete(done.urn);
        }
    }
    return steps.sort((a, b) => b.seconds - a.seconds).slice(0, count);
}

function shortUrn(urn: string): string {
    // urn:pulumi:<stack>::<project>::<type chain>::<name>
    const parts = urn.split("::");
    const type = (parts[2] ?? "").split("$").pop() ?? "";
    return `${type} ${parts[3] ?? urn}`;
}

// ---- the table ----------------------------------------------------------------------------------

function fmt(s: number): string {
    return `${s.toFixed(2)} s`;
}

function printTable(runs: number, stateBytes: number[]): void {
    const rows: [string, string[]][] = [
        ["(a) empty program", ["a preview", "a no-op up (CLI, with preview)", "a no-op up (Automation up(), no preview)"]],
        ["(b) one-resource program (ConfigMap)", ["b preview", "b no-op up (CLI, with preview)", "b no-op up (Automation up(), no preview)"]],
        [
            "(c) manual procedure, kubectl as the developer",
            [
                "c kubectl steps (total)",
                "  anchor + wait Ok",
                "  13 CRDs + wait Established",
                "  4 Roles/RoleBindings",
                "  git Secret",
                "  apply --server-side install objects",
                "  delegation patch",
                "  rollout status",
                "c kubectl teardown (total)",
                "  delegation unpatch",
                "  delete install objects",
                "  delete git Secret",
                "  delete Roles/RoleBindings",
                "  delete CRDs",
                "  delete anchor",
            ],
        ],
        ["ours: index.ts on the sandbox", ["ours preview (steady stack)", "ours no-op up (CLI, with preview)", "ours no-op up (Automation up(), no preview)", "ours destroy", "ours up, fresh environment (CLI, with preview)"]],
    ];
    const width = 52;
    console.log(`\nwelkin-flux benchmark on the sandbox: medians of ${runs} run${runs === 1 ? "" : "s"} (seconds)\n`);
    console.log(`${"".padEnd(width)}${"median".padStart(9)}   runs`);
    for (const [title, names] of rows) {
        console.log(title);
        for (const n of names) {
            const label = n.replace(/^(a|b|c|ours) /, "");
            const xs = samples.get(n) ?? [];
            console.log(`  ${label.padEnd(width - 2)}${(xs.length > 0 ? fmt(median(xs)) : "-").padStart(9)}   ${xs.map((x) => x.toFixed(2)).join(" ")}`);
        }
    }
    console.log(`  ${"state file after up".padEnd(width - 2)}${`${(median(stateBytes) / 1024).toFixed(0)} KiB`.padStart(9)}   ${stateBytes.map((b) => `${b} B`).join(" ")}`);

    const oneUp = med("b no-op up (CLI, with preview)");
    const targets: [string, number, number, string][] = [
        ["preview", med("ours preview (steady stack)"), FACTOR * med("b preview"), "1.5 × one-resource preview"],
        ["no-op up (with preview)", med("ours no-op up (CLI, with preview)"), FACTOR * oneUp, "1.5 × one-resource no-op up"],
        ["no-op up (Automation up(), no preview) [extra]", med("ours no-op up (Automation up(), no preview)"), FACTOR * med("b no-op up (Automation up(), no preview)"), "1.5 × one-resource Automation up()"],
        ["up, fresh environment", med("ours up, fresh environment (CLI, with preview)"), FACTOR * (med("c kubectl steps (total)") + oneUp), "1.5 × (kubectl steps + one-resource no-op up)"],
        ["destroy", med("ours destroy"), FACTOR * (med("c kubectl teardown (total)") + oneUp), "1.5 × (kubectl teardown + one-resource no-op up)"],
    ];
    console.log("\nTargets");
    for (const [what, ours, limit, rule] of targets) {
        console.log(`  ${what.padEnd(48)} ${fmt(ours).padStart(9)} ≤ ${fmt(limit).padStart(9)}  (${rule})  ${ours <= limit ? "met" : "NOT met"}`);
    }
    const state = median(stateBytes);
    console.log(`  ${"state file size".padEnd(48)} ${`${(state / 1e6).toFixed(3)} MB`.padStart(9)} ≤ ${"1.500 MB".padStart(9)}  (1.5 MB = 1,500,000 bytes)  ${state <= STATE_LIMIT_BYTES ? "met" : "NOT met"}`);

    console.log(
        `\nReference (measured by others earlier, not in this run): empty program preview ${fmt(REFERENCE.emptyPreview)}, no-op up ${fmt(REFERENCE.emptyUp)}; ` +
            `one-resource program preview ${fmt(REFERENCE.onePreview)}, no-op up ${fmt(REFERENCE.oneUp)}.`,
    );
}

// ---- the run ------------------------------------------------------------------------------------

async function main(): Promise<void> {
    const runs = parseRuns(process.argv.slice(2));
    const missing = [...missingSandboxBinaries(), ...gitServerPrerequisites({ install: false })];
    if (missing.length > 0) {
        console.log(`bench: SKIPPED: the benchmark runs on the sandbox, whose toolchain or git server is missing: ${missing.join(", ")}. Run sandbox/toolchain/build.sh sandbox (or npm run demo, which builds it).`);
        return;
    }
    const totalStart = Date.now();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-bench-"));
    const pulumiDir = path.join(work, "pulumi");
    // The Automation API runs the `pulumi` it finds on this process's PATH: the toolchain's.
    process.env.PATH = engineEnv(pulumiDir).PATH;
    let sandbox: Sandbox | undefined;
    let git: GitServer | undefined;
    let stopping = false;
    const cleanup = async () => {
        if (stopping) {
            return;
        }
        stopping = true;
        removeStackFile(STACK);
        if (sandbox !== undefined) {
            const stopped = await stopSandbox(sandbox.stateDir);
            log(`stopped the sandbox: ${stopped.join(", ")}`);
            fs.rmSync(sandbox.stateDir, { recursive: true, force: true });
        }
        fs.rmSync(work, { recursive: true, force: true });
    };
    const onSignal = (signal: NodeJS.Signals) => {
        log(`${signal}: stopping the sandbox`);
        void cleanup().finally(() => process.exit(130));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
        log("starting the sandbox and its git server");
        sandbox = await startSandbox(tempStateDir(), () => undefined);
        git = await startGitServer(sandbox.stateDir);
        const repoUrl = git.createRepository("fleet");
        const keyFile = path.join(work, "deploy_key");
        childProcess.execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", keyFile]);
        git.addKey(fs.readFileSync(`${keyFile}.pub`, "utf8"), { write: true });
        const knownHostsFile = path.join(work, "known_hosts");
        fs.writeFileSync(knownHostsFile, git.knownHosts);
        const { developer: dev, admin } = sandbox.kubeconfigs;

        // The objects of the procedure, from the component's pure renderers.
        const config = resolveWelkinFluxConfig(CLUSTER_NAME, {
            clusterName: CLUSTER_NAME,
            repository: { url: repoUrl },
            knownHosts: git.knownHosts,
            deployKey: { privateKey: fs.readFileSync(keyFile, "utf8"), readOnly: false },
        });
        const installObjects = renderFluxManifests(config).installObjects;
        const procedure: Procedure = {
            dev,
            admin,
            anchor: { apiVersion: "hnc.x-k8s.io/v1alpha2", kind: "SubnamespaceAnchor", metadata: { name: FLUX_NS, namespace: PARENT } },
            crds: fluxCrds(config.fluxVersion),
            roles: welkinFluxRoles(PARENT, FLUX_NS),
            installObjects,
            deployments: installObjects.filter((o) => o.kind === "Deployment").map((o) => o.metadata.name),
            keyFile,
            knownHostsFile,
        };
        if (config.namespace !== FLUX_NS || config.names.gitSecret !== GIT_SECRET || procedure.crds.length !== 13) {
            throw new BenchError(`unexpected rendering: namespace ${config.namespace}, secret ${config.names.gitSecret}, ${procedure.crds.length} CRDs`);
        }

        // Floors (a) and (b).
        const emptyDir = path.join(work, "empty");
        const oneDir = path.join(work, "one-resource");
        writeProgram(emptyDir, "bench-empty", EMPTY_PROGRAM);
        writeProgram(oneDir, "bench-one-resource", ONE_RESOURCE_PROGRAM);
        const empty = await floorStack(emptyDir, pulumiDir);
        const one = await floorStack(oneDir, pulumiDir, { kubeconfig: fs.readFileSync(dev, "utf8") });
        log("first up of the floor programs (not measured)");
        await pulumi(["up", "--yes", "--stack", STACK], emptyDir, pulumiDir);
        await pulumi(["up", "--yes", "--stack", STACK], oneDir, pulumiDir);

        // Ours: the steady stack. Its first up is a fresh one, recorded through the engine's events.
        const ours = await programStack({
            stackName: STACK,
            pulumiDir,
            kubeconfigFile: dev,
            git: { url: repoUrl, knownHosts: git.knownHosts, privateKeyFile: keyFile },
            clusterName: CLUSTER_NAME,
        });
        log("first preview and up of the real program on a fresh environment, with the engine's events (not measured)");
        // The preview users run first: on a fresh environment it is where the kubernetes provider's
        // dry runs find problems. The Automation API's up() skips it, so it runs here on its own.
        await ours.preview();
        const events: { at: number; event: EngineEvent }[] = [];
        const firstStart = Date.now();
        await ours.up({ onEvent: (event) => events.push({ at: Date.now(), event }) });
        const firstSeconds = (Date.now() - firstStart) / 1000;
        const stateFile = path.join(pulumiDir, "state", ".pulumi", "stacks", "welkin-flux", `${STACK}.json`);
        const stateBytes: number[] = [];

        for (let run = 1; run <= runs; run++) {
            log(`run ${run} of ${runs}: floors (a), (b)`);
            await timed("a preview", () => pulumi(["preview", "--stack", STACK], emptyDir, pulumiDir));
            await timed("a no-op up (CLI, with preview)", () => pulumi(["up", "--yes", "--stack", STACK], emptyDir, pulumiDir));
            expectNoChanges("the empty program's up", (await timed("a no-op up (Automation up(), no preview)", () => empty.up())).summary.resourceChanges);
            await timed("b preview", () => pulumi(["preview", "--stack", STACK], oneDir, pulumiDir));
            await timed("b no-op up (CLI, with preview)", () => pulumi(["up", "--yes", "--stack", STACK], oneDir, pulumiDir));
            expectNoChanges("the one-resource program's up", (await timed("b no-op up (Automation up(), no preview)", () => one.up())).summary.resourceChanges);

            log(`run ${run} of ${runs}: ours, steady stack`);
            await timed("ours preview (steady stack)", () => pulumi(["preview", "--stack", STACK], PROGRAM_DIR, pulumiDir));
            await timed("ours no-op up (CLI, with preview)", () => upWithPreviewOrFail(STACK, pulumiDir));
            expectNoChanges("the program's second up", (await timed("ours no-op up (Automation up(), no preview)", () => ours.up())).summary.resourceChanges);
            await timed("ours destroy", () => pulumi(["destroy", "--yes", "--stack", STACK], PROGRAM_DIR, pulumiDir));
            await settled(admin);

            log(`run ${run} of ${runs}: floor (c), the kubectl procedure and its teardown`);
            await timed("c kubectl steps (total)", () => kubectlSteps(procedure));
            await timed("c kubectl teardown (total)", () => kubectlTeardown(procedure));
            await settled(admin);

            log(`run ${run} of ${runs}: ours, up of a fresh environment`);
            await timed("ours up, fresh environment (CLI, with preview)", () => upWithPreviewOrFail(STACK, pulumiDir));
            stateBytes.push(fs.statSync(stateFile).size);
        }

        printTable(runs, stateBytes);
        console.log(`\nWhere a fresh up's time goes: the 5 slowest resource steps of the first up (Automation up(), ${firstSeconds.toFixed(1)} s, times between the engine's events as received)`);
        for (const s of slowestSteps(events, 5)) {
            console.log(`  ${fmt(s.seconds).padStart(8)}  ${s.op.padEnd(7)} ${shortUrn(s.urn)}`);
        }
        console.log(`\ntotal ${((Date.now() - totalStart) / 1000).toFixed(0)} s (sandbox start and first ups included)`);
    } finally {
        await cleanup();
    }
}

main().catch((e: unknown) => {
    console.error(`\nbench: error: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
});
