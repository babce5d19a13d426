// Background processes of the sandbox: started detached with their output in logs/, tracked by
// pid files, so `npm run sandbox:down` (another process) can stop what `up` started.
import * as childProcess from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

/**
 * Empties a sandbox's folder before it starts. The owner watch puts its pid file back within a
 * second, possibly while this removes the folder (ENOTEMPTY, seen in CI runs): Node then retries.
 */
export function emptyStateDir(stateDir: string): void {
    fs.rmSync(stateDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

export function startProcess(stateDir: string, name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
    const logs = path.join(stateDir, "logs");
    const pids = path.join(stateDir, "pids");
    fs.mkdirSync(logs, { recursive: true });
    fs.mkdirSync(pids, { recursive: true });
    const out = fs.openSync(path.join(logs, `${name}.log`), "a");
    const child = childProcess.spawn(command, args, { detached: true, stdio: ["ignore", out, out], env: { ...process.env, ...env } });
    child.unref();
    fs.closeSync(out);
    fs.writeFileSync(path.join(pids, `${name}.pid`), String(child.pid));
    return child.pid!;
}

// Waits while the owner runs, then stops every process with a pid file in the sandbox's folder
// (read then, so it covers processes started later): TERM to each process group, KILL 10 s later.
// It keeps its own pid file there (startSandbox empties the folder when it starts), so
// stopProcesses stops it with the rest; it never makes the folder again once it is removed.
const OWNER_WATCH = `
owner=$1; dir=$2; pids="$2/pids"; self=$$
while kill -0 "$owner" 2>/dev/null; do
    if [ -d "$dir" ] && [ ! -e "$pids/owner-watch.pid" ]; then mkdir -p "$pids" && echo "$self" > "$pids/owner-watch.pid"; fi
    sleep 1
done
signal_all() {
    for f in "$pids"/*.pid; do
        [ -e "$f" ] || continue
        p=$(cat "$f")
        [ "$p" = "$self" ] || kill "-$1" "-$p" 2>/dev/null
    done
}
signal_all TERM
sleep 10
signal_all KILL
`;

/**
 * Ties the processes the sandbox in stateDir starts (now or later) to the process `ownerPid`:
 * when the owner dies without stopping them (a test run killed by its timeout, a bench killed with
 * kill -9), a detached watcher stops them all. For runs whose sandbox must not outlive them (the
 * end-to-end tests, the bench), not for `npm run demo` or `sandbox:up`, whose sandbox stays up.
 */
export function stopWhenOwnerDies(stateDir: string, ownerPid: number = process.pid): number {
    return startProcess(stateDir, "owner-watch", "sh", ["-c", OWNER_WATCH, "owner-watch", String(ownerPid), path.resolve(stateDir)]);
}

/**
 * Unties the sandbox in stateDir from its owner: for a sandbox that must not outlive a start
 * interrupted part-way, but stays up once started (`npm run demo` reuses it between runs).
 */
export async function releaseFromOwner(stateDir: string): Promise<void> {
    const pidFile = path.join(stateDir, "pids", "owner-watch.pid");
    if (!fs.existsSync(pidFile)) {
        return;
    }
    const pid = Number(fs.readFileSync(pidFile, "utf8"));
    try {
        // KILL: TERM would let it run its trap-less loop to the end and stop the sandbox.
        process.kill(-pid, "SIGKILL");
    } catch {
        // Gone already.
    }
    while (alive(pid)) {
        await new Promise((r) => setTimeout(r, 50));
    }
    fs.rmSync(pidFile, { force: true });
}

/** Is the process with this pid still running? */
export function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** Stops every process the sandbox in stateDir started (TERM, then KILL after 10 s). */
export async function stopProcesses(stateDir: string): Promise<string[]> {
    return stopNamedProcesses(stateDir);
}

/** The processes the sandbox in stateDir started, by their pid files (alive or not). */
export function trackedProcesses(stateDir: string): { name: string; pid: number }[] {
    const pids = path.join(stateDir, "pids");
    if (!fs.existsSync(pids)) {
        return [];
    }
    return fs
        .readdirSync(pids)
        .filter((f) => f.endsWith(".pid"))
        .map((f) => ({ name: f.replace(/\.pid$/, ""), pid: Number(fs.readFileSync(path.join(pids, f), "utf8")) }));
}

/** Stops the named processes the sandbox in stateDir started (all when `names` is omitted). */
export async function stopNamedProcesses(stateDir: string, names?: string[]): Promise<string[]> {
    const pids = path.join(stateDir, "pids");
    const stopped: string[] = [];
    const entries = trackedProcesses(stateDir).filter((e) => names === undefined || names.includes(e.name));
    for (const { pid } of entries) {
        try {
            process.kill(-pid, "SIGTERM");
        } catch {
            // Already gone.
        }
    }
    const deadline = Date.now() + 10_000;
    for (const { name, pid } of entries) {
        while (alive(pid) && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 100));
        }
        if (alive(pid)) {
            try {
                process.kill(-pid, "SIGKILL");
            } catch {
                // Gone meanwhile.
            }
        }
        fs.rmSync(path.join(pids, `${name}.pid`), { force: true });
        stopped.push(name);
    }
    return stopped;
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
    });
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, logFile?: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        try {
            if (await check()) {
                return;
            }
        } catch {
            // Not yet.
        }
        await new Promise((r) => setTimeout(r, 250));
    }
    const tail = logFile && fs.existsSync(logFile) ? `\n--- last lines of ${logFile}:\n${fs.readFileSync(logFile, "utf8").split("\n").slice(-20).join("\n")}` : "";
    throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${tail}`);
}
