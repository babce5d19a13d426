// npm run sandbox:up / sandbox:down / sandbox:status
import * as path from "path";
import { defaultStateDir, stopSandbox } from "./lib/cluster";
import { trackedProcesses } from "./lib/processes";
import { sandboxDeployKey, startSandboxWithGit } from "./lib/sandboxWithGit";
import { missingSandboxBinaries } from "./lib/toolchain";

async function main(command: string | undefined): Promise<void> {
    const stateDir = defaultStateDir();
    switch (command) {
        case "up": {
            await stopSandbox(stateDir);
            // The git server is stopped by `down` through its pid file, like the cluster's processes.
            const { sandbox, git, repoUrl, keyFile } = await startSandboxWithGit(stateDir, sandboxDeployKey(stateDir), { log: (l) => console.error(l) });
            console.log(`API server:            ${sandbox.server}`);
            console.log(`application developer: KUBECONFIG=${sandbox.kubeconfigs.developer}`);
            console.log(`admin:                 KUBECONFIG=${sandbox.kubeconfigs.admin}`);
            console.log(`git repository:        ${repoUrl}`);
            console.log(`git known_hosts line:  ${git.hostKeyLine}`);
            console.log(`git deploy key (rw):   ${keyFile}`);
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
            console.log(`running: ${trackedProcesses(stateDir).map((p) => p.name).join(", ") || "none"}`);
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
