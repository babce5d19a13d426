// The routes a clone has to Flux's manifests, each a way to get a file's bytes. A route never
// checks them: bundle.ts checks every file against the pinned sha256, whatever route it came by.
import * as childProcess from "child_process";
import * as fs from "fs";
import * as path from "path";
import { fluxInstallArgs, fluxInstallCommand, upstreamRelativePath, WantedManifest } from "./wanted";

/** The bytes a route got, or why it got none (one line, for the no-route message). */
export type RouteResult = { bytes: Buffer } | { failure: string };

export interface Route {
    /** How messages name the route. */
    name: string;
    /** Never throws: a route that cannot serve says why. */
    fetch(want: WantedManifest): Promise<RouteResult>;
    /** Releases what the route made (temporary files). */
    close?(): Promise<void>;
}

/** A folder laid out as flux-<version>/<file>: `$WELKIN_FLUX_UPSTREAM`, or the upstream reference data beside the checkout. */
export function localFolderRoute(name: string, folder: string): Route {
    return {
        name,
        async fetch(want) {
            const file = path.join(folder, upstreamRelativePath(want));
            if (!fs.existsSync(file)) {
                return { failure: `no ${file}` };
            }
            return { bytes: fs.readFileSync(file) };
        },
    };
}

export interface FluxCliOptions {
    /** The executable: "flux" (looked up on env.PATH) or a path. */
    command: string;
    env: NodeJS.ProcessEnv;
    /** How messages name the route. */
    name: string;
}

/**
 * Runs `flux install --export --version <v> [--components-extra=…]`. The CLI's defaults come
 * from FLUX_* variables (FLUX_SYSTEM_NAMESPACE changes every object's namespace), so they are
 * dropped: the route must print what a plain `flux install --export` prints.
 */
export function fluxCliRoute(options: FluxCliOptions): Route {
    const env = Object.fromEntries(Object.entries(options.env).filter(([key]) => !key.startsWith("FLUX_")));
    return {
        name: options.name,
        fetch: (want) => runFluxInstall(options.command, want, env),
    };
}

function runFluxInstall(command: string, want: WantedManifest, env: NodeJS.ProcessEnv): Promise<RouteResult> {
    return new Promise((resolve) => {
        // A CLI of another version downloads the release's manifests first: give it time.
        childProcess.execFile(command, fluxInstallArgs(want), { env, encoding: "buffer", maxBuffer: 256 << 20, timeout: 300_000 }, (error, stdout, stderr) => {
            if (error === null) {
                resolve({ bytes: stdout });
            } else if ((error as NodeJS.ErrnoException).code === "ENOENT") {
                resolve({ failure: `no \`${command}\` on PATH` });
            } else {
                const said = stderr.toString("utf8").trim().split("\n").pop() ?? "";
                resolve({ failure: `\`${fluxInstallCommand(want)}\` failed (${error.code ?? error.signal ?? error.message})${said ? `: ${said}` : ""}` });
            }
        });
    });
}
