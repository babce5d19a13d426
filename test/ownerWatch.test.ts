// A run killed where nothing can clean up (a CI timeout's kill, kill -9) must not leave a sandbox
// running. Owners here are small node processes and the sandbox's processes are `sleep`s started
// the way the sandbox starts etcd or kube-apiserver (sandbox/lib/processes.ts), so this runs
// without the toolchain.
import * as assert from "assert";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { alive, stopProcesses } from "../sandbox/lib/processes";

const PROCESSES = path.resolve(__dirname, "..", "sandbox", "lib", "processes");

/** An owner process that ties the folder's processes to itself, then starts `sleepers` sleeps; resolves with their pids. */
function startOwner(stateDir: string, options: { sleepers: number; emptyFolderFirst?: boolean; releaseAfterStart?: boolean }): Promise<{ owner: childProcess.ChildProcess; sleepers: number[] }> {
    const script = `
        require("ts-node").register({ transpileOnly: true });
        const p = require(${JSON.stringify(PROCESSES)});
        const dir = ${JSON.stringify(stateDir)};
        p.stopWhenOwnerDies(dir);
        // As startSandbox does: it empties the folder before it starts anything.
        if (${Boolean(options.emptyFolderFirst)}) p.emptyStateDir(dir);
        const pids = [];
        for (let i = 0; i < ${options.sleepers}; i++) pids.push(p.startProcess(dir, "sleeper-" + i, "sleep", ["600"]));
        // As the demo does once its sandbox has started: it stays up for the next run.
        (${Boolean(options.releaseAfterStart)} ? p.releaseFromOwner(dir) : Promise.resolve()).then(() => console.log(JSON.stringify(pids)));
        setInterval(() => {}, 1000);
    `;
    const owner = childProcess.spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    return new Promise((resolve, reject) => {
        owner.stdout!.once("data", (d: Buffer) => resolve({ owner, sleepers: JSON.parse(d.toString()) as number[] }));
        owner.once("exit", (code) => reject(new Error(`the owner exited early (${code})`)));
    });
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
    const deadline = Date.now() + withinMs;
    while (Date.now() < deadline) {
        if (!alive(pid)) {
            return true;
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    return !alive(pid);
}

function watcherPid(stateDir: string): Promise<number> {
    const file = path.join(stateDir, "pids", "owner-watch.pid");
    return (async () => {
        for (let i = 0; i < 50 && !fs.existsSync(file); i++) {
            await new Promise((r) => setTimeout(r, 100));
        }
        return Number(fs.readFileSync(file, "utf8"));
    })();
}

describe("the sandbox's processes die with the run that owns them (sandbox/lib/processes.ts stopWhenOwnerDies)", function () {
    this.timeout(60_000);
    let stateDir: string;
    const started: number[] = [];

    beforeEach(() => {
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-owner-watch-"));
    });
    afterEach(async () => {
        for (const pid of started.splice(0)) {
            try {
                process.kill(-pid, "SIGKILL");
            } catch {
                // Gone, as it should be.
            }
        }
        await stopProcesses(stateDir);
        fs.rmSync(stateDir, { recursive: true, force: true });
    });

    for (const signal of ["SIGKILL", "SIGTERM"] as const) {
        it(`stops every process the sandbox started when its owner is killed with ${signal}, including those started after the watcher`, async () => {
            const { owner, sleepers } = await startOwner(stateDir, { sleepers: 3 });
            started.push(...sleepers);
            const watcher = await watcherPid(stateDir);
            await new Promise((r) => setTimeout(r, 1500));
            assert.ok(sleepers.every(alive), "while the owner runs, its sandbox keeps running");
            owner.kill(signal);
            for (const pid of sleepers) {
                assert.ok(await gone(pid, 15_000), `process ${pid} outlived its owner`);
            }
            assert.ok(await gone(watcher, 15_000), "the watcher exits once it has stopped the rest");
        });
    }

    it("still finds them when the sandbox empties its folder after the watcher started (as startSandbox does)", async () => {
        const { owner, sleepers } = await startOwner(stateDir, { sleepers: 1, emptyFolderFirst: true });
        started.push(...sleepers);
        await watcherPid(stateDir);
        owner.kill("SIGKILL");
        assert.ok(await gone(sleepers[0], 15_000), "the sleeper outlived its owner");
    });

    it("lets a sandbox outlive its owner once released (the demo's, started whole), and stops nothing", async () => {
        const { owner, sleepers } = await startOwner(stateDir, { sleepers: 2, releaseAfterStart: true });
        started.push(...sleepers);
        assert.ok(!fs.existsSync(path.join(stateDir, "pids", "owner-watch.pid")), "the watcher's pid file is gone");
        owner.kill("SIGKILL");
        await new Promise((r) => setTimeout(r, 3000));
        assert.ok(sleepers.every(alive), "a released sandbox keeps running after its owner died");
        assert.deepStrictEqual((await stopProcesses(stateDir)).sort(), ["sleeper-0", "sleeper-1"]);
    });

    it("is stopped with the rest by a normal stop, and leaves nothing running", async () => {
        const { owner, sleepers } = await startOwner(stateDir, { sleepers: 1 });
        started.push(...sleepers);
        const watcher = await watcherPid(stateDir);
        const stopped = await stopProcesses(stateDir);
        assert.deepStrictEqual(stopped.sort(), ["owner-watch", "sleeper-0"]);
        assert.ok(await gone(watcher, 5_000) && await gone(sleepers[0], 5_000));
        owner.kill("SIGKILL");
    });

});
