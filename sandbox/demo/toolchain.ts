// Step 1 of the demo: the parts of the toolchain it needs, built when missing.
import * as childProcess from "child_process";
import * as os from "os";
import * as path from "path";
import { SANDBOX_FLUX_CONTROLLERS } from "../lib/fluxControllers";
import { PROGRAM_DIR } from "../lib/programStack";
import { BUILD_SCRIPT, BuildPlan, buildPlan, describeBuildPlan, partsOfBinaries, readManifest, roughDuration, TOOLCHAIN_CACHE, ToolchainManifest } from "../lib/toolchain";
import { DemoError, seconds, section } from "./common";

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
export function ensureToolchain(): void {
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
