// Background processes of the sandbox: started detached with their output in logs/, tracked by
// pid files, so `npm run sandbox:down` (another process) can stop what `up` started.
import * as childProcess from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

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
