// The end of an end-to-end suite: stop its sandbox (keeping the logs when a test failed) and
// remove its folders.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Sandbox, stopSandbox } from "../../sandbox/lib/cluster";

export async function stopSandboxAndClean(sandbox: Sandbox | undefined, work: string | undefined, keepLogs: { failed: boolean; prefix: string }): Promise<void> {
    if (sandbox !== undefined) {
        if (keepLogs.failed) {
            const kept = fs.mkdtempSync(path.join(os.tmpdir(), `${keepLogs.prefix}-failure-`));
            fs.cpSync(path.join(sandbox.stateDir, "logs"), kept, { recursive: true });
            console.log(`    sandbox logs kept in ${kept}`);
        }
        await stopSandbox(sandbox.stateDir);
        fs.rmSync(sandbox.stateDir, { recursive: true, force: true });
    }
    if (work !== undefined) {
        fs.rmSync(work, { recursive: true, force: true });
    }
}
