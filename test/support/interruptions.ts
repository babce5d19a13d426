// How the interruption and fault suites (test/e2e/interruptions.test.ts, faults.test.ts) meet a
// run: the Pulumi CLI in its own process group, as a CI job or a terminal runs it, watched
// through its progress lines until the first resource step of a phase starts, then signalled or
// faulted; and the README's recovery sequence, timed, with what it did.
import * as childProcess from "child_process";
import * as fs from "fs";
import * as path from "path";

/** A phase of the procedure, by the first resource step that belongs to it. */
export interface Phase {
    name: string;
    command: "up" | "destroy";
    /** The URN's type and name, `<type>::<name>`. */
    starts: RegExp;
}

export const UP_PHASES: Phase[] = [
    { name: "preflight", command: "up", starts: /dynamic\/welkin-flux:Preflight::/ },
    { name: "CRDs", command: "up", starts: /CustomResourceDefinition::/ },
    { name: "anchor and Roles", command: "up", starts: /rbac.authorization.k8s.io\/v1:Role::/ },
    { name: "admin delegation", command: "up", starts: /dynamic\/welkin-flux:AdminDelegation::/ },
    { name: "git Secret", command: "up", starts: /core\/v1:Secret::/ },
    { name: "commits", command: "up", starts: /dynamic\/welkin-flux:SshGitFiles::/ },
    { name: "install", command: "up", starts: /apps\/v1:Deployment::/ },
    { name: "Services' wait", command: "up", starts: /core\/v1:Service::/ },
];
export const DESTROY_PHASES: Phase[] = [
    { name: "teardown", command: "destroy", starts: /dynamic\/welkin-flux:FluxObjectsTeardown::/ },
    { name: "ServiceAccounts", command: "destroy", starts: /core\/v1:ServiceAccount::/ },
    { name: "CRDs", command: "destroy", starts: /CustomResourceDefinition::/ },
    { name: "admin delegation", command: "destroy", starts: /dynamic\/welkin-flux:AdminDelegation::/ },
];

/** Each cycle interrupts one up and, once it is recovered, one destroy. */
export const CYCLES: { up: Phase; destroy: Phase; signal: NodeJS.Signals }[] = [
    ...UP_PHASES.map((up, i) => ({ up, destroy: DESTROY_PHASES[i % DESTROY_PHASES.length], signal: "SIGKILL" as NodeJS.Signals })),
    { up: UP_PHASES[1], destroy: DESTROY_PHASES[0], signal: "SIGINT" },
    { up: UP_PHASES[7], destroy: DESTROY_PHASES[1], signal: "SIGINT" },
];

/** The row of the matrix the README shows ("Recovering from an interrupted run"). */
export function matrixRow(interrupted: string, signal: string, afterSeconds: number, what: string, seconds: number): string {
    return `| ${interrupted} | ${signal} | ${afterSeconds.toFixed(0)} s | ${what} | ${seconds.toFixed(0)} s |`;
}

/** The row of the issue's own case: a destroy killed while deleting the ServiceAccounts, then `pulumi up` without the README's recovery. */
export const PLAIN_UP_AFTER_KILLED_DESTROY = "destroy at ServiceAccounts, then a plain `pulumi up` (no `--refresh`)";

export interface RunOptions {
    command: "up" | "destroy";
    stack: string;
    cwd: string;
    env: NodeJS.ProcessEnv;
}

export interface Interruption {
    command: "up" | "destroy";
    phase: string;
    signal: NodeJS.Signals;
    /** Seconds from the start of the command to the signal. */
    afterSeconds: number;
    output: string;
}

export interface Recovery {
    commands: string[];
    code: number;
    /** What the last command did, from its summary: "+ 28 created, 16 unchanged". */
    summary: string;
    seconds: number;
    output: string;
}

interface Running {
    child: childProcess.ChildProcess;
    output: () => string;
    exited: Promise<number>;
}

function start(args: string[], o: Pick<RunOptions, "cwd" | "env">): Running {
    // detached: its own process group, so a signal reaches the CLI and every plugin it started,
    // as when a CI runner or a terminal signals the job.
    const child = childProcess.spawn("pulumi", args, { cwd: o.cwd, env: o.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number>((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1))));
    return { child, output: () => output, exited };
}

/**
 * Resource steps of the update itself (not its preview) the CLI has started so far, from its
 * progress lines (" +  <type> <name> creating (0s)"; the preview's say "create"): `<type>::<name>`.
 */
function startedSteps(output: string): string[] {
    const steps: string[] = [];
    for (const m of output.matchAll(/^\s*[-+~]{1,2}\s+(\S+)\s+(\S+)\s+(creating|deleting|updating|replacing)\b/gm)) {
        steps.push(`${m[1]}::${m[2]}`);
    }
    return steps;
}

function pulumiRun(o: RunOptions): Running {
    return start([o.command, "--yes", "--non-interactive", "--color=never", "--stack", o.stack], o);
}

