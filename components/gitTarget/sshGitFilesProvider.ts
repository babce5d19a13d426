// The provider behind SshGitFiles (sshGitFiles.ts): docs/ARCHITECTURE.md step 7 on a git server
// other than GitHub. It commits our files to a branch over SSH with the system git, one commit
// per file, pushed without force, and on destroy removes only ours. It is serialized into Pulumi
// state: it uses Node built-ins and the pure helpers of this folder only.
import * as crypto from "crypto";
import type * as pulumi from "@pulumi/pulumi";
import { applyChange, Change, ChangeResult, PushHooks, readFiles } from "./commitFiles";
import { GitAuthor, missingTools, withSession } from "./gitSession";
import {
    DEFAULT_AUTHOR_EMAIL,
    DEFAULT_AUTHOR_NAME,
    digestOf,
    digests,
    FileCommit,
    FileDigest,
    fileMessage,
    GitFile,
    inputProblems,
    isUnknown,
    removeMessage,
    sameFiles,
    SshGitFilesInputs,
    SshGitFilesOutputs,
    unpackFiles,
} from "./inputs";

/** What a session needs of the inputs or of the stored outputs. */
type Settings = Omit<SshGitFilesInputs, "files">;

function authorOf(p: Settings): GitAuthor {
    return { name: p.authorName || DEFAULT_AUTHOR_NAME, email: p.authorEmail || DEFAULT_AUTHOR_EMAIL };
}

function changeOf(p: Settings, write: GitFile[], remove: string[]): Change {
    return { write, remove, fileMessage: (path) => fileMessage(p, path), removeMessage: (paths) => removeMessage(p, paths) };
}

/** Runs one change against the repository of p, with p's key, and always cleans the temp files. */
function commitChange(p: Settings, write: GitFile[], remove: string[], hooks: PushHooks): Promise<ChangeResult> {
    return withSession(p.url, p, authorOf(p), (s) => applyChange(s, p.branch, changeOf(p, write, remove), hooks));
}

/** Stable per repository, branch and set of paths; the id only has to identify the resource to a human. */
function idOf(p: SshGitFilesInputs): string {
    const digest = crypto.createHash("sha256").update(`${p.url}\n${p.branch}\n${p.files.map((f) => f.path).join("\n")}`).digest("hex");
    return `${p.branch}:${digest.slice(0, 16)}`;
}

/** The inputs as the outputs keep them: each file's path and sha256, not its content (see inputs.ts). */
function outputs(p: SshGitFilesInputs, r: { commits: FileCommit[]; headSha: string }): SshGitFilesOutputs {
    return { ...p, files: digests(p.files), commits: r.commits, headSha: r.headSha };
}

/** The check failures for the inputs and for the commands the provider runs (so preview already tells). */
function checkFailures(news: SshGitFilesInputs): pulumi.dynamic.CheckFailure[] {
    const failures: pulumi.dynamic.CheckFailure[] = inputProblems(news);
    for (const reason of missingTools()) {
        failures.push({ property: "", reason });
    }
    return failures;
}

/** Inputs with the author defaults filled in, so state records who commits. */
function withDefaults(news: SshGitFilesInputs): SshGitFilesInputs {
    return { ...news, authorName: news.authorName || DEFAULT_AUTHOR_NAME, authorEmail: news.authorEmail || DEFAULT_AUTHOR_EMAIL };
}

/**
 * The provider; hooks are a test seam (a push racing ours). Production uses sshGitFilesProvider,
 * made with no hooks.
 */
export function makeSshGitFilesProvider(hooks: PushHooks = {}): pulumi.dynamic.ResourceProvider {
    return {
        async check(_olds: SshGitFilesInputs, news: SshGitFilesInputs) {
            return { inputs: withDefaults(news), failures: checkFailures(news) };
        },

        async diff(_id: string, olds: SshGitFilesOutputs, news: SshGitFilesInputs) {
            // Another repository or branch is another set of files: create there, then remove ours from the old place.
            const replaces = (["url", "branch"] as const).filter((k) => isUnknown(news[k]) || olds[k] !== news[k]);
            const filesChanged = isUnknown(news.files) || !sameFiles(olds.files, news.files);
            // A rotated key or changed known_hosts changes nothing in the repository, but delete
            // and refresh receive only the stored outputs: an update that makes no commit stores them.
            const credentialsChanged = olds.privateKey !== news.privateKey || olds.knownHosts !== news.knownHosts;
            return { changes: replaces.length > 0 || filesChanged || credentialsChanged, replaces, deleteBeforeReplace: false };
        },

        async create(inputs: SshGitFilesInputs) {
            const r = await commitChange(inputs, unpackFiles(inputs.files), [], hooks);
            return { id: idOf(inputs), outs: outputs(inputs, r) };
        },

        async update(_id: string, olds: SshGitFilesOutputs, news: SshGitFilesInputs) {
            if (sameFiles(olds.files, news.files)) {
                // Only credentials or message settings changed: no clone, no commit.
                return { outs: outputs(news, olds) };
            }
            const kept = new Set(news.files.map((f) => f.path));
            const dropped = (olds.files ?? []).map((f) => f.path).filter((p) => !kept.has(p));
            const r = await commitChange(news, unpackFiles(news.files), dropped, hooks);
            return { outs: outputs(news, r) };
        },

        async delete(_id: string, props: SshGitFilesOutputs) {
            const ours = (props.files ?? []).map((f) => f.path);
            if (ours.length > 0) {
                await commitChange(props, [], ours, hooks);
            }
        },

        async read(id: string, props: SshGitFilesOutputs) {
            // Refresh: our files as they are on the branch; a changed or removed file shows as drift.
            const paths = (props.files ?? []).map((f) => f.path);
            const now = await withSession(props.url, props, authorOf(props), (s) => readFiles(s, props.branch, paths));
            const files = digests(now.files);
            const unchanged = (f: FileDigest) => (props.files ?? []).some((o) => o.path === f.path && digestOf(o) === f.sha256);
            const commits = (props.commits ?? []).filter((c) => files.some((f) => f.path === c.path && unchanged(f)));
            return { id, props: { ...props, files, commits, headSha: now.headSha } };
        },
    };
}

export const sshGitFilesProvider = makeSshGitFilesProvider();
