// Committing our files onto the tip of a remote branch and pushing without force: when someone
// pushed meanwhile, start again from their head, so their commits are never overwritten.
// Node built-ins only: serialized into Pulumi state with the provider.
import * as fs from "fs";
import * as path from "path";
import { explainSessionFailure, git, GitSession } from "./gitSession";
import { FileCommit, GitFile } from "./inputs";

export interface Change {
    /** Written in this order, one commit per file whose content differs. */
    write: GitFile[];
    /** Removed in one commit (the paths that exist). */
    remove: string[];
    fileMessage: (path: string) => string;
    removeMessage: (paths: string[]) => string;
}

export interface ChangeResult {
    commits: FileCommit[];
    headSha: string;
    pushed: boolean;
    attempts: number;
}

/** A seam for tests: runs after our commits are made and before they are pushed. */
export interface PushHooks {
    beforePush?: (attempt: number) => void | Promise<void>;
}

export const MAX_PUSH_ATTEMPTS = 5;
const RETRY_BASE_MS = 1000;

/**
 * The wait before try `attempt` (from 2): RETRY_BASE_MS x 2^(attempt-2), half of it fixed and half
 * random. Retrying at once loses every try to a teammate whose pushes come about one try apart
 * (each retry starts just after their next push lands: seen with pushes every second against
 * tries of 0.8 s), and to any burst of pushes longer than five tries take on a fast machine. The
 * doubling waits make the tries span at least 0.5 + 1 + 2 + 4 = 7.5 s whatever the machine's
 * speed, and the random half breaks that lockstep, as between two stacks retrying together.
 */
function retryDelayMs(attempt: number): number {
    const ceiling = RETRY_BASE_MS * 2 ** (attempt - 2);
    return ceiling / 2 + (ceiling / 2) * Math.random();
}

/**
 * Makes the work tree the remote branch's head (a depth-1 fetch: we only need its tree), or an
 * empty unborn branch when the remote has no such branch (an empty repository). Returns the
 * remote head, "" when there is none.
 */
async function checkoutRemoteBranch(s: GitSession, branch: string): Promise<string> {
    const fetch = await git(s, ["fetch", "-q", "--depth", "1", "origin", `+refs/heads/${branch}:refs/remotes/origin/${branch}`], { allowFail: true });
    if (fetch.code === 0) {
        const sha = (await git(s, ["rev-parse", `refs/remotes/origin/${branch}`])).stdout.trim();
        await git(s, ["checkout", "-q", "-f", "-B", branch, sha]);
        await git(s, ["clean", "-q", "-f", "-d", "-x"]);
        return sha;
    }
    // Only "no such branch" means an empty repository; anything else (key, host key, path) is an error.
    if (!/couldn't find remote ref/i.test(fetch.stderr)) {
        throw new Error(explainSessionFailure(s, `fetching branch "${branch}" of`, `${fetch.stderr}\n${fetch.stdout}`, branch));
    }
    await startEmptyBranch(s, branch);
    return "";
}

/** An unborn branch with an empty index and work tree, whatever an earlier attempt left. */
async function startEmptyBranch(s: GitSession, branch: string): Promise<void> {
    await git(s, ["symbolic-ref", "HEAD", `refs/heads/${branch}`]);
    await git(s, ["update-ref", "-d", `refs/heads/${branch}`], { allowFail: true });
    await git(s, ["read-tree", "--empty"]);
    await git(s, ["clean", "-q", "-f", "-d", "-x"]);
}

export async function headSha(s: GitSession): Promise<string> {
    const r = await git(s, ["rev-parse", "-q", "--verify", "HEAD"], { allowFail: true });
    return r.code === 0 ? r.stdout.trim() : "";
}

/**
 * Refuses to write through a symbolic link the repository holds (e.g. clusters -> /etc): the
 * provider may run as root, and the repository's content is not ours to trust.
 */
function safeWritePath(work: string, relPath: string): string {
    const parts = relPath.split("/");
    for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join("/");
        if (isLink(path.join(work, dir))) {
            throw new Error(`refusing to write ${relPath}: ${dir} is a symbolic link in the repository`);
        }
    }
    const target = path.join(work, relPath);
    // A link or directory where our file goes is replaced by the file, not written through.
    if (isLink(target) || (fs.existsSync(target) && !fs.lstatSync(target).isFile())) {
        fs.rmSync(target, { recursive: true, force: true });
    }
    return target;
}

function isLink(p: string): boolean {
    try {
        return fs.lstatSync(p).isSymbolicLink();
    } catch {
        return false;
    }
}

