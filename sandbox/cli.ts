// npm run sandbox:up / sandbox:down / sandbox:status
import * as fs from "fs";
import * as path from "path";
import { defaultStateDir, startSandbox, stopSandbox } from "./lib/cluster";
import { startSandboxGitServer } from "./lib/gitServer";
import { missingSandboxBinaries } from "./lib/toolchain";

async function main(command: string | undefined): Promise<void> {
    const stateDir = defaultStateDir();
    switch (command) {
        case "up": {
            await stopSandbox(stateDir);
            const sandbox = await startSandbox(stateDir);
            console.log(`API server:            ${sandbox.server}`);
            console.log(`application developer: KUBECONFIG=${sandbox.kubeconfigs.developer}`);
            console.log(`admin:                 KUBECONFIG=${sandbox.kubeconfigs.admin}`);
            // The git server is stopped by `down` through its pid file, like the cluster's processes.
            const git = await startSandboxGitServer(stateDir);
            console.log(`git repository:        ${git.url}`);
            console.log(`git known_hosts line:  ${git.hostKeyLine}`);
            console.log(`git deploy key (rw):   ${git.deployKeyFile}`);
            console.log(`logs:                  ${path.join(stateDir, "logs")}`);
            break;
        }
        case "down": {
            const stopped = await stopSandbox(stateDir);
            console.log(stopped.length > 0 ? `stopped: ${stopped.join(", ")}` : "nothing was running");
            break;
        }
        case "status": {
            const missing = missingSandboxBinaries();
            console.log(missing.length === 0 ? "toolchain: complete" : `toolchain: missing ${missing.join(", ")}`);
            const pids = path.join(stateDir, "pids");
            console.log(`running: ${fs.existsSync(pids) ? fs.readdirSync(pids).map((p) => p.replace(/\.pid$/, "")).join(", ") || "none" : "none"}`);
            break;
        }
        default:
            console.error("usage: sandbox/cli.ts up|down|status");
            process.exit(2);
    }
}

main(process.argv[2]).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
