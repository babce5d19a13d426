// What the bench prints: the table of medians, the targets and whether each is met, and where a
// fresh up's time goes (from the engine's events).
import * as fs from "fs";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { MANY_RESOURCES } from "./floors";
import { median, Samples } from "./measure";
import { variantRows } from "./variants";

const FACTOR = 1.5;
/** Destroy against the kubectl teardown alone (the issue's target). */
const DESTROY_FACTOR = 1.2;
const STATE_LIMIT_BYTES = 1_500_000;
/** Measured by others earlier, on another machine and day: printed as reference, not as measured. */
const REFERENCE = { emptyPreview: 1.08, emptyUp: 1.15, onePreview: 1.74, oneUp: 1.76 };

const ROWS: [string, string[]][] = [
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
    [`(d) ${MANY_RESOURCES} ConfigMaps (as many resources as ours)`, ["d preview", "d no-op up (CLI, with preview)"]],
    ["ours: index.ts on the sandbox", ["ours preview (steady stack)", "ours no-op up (CLI, with preview)", "ours no-op up --refresh (CLI, with preview)", "ours no-op up (Automation up(), no preview)", "ours destroy", "ours up, fresh environment (CLI, with preview)"]],
    ["ours with 5 parent namespaces", variantRows("5 parent namespaces")],
    ["ours with 10 user patches", variantRows("10 user patches")],
];

export function fmt(s: number): string {
    return `${s.toFixed(2)} s`;
}

export function printTable(samples: Samples, runs: number, stateBytes: number[]): void {
    const width = 52;
    console.log(`\nwelkin-flux benchmark on the sandbox: medians of ${runs} run${runs === 1 ? "" : "s"} (seconds)\n`);
    console.log(`${"".padEnd(width)}${"median".padStart(9)}   runs`);
    for (const [title, names] of ROWS) {
        console.log(title);
        for (const n of names) {
            const label = n.replace(/^(a|b|c|d|ours) /, "").replace(/^[^:]+: /, "");
            const xs = samples.of(n);
            console.log(`  ${label.padEnd(width - 2)}${(xs.length > 0 ? fmt(median(xs)) : "-").padStart(9)}   ${xs.map((x) => x.toFixed(2)).join(" ")}`);
        }
    }
    console.log(`  ${"state file after up".padEnd(width - 2)}${`${(median(stateBytes) / 1024).toFixed(0)} KiB`.padStart(9)}   ${stateBytes.map((b) => `${b} B`).join(" ")}`);
}

export function printTargets(samples: Samples, stateBytes: number[]): void {
    const med = (row: string) => samples.median(row);
    const oneUp = med("b no-op up (CLI, with preview)");
    const targets: [string, number, number, string][] = [
        ["preview", med("ours preview (steady stack)"), FACTOR * med("b preview"), "1.5 × one-resource preview"],
        ["no-op up (with preview)", med("ours no-op up (CLI, with preview)"), FACTOR * oneUp, "1.5 × one-resource no-op up"],
        ["no-op up (Automation up(), no preview) [extra]", med("ours no-op up (Automation up(), no preview)"), FACTOR * med("b no-op up (Automation up(), no preview)"), "1.5 × one-resource Automation up()"],
        ["up, fresh environment", med("ours up, fresh environment (CLI, with preview)"), FACTOR * (med("c kubectl steps (total)") + oneUp), "1.5 × (kubectl steps + one-resource no-op up)"],
        ["destroy", med("ours destroy"), DESTROY_FACTOR * med("c kubectl teardown (total)"), "1.2 × kubectl teardown"],
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

/** What each variant adds to the default program, row by row. */
export function printGrowth(samples: Samples, labels: string[]): void {
    const base = ["ours up, fresh environment (CLI, with preview)", "ours preview (steady stack)", "ours no-op up (CLI, with preview)", "ours destroy"];
    const names = ["fresh up", "preview", "no-op up", "destroy"];
    console.log("\nHow the cost grows (median of the variant − median of the default program)");
    for (const label of labels) {
        const rows = variantRows(label);
        const deltas = rows.map((row, i) => `${names[i]} ${(samples.median(row) - samples.median(base[i]) >= 0 ? "+" : "")}${fmt(samples.median(row) - samples.median(base[i]))}`);
        console.log(`  ${label.padEnd(22)} ${deltas.join(", ")}`);
    }
}

/** What the state file after an up holds, by resource type: where its bytes are. */
export function printStateBreakdown(stateFile: string): void {
    const state = JSON.parse(fs.readFileSync(stateFile, "utf8")) as { checkpoint: { latest: { resources?: { type: string; inputs?: unknown; outputs?: unknown }[] } } };
    const byType = new Map<string, { count: number; bytes: number; inputs: number; outputs: number }>();
    for (const r of state.checkpoint.latest.resources ?? []) {
        const row = byType.get(r.type) ?? { count: 0, bytes: 0, inputs: 0, outputs: 0 };
        byType.set(r.type, {
            count: row.count + 1,
            bytes: row.bytes + JSON.stringify(r).length,
            inputs: row.inputs + JSON.stringify(r.inputs ?? {}).length,
            outputs: row.outputs + JSON.stringify(r.outputs ?? {}).length,
        });
    }
    console.log(`\nWhat the state file holds (${(fs.statSync(stateFile).size / 1e6).toFixed(3)} MB), by resource type: count, bytes (of them inputs, outputs)`);
    for (const [type, row] of [...byType].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 10)) {
        console.log(`  ${String(row.count).padStart(3)}  ${`${(row.bytes / 1000).toFixed(0)} kB`.padStart(8)}  (${(row.inputs / 1000).toFixed(0)}, ${(row.outputs / 1000).toFixed(0)})  ${type}`);
    }
}

// ---- the engine's events of one fresh up: where the time goes --------------------------------

export interface TimedEvent {
    at: number;
    event: EngineEvent;
}

interface StepTiming {
    urn: string;
    op: string;
    seconds: number;
}

function slowestSteps(events: TimedEvent[], count: number): StepTiming[] {
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

export function printSlowestSteps(events: TimedEvent[], firstSeconds: number): void {
    console.log(`\nWhere a fresh up's time goes: the 5 slowest resource steps of the first up (Automation up(), ${firstSeconds.toFixed(1)} s, times between the engine's events as received)`);
    for (const s of slowestSteps(events, 5)) {
        console.log(`  ${fmt(s.seconds).padStart(8)}  ${s.op.padEnd(7)} ${shortUrn(s.urn)}`);
    }
}
