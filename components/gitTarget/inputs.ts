// Inputs of SshGitFiles and their validation. Pure functions only: this module is serialized
// into Pulumi state with the dynamic provider, so it may use nothing but Node built-ins and the
// package's own pure modules.

import { sshUrlProblem } from "../config/sshUrl";

export interface GitFile {
    path: string;
    content: string;
}

export interface FileCommit {
    path: string;
    commitSha: string;
}

export interface SshGitFilesInputs {
    url: string;
    branch: string;
    files: GitFile[];
    privateKey: string;
    knownHosts: string;
    commitMessagePrefix: string;
    fluxVersion: string;
    authorName?: string;
    authorEmail?: string;
}

export interface SshGitFilesOutputs extends SshGitFilesInputs {
    commits: FileCommit[];
    headSha: string;
}

export const DEFAULT_AUTHOR_NAME = "welkin-flux";
export const DEFAULT_AUTHOR_EMAIL = "welkin-flux@users.noreply.github.com";

/** What the Node dynamic provider host puts for a value not known yet at preview (rpc.unknownValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(v: unknown): boolean {
    return v === UNKNOWN;
}

/** A branch name git accepts and that cannot be mistaken for an option. */
function branchProblem(branch: unknown): string | undefined {
    if (typeof branch !== "string" || branch === "") {
        return "branch is required";
    }
    const bad = branch.startsWith("-") || branch.startsWith("/") || branch.endsWith("/") || branch.endsWith(".lock") || branch.includes("..") || branch.includes("//") || branch.includes("@{");
    if (bad || !/^[A-Za-z0-9._/-]+$/.test(branch)) {
        return `branch "${branch}" is not a valid git branch name`;
    }
    return undefined;
}

/** A relative path inside the work tree: no absolute paths, no "..", nothing inside .git. */
function filePathProblem(p: unknown): string | undefined {
    if (typeof p !== "string" || p === "") {
        return "file path is required";
    }
    const parts = p.split("/");
    const unsafe = p.startsWith("/") || p.startsWith("-") || p.includes("\\") || p.includes("\0") || parts.some((s) => s === "" || s === "." || s === ".." || s.toLowerCase() === ".git");
    return unsafe ? `file path "${p}" must be a relative path inside the repository (no leading "/", no ".", ".." or ".git" segments)` : undefined;
}

function filesProblems(files: unknown): string[] {
    if (isUnknown(files)) {
        return [];
    }
    if (!Array.isArray(files) || files.length === 0) {
        return ["files must list at least one {path, content}"];
    }
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const f of files as GitFile[]) {
        if (isUnknown(f) || isUnknown(f?.path)) {
            continue;
        }
        const problem = filePathProblem(f?.path);
        if (problem !== undefined) {
            problems.push(problem);
        } else if (seen.has(f.path)) {
            problems.push(`file path "${f.path}" is listed twice`);
        }
        seen.add(f?.path);
        if (!isUnknown(f?.content) && typeof f?.content !== "string") {
            problems.push(`file "${f?.path}" has no text content`);
        }
    }
    return problems;
}

/** Every problem with the inputs, as (property, reason); values unknown at preview are not judged. */
export function inputProblems(p: Partial<SshGitFilesInputs>): { property: string; reason: string }[] {
    const out: { property: string; reason: string }[] = [];
    const add = (property: string, reason: string | undefined) => reason !== undefined && out.push({ property, reason });
    if (!isUnknown(p.url)) {
        add("url", sshUrlProblem(p.url));
    }
    if (!isUnknown(p.branch)) {
        add("branch", branchProblem(p.branch));
    }
    for (const reason of filesProblems(p.files)) {
        add("files", reason);
    }
    if (!isUnknown(p.privateKey) && (typeof p.privateKey !== "string" || !p.privateKey.includes("PRIVATE KEY"))) {
        add("privateKey", "privateKey must be an OpenSSH (or PEM) private key in text form");
    }
    if (!isUnknown(p.knownHosts) && (typeof p.knownHosts !== "string" || p.knownHosts.trim() === "")) {
        add("knownHosts", "knownHosts is required: the git server's host key line(s), as in ~/.ssh/known_hosts");
    }
    return out;
}

/** The commit message of one file, as the GitHub path of step 7 writes it. */
export function fileMessage(p: Pick<SshGitFilesInputs, "commitMessagePrefix" | "fluxVersion">, path: string): string {
    return `${p.commitMessagePrefix}: ${path} (Flux ${p.fluxVersion})`;
}

export function removeMessage(p: Pick<SshGitFilesInputs, "commitMessagePrefix" | "fluxVersion">, paths: string[]): string {
    return `${p.commitMessagePrefix}: remove ${paths.join(", ")} (Flux ${p.fluxVersion})`;
}

/** Same paths with the same content in the same order: nothing to do in the repository. */
export function sameFiles(a: GitFile[] | undefined, b: GitFile[] | undefined): boolean {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) {
        return false;
    }
    return a.every((f, i) => f.path === b[i].path && f.content === b[i].content);
}
