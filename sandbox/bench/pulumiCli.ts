// The Pulumi CLI as users run it, for the bench: failures are the bench's, with the CLI's output.
import * as childProcess from "child_process";
import { engineEnv, upWithPreview } from "../lib/programStack";
import { BenchError } from "./measure";

export function pulumi(args: string[], cwd: string, pulumiDir: string): Promise<void> {
    return new Promise((resolve, reject) => {
        childProcess.execFile(
            "pulumi",
            [...args, "--non-interactive", "--color=never"],
            { cwd, env: { ...process.env, ...engineEnv(pulumiDir) }, maxBuffer: 64 << 20 },
            (error, stdout, stderr) => (error ? reject(new BenchError(`pulumi ${args.join(" ")} in ${cwd} failed:\n${stdout}\n${stderr}`)) : resolve()),
        );
    });
}

export async function upWithPreviewOrFail(stackName: string, pulumiDir: string): Promise<void> {
    const r = await upWithPreview(stackName, pulumiDir);
    if (r.code !== 0) {
        throw new BenchError(`pulumi up of ${stackName} failed:\n${r.stdout}\n${r.stderr}`);
    }
}

export function expectNoChanges(what: string, summary: Record<string, number> | undefined): void {
    const kinds = Object.keys(summary ?? {}).filter((k) => k !== "same");
    if (kinds.length > 0) {
        throw new BenchError(`${what} was expected to change nothing but reported ${JSON.stringify(summary)}`);
    }
}