/** One commit per file whose content differs; an identical file makes no commit. */
async function writeFiles(s: GitSession, change: Change): Promise<FileCommit[]> {
    const commits: FileCommit[] = [];
    for (const f of change.write) {
        const target = safeWritePath(s.work, f.path);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, f.content, "utf8");
        await git(s, ["add", "--", f.path]);
        const same = await git(s, ["diff", "--cached", "--quiet", "--", f.path], { allowFail: true });
        if (same.code !== 0) {
            await git(s, ["commit", "-q", "--no-verify", "-m", change.fileMessage(f.path)]);
        }
        commits.push({ path: f.path, commitSha: await headSha(s) });
    }
    return commits;
}

/** Our dropped files in one commit; paths already gone are not an error. */
async function removeFiles(s: GitSession, change: Change): Promise<void> {
    if (change.remove.length === 0) {
        return;
    }
    const tracked = (await git(s, ["ls-files", "-z", "--", ...change.remove])).stdout.split("\0").filter((p) => p !== "");
    const present = change.remove.filter((p) => tracked.includes(p));
    if (present.length === 0) {
        return;
    }
    await git(s, ["rm", "-q", "--", ...present]);
    await git(s, ["commit", "-q", "--no-verify", "-m", change.removeMessage(present)]);
}

/**
 * A push refused because the branch moved, as opposed to a refused key or a hook: refused by our
 * git ("fetch first", "non-fast-forward"), or by the server when another push that saw the same
 * head updated the branch first, between its advertisement and our ref update ("cannot lock ref
 * ... is at X but expected Y"; about one simultaneous push in ten on the test server, every time
 * when a pre-receive hook takes a while).
 */
export function isStaleRejection(output: string): boolean {
    const refusedHere = /(^|[\s\t])\[rejected\]/m.test(output) && /fetch first|non-fast-forward|stale info/i.test(output);
    const lostOnServer = /\[remote rejected\][^\n]*\(failed to update ref\)/.test(output) && /cannot lock ref '[^'\n]+': is at [0-9a-f]+ but expected [0-9a-f]+/.test(output);
    return refusedHere || lostOnServer;
}

async function push(s: GitSession, branch: string): Promise<"pushed" | "stale"> {
    const r = await git(s, ["push", "--porcelain", "origin", `HEAD:refs/heads/${branch}`], { allowFail: true });
    if (r.code === 0) {
        return "pushed";
    }
    const output = `${r.stderr}\n${r.stdout}`;
    if (isStaleRejection(output)) {
        return "stale";
    }
    throw new Error(explainSessionFailure(s, `push to branch "${branch}" of`, output, branch));
}

/**
 * Applies the change on top of the remote head and pushes it, never forced. When the branch
 * moved between our fetch and our push, wait (retryDelayMs), fetch its new head and redo the
 * commits on it, up to MAX_PUSH_ATTEMPTS times.
 */
export async function applyChange(s: GitSession, branch: string, change: Change, hooks: PushHooks = {}): Promise<ChangeResult> {
    for (let attempt = 1; attempt <= MAX_PUSH_ATTEMPTS; attempt++) {
        if (attempt > 1) {
            await new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt)));
        }
        const remoteHead = await checkoutRemoteBranch(s, branch);
        const commits = await writeFiles(s, change);
        await removeFiles(s, change);
        const head = await headSha(s);
        if (head === remoteHead) {
            return { commits, headSha: head, pushed: false, attempts: attempt };
        }
        if (hooks.beforePush !== undefined) {
            await hooks.beforePush(attempt);
        }
        if ((await push(s, branch)) === "pushed") {
            return { commits, headSha: head, pushed: true, attempts: attempt };
        }
    }
    throw new Error(
        `push to branch "${branch}" of ${s.url} failed ${MAX_PUSH_ATTEMPTS} times: each time someone else pushed to the branch first. ` +
            "Our commits were redone on their head each time and never forced; run the update again when the branch is quieter.",
    );
}

/** Our files as they are on the remote branch now (missing ones left out), for refresh. */
export async function readFiles(s: GitSession, branch: string, paths: string[]): Promise<{ files: GitFile[]; headSha: string }> {
    const head = await checkoutRemoteBranch(s, branch);
    const files: GitFile[] = [];
    for (const p of paths) {
        const abs = path.join(s.work, p);
        if (fs.existsSync(abs) && fs.lstatSync(abs).isFile()) {
            files.push({ path: p, content: fs.readFileSync(abs, "utf8") });
        }
    }
    return { files, headSha: head };
}
