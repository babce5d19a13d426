// The sandbox that programs run on, with what they need: a sandbox in a state folder, its git
// server, the repository "fleet" and a deploy key registered writable. The demo and `sandbox:up`
// start it and keep it running; SandboxFixture (fixture.ts) starts it in temporary folders for one
// run of a suite or the bench. missingPrerequisites says what a run needs that is not here.
import * as fs from "fs";
import * as path from "path";
import { Sandbox, setExtraCrds, startSandbox } from "./cluster";
import { missingFluxControllerBinaries } from "./fluxControllers";
import { GitServer, gitServerPrerequisites, sshKeygen, startGitServer } from "./gitServer";
import { findBinary, missingSandboxBinaries } from "./toolchain";
import { ExtraCrds } from "./welkinPlatform";

/** The repository every sandbox program syncs from. */
export const FLEET = "fleet";
/** The cluster name of the program's stacks on the sandbox (its commits go to clusters/sandbox/). */
export const SANDBOX_CLUSTER = "sandbox";

/** What a run needs beyond the sandbox's toolchain. */
export type Need = "git" | "flux" | "yaml";

const NEEDS: Record<Need, { what: string; buildPart?: string; missing(installSshd: boolean): string[] }> = {
    git: { what: "a git server", missing: (install) => gitServerPrerequisites({ install }) },
    flux: { what: "the Flux controllers", buildPart: "flux", missing: () => missingFluxControllerBinaries() },
    yaml: { what: "Pulumi YAML's language host", buildPart: "yaml", missing: () => (findBinary("pulumi-language-yaml") ? [] : ["pulumi-language-yaml (build.sh yaml)"]) },
};

function inWords(items: string[]): string {
    return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/**
 * Why `who` cannot run here: what it needs, what is missing and the build that makes it
 * ("the real program needs the sandbox toolchain and a git server (missing …); run
 * sandbox/toolchain/build.sh sandbox"). Undefined when nothing is missing.
 */
export function missingPrerequisites(who: string, needs: Need[], installSshd = true): string | undefined {
    const missing = [...missingSandboxBinaries(), ...needs.flatMap((n) => NEEDS[n].missing(installSshd))];
    if (missing.length === 0) {
        return undefined;
    }
    const what = inWords(["the sandbox toolchain", ...needs.map((n) => NEEDS[n].what)]);
    const parts = ["sandbox", ...needs.flatMap((n) => NEEDS[n].buildPart ?? [])];
    return `${who} needs ${what} (missing ${missing.join(", ")}); run sandbox/toolchain/build.sh ${parts.join(" ")}`;
}

export interface SandboxWithGit {
    sandbox: Sandbox;
    git: GitServer;
    /** The URL of the repository "fleet". */
    repoUrl: string;
    /** The deploy key (private; the public one beside it, .pub), registered writable. */
    keyFile: string;
}

export interface SandboxStartOptions {
    /** The sandbox's progress lines ("sandbox: …"); none by default. */
    log?: (line: string) => void;
    /** What the platform administrator allows with gatekeeper.allowUserCRDs.extraCRDs before anything runs. */
    extraCrds?: ExtraCrds[];
}

/** A sandbox in stateDir, with what the platform administrator allowed (extraCrds). */
export async function startWelkinSandbox(stateDir: string, o: SandboxStartOptions = {}): Promise<Sandbox> {
    const log = o.log ?? (() => undefined);
    const sandbox = await startSandbox(stateDir, log);
    if (o.extraCrds !== undefined) {
        // As a Welkin administrator would, e.g. for Flux v2.9.4's ExternalArtifact.
        setExtraCrds(sandbox, o.extraCrds);
        log(`sandbox: platform: ${o.extraCrds.flatMap((c) => c.names).join(", ")} allowed to application developers (gatekeeper.allowUserCRDs.extraCRDs)`);
    }
    return sandbox;
}

/**
 * A sandbox in stateDir with its git server, the repository "fleet" and the deploy key keyFile
 * (made when missing) registered writable, as the program's own key.
 */
export async function startSandboxWithGit(stateDir: string, key: { file: string; comment: string }, o: SandboxStartOptions & { installSshd?: boolean } = {}): Promise<SandboxWithGit> {
    const sandbox = await startWelkinSandbox(stateDir, o);
    const git = await startGitServer(stateDir, { log: (l) => o.log?.(`sandbox: ${l}`), install: o.installSshd });
    const repoUrl = git.createRepository(FLEET);
    if (!fs.existsSync(key.file)) {
        sshKeygen(key.file, key.comment);
    }
    git.addKey(fs.readFileSync(`${key.file}.pub`, "utf8"), { write: true });
    return { sandbox, git, repoUrl, keyFile: key.file };
}

/** The deploy key of a sandbox that keeps running (sandbox:up, the demo): in its state folder, beside the git server's files. */
export function sandboxDeployKey(stateDir: string): { file: string; comment: string } {
    return { file: path.join(stateDir, "git-server", "deploy_key"), comment: "sandbox-deploy-key" };
}
