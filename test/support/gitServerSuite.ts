// The loopback SSH git server for a suite that needs only it (test/gitTarget.test.ts,
// test/gitFaults.test.ts): skipped with a line naming what is missing (pending, never passed),
// or started in a temporary folder the suite removes in its after hook.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GitServer, gitServerPrerequisites, startGitServer } from "../../sandbox/lib/gitServer";

/** `stateDir` places the server's files in the temporary folder. */
export async function gitServerOrSkip(context: Mocha.Context, prefix: string, stateDir: (tmp: string) => string): Promise<{ tmp: string; server: GitServer }> {
    const missing = gitServerPrerequisites({ log: (l) => console.log(`      ${l}`) });
    if (missing.length > 0) {
        console.log(`      skipping: the git server needs ${missing.join(", ")}`);
        context.skip();
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    return { tmp, server: await startGitServer(stateDir(tmp)) };
}