/** Resolves once the first step matching `starts` has begun; fails when the command ends first. */
async function phaseStarted(run: Running, o: RunOptions & { phase: string; starts: RegExp }): Promise<void> {
    let ended = false;
    void run.exited.then(() => (ended = true));
    while (!startedSteps(run.output()).some((s) => o.starts.test(s))) {
        if (ended) {
            throw new Error(`${o.command} ended before the ${o.phase} phase started:\n${run.output()}`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    // Into the step: the provider has been asked and is acting.
    await new Promise((r) => setTimeout(r, 300));
}

/**
 * Runs `pulumi <command> --yes` (with its preview, as users do) and sends `signal` to its process
 * group as soon as the first step matching `starts` has begun. Fails when the command ends first.
 */
export async function interruptedRun(o: RunOptions & { phase: string; starts: RegExp; signal: NodeJS.Signals }): Promise<Interruption> {
    const started = Date.now();
    const run = pulumiRun(o);
    await phaseStarted(run, o);
    const afterSeconds = (Date.now() - started) / 1000;
    // The engine starts each plugin in a process group of its own: a CI runner that kills the
    // job's cgroup kills them too, a signal to the CLI's group does not.
    const plugins = descendants(run.child.pid!);
    process.kill(-run.child.pid!, o.signal);
    if (o.signal === "SIGKILL") {
        killAll(plugins);
    }
    const stop = setTimeout(() => process.kill(-run.child.pid!, "SIGKILL"), 300_000);
    await run.exited;
    clearTimeout(stop);
    // After a Ctrl-C the CLI stops its plugins itself; whatever is left would outlive the test.
    killAll(plugins);
    return { command: o.command, phase: o.phase, signal: o.signal, afterSeconds, output: run.output() };
}

/** Every process below `pid`, from /proc (Linux). */
function descendants(pid: number): number[] {
    const parent = new Map<number, number>();
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) {
            continue;
        }
        try {
            // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ")".
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
        } catch {
            // Gone meanwhile.
        }
    }
    const found: number[] = [];
    for (let frontier = [pid]; frontier.length > 0; ) {
        const children = [...parent.entries()].filter(([, ppid]) => frontier.includes(ppid)).map(([p]) => p);
        found.push(...children);
        frontier = children;
    }
    return found;
}

function killAll(pids: number[]): void {
    for (const p of pids) {
        try {
            process.kill(p, "SIGKILL");
        } catch {
            // Already gone.
        }
    }
}

export interface FaultRun {
    code: number;
    output: string;
    /** The whole run, from its start to its end. */
    seconds: number;
    summary: string;
}

/** Runs `pulumi <command> --yes` and, once the first step matching `starts` has begun, `fault` beside it. */
export async function runWithFault(o: RunOptions & { phase: string; starts: RegExp; fault: () => Promise<void> }): Promise<FaultRun> {
    const started = Date.now();
    const run = pulumiRun(o);
    await phaseStarted(run, o);
    const [code] = await Promise.all([run.exited, o.fault()]);
    return { code, output: run.output(), seconds: (Date.now() - started) / 1000, summary: summaryOf(run.output()) };
}

/** The counts of the last "Resources:" summary: "+ 28 created, 16 unchanged". */
function summaryOf(output: string): string {
    const blocks = output.split("Resources:");
    const last = blocks[blocks.length - 1].split(/\n\s*\n|Duration:/)[0];
    return last
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "")
        .join(", ");
}

const PATCH_FORCE = "PULUMI_K8S_ENABLE_PATCH_FORCE";

/** `pulumi cancel --yes`: releases the lock a killed run left (and says "canceled" when there was none); its output. */
export async function cancel(o: Pick<RunOptions, "stack" | "cwd" | "env">): Promise<string> {
    const run = start(["cancel", "--yes", "--non-interactive", "--color=never", "--stack", o.stack], o);
    await run.exited;
    if (!run.output().includes(TORN_ATTRS)) {
        return run.output();
    }
    // The README's step for a file backend killed while it wrote: remove the empty sidecar.
    const removed = removeEmptyAttrs(o.env);
    const again = start(["cancel", "--yes", "--non-interactive", "--color=never", "--stack", o.stack], o);
    await again.exited;
    return `${run.output()}removed ${removed.join(", ")}\n${again.output()}`;
}

/**
 * What a local file backend says when it was killed while it wrote a checkpoint: the blob
 * library it uses writes the checkpoint atomically (a temporary file, then a rename) but its
 * `.attrs` sidecar in place, so a kill between the two leaves the sidecar empty.
 */
export const TORN_ATTRS = "failed to load checkpoint: EOF";

/** Removes the empty `.attrs` sidecars of the file backend in env's PULUMI_BACKEND_URL; returns them. */
function removeEmptyAttrs(env: NodeJS.ProcessEnv): string[] {
    const backend = (env.PULUMI_BACKEND_URL ?? "").replace(/^file:\/\//, "");
    const stacks = path.join(backend, ".pulumi", "stacks");
    const empty = fs.existsSync(stacks)
        ? (fs.readdirSync(stacks, { recursive: true }) as string[]).map((f) => path.join(stacks, f)).filter((f) => f.endsWith(".attrs") && fs.statSync(f).size === 0)
        : [];
    empty.forEach((f) => fs.rmSync(f));
    return empty;
}

/**
 * The README's recovery ("Recovering from an interrupted run"): `pulumi cancel` releases the lock
 * a killed run leaves, then the interrupted command again with `--refresh`, which first forgets
 * what the cluster no longer has, and with the kubernetes provider's patch force, which lets it
 * take over what the interrupted run created but never recorded.
 */
export async function recover(o: RunOptions): Promise<Recovery> {
    const started = Date.now();
    const cancelled = await cancel(o);
    // An object a killed run created but never recorded is applied again by a new field manager:
    // the kubernetes provider's documented switch lets that apply take the fields over.
    const again = start([o.command, "--refresh", "--yes", "--non-interactive", "--color=never", "--stack", o.stack], { ...o, env: { ...o.env, [PATCH_FORCE]: "true" } });
    const code = await again.exited;
    return {
        commands: ["pulumi cancel --yes", `${PATCH_FORCE}=true pulumi ${o.command} --refresh --yes`],
        code,
        summary: summaryOf(again.output()),
        seconds: (Date.now() - started) / 1000,
        output: cancelled + again.output(),
    };
}
