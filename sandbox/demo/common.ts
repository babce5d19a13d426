// What every step of `npm run demo` shares: the stack, the cluster's name, the Flux version, where
// the demo keeps its Pulumi backend and its sandbox, and how it prints.
import * as path from "path";
import { defaultStateDir } from "../lib/cluster";
import { TOOLCHAIN_CACHE } from "../lib/toolchain";

export const STACK = "sandbox";
/** The newer bundled Flux: its controllers are the ones the toolchain can build. */
export const FLUX_VERSION = "v2.9.4";
export const PULUMI_DIR = path.join(TOOLCHAIN_CACHE, "demo-pulumi");
/** The sandbox's state (.sandbox/ by default, as `npm run sandbox:up`); WELKIN_SANDBOX_STATE_DIR moves it. */
export const STATE_DIR = process.env.WELKIN_SANDBOX_STATE_DIR ? path.resolve(process.env.WELKIN_SANDBOX_STATE_DIR) : defaultStateDir();

/** A failure the demo explains itself: its message is shown as it is. */
export class DemoError extends Error {}

export function section(title: string): void {
    console.log(`\n=== ${title} ${"=".repeat(Math.max(3, 72 - title.length))}`);
}

export function seconds(since: number): string {
    return `${((Date.now() - since) / 1000).toFixed(0)} s`;
}

/** Relative to the working directory when inside it. */
export function shortPath(file: string): string {
    const rel = path.relative(process.cwd(), file);
    return rel.startsWith("..") || path.isAbsolute(rel) ? file : rel;
}

/** The engine's output, shown as it comes. */
export const onOutput = (s: string): void => {
    process.stdout.write(s);
};
