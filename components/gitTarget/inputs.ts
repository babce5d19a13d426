// Inputs of SshGitFiles and their validation. Pure functions only: this module is serialized
// into Pulumi state with the dynamic provider, so it may use nothing but Node built-ins and the
// package's own pure modules.

import { sshUrlProblem } from "../config/sshUrl";
import { gzipBase64, sha256Hex, unpackText } from "../state/packedText";

/** A file as the program gives it and as git holds it. */
export interface GitFile {
    path: string;
    content: string;
}

/**
 * A file as the resource's inputs carry it: the state keeps the inputs, and Flux's
 * gotk-components.yaml is some 270-380 kB of text that gzip and base64 make about an eighth of that.
 */
export interface PackedFile {
    path: string;
    /** Hex SHA-256 of the UTF-8 content: what diff compares, as the gzip bytes may differ between zlib builds. */
    sha256: string;
    /** Base64 of the gzip of the UTF-8 content. */
    gzip: string;
}

/** A file as the resource's outputs record it: enough to remove it (delete) and to see drift (refresh). */
export interface FileDigest {
    path: string;
    sha256: string;
}

/** A file in stored outputs: a FileDigest, or {path, content} in a state written before digests. */
export type StoredFile = FileDigest | GitFile;

export interface FileCommit {
    path: string;
    commitSha: string;
}

export interface SshGitFilesInputs {
    url: string;
    branch: string;
    files: PackedFile[];
    privateKey: string;
    knownHosts: string;
    commitMessagePrefix: string;
    fluxVersion: string;
    authorName?: string;
    authorEmail?: string;
}

export interface SshGitFilesOutputs extends Omit<SshGitFilesInputs, "files"> {
    files: StoredFile[];
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

/** The program's side: a file as the inputs carry it (state/packedText.ts). */
export function packFile(f: GitFile): PackedFile {
    return { path: f.path, sha256: sha256Hex(f.content), gzip: gzipBase64(f.content) };
}

/** The content of a packed file, or why it cannot be trusted. */
function unpacked(f: PackedFile): { content: string } | { problem: string } {
    if (typeof f.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(f.sha256) || typeof f.gzip !== "string") {
        return { problem: `file "${f.path}" must carry sha256 (hex SHA-256 of its content) and gzip (base64 of its gzipped content)` };
    }
    const u = unpackText(f.gzip, f.sha256);
    if ("unzipError" in u) {
        return { problem: `file "${f.path}": its gzip does not unzip (${u.unzipError})` };
    }
    return "text" in u ? { content: u.text } : { problem: `file "${f.path}": its gzip unzips to content of sha256 ${u.actualSha256}, not the sha256 ${f.sha256} it carries` };
}

/** The provider's side: the files to write, each checked against its sha256. */
export function unpackFiles(files: PackedFile[]): GitFile[] {
    return files.map((f) => {
        const u = unpacked(f);
        if ("problem" in u) {
            throw new Error(u.problem);
        }
        return { path: f.path, content: u.content };
    });
}

/** The SHA-256 a file stands for, whichever form it is in; undefined for anything else (an unknown, at preview). */
export function digestOf(f: unknown): string | undefined {
    if (typeof f !== "object" || f === null) {
        return undefined;
    }
    const { sha256, content } = f as Partial<PackedFile & GitFile>;
    if (typeof sha256 === "string" && !isUnknown(sha256)) {
        return sha256;
    }
    return typeof content === "string" && !isUnknown(content) ? sha256Hex(content) : undefined;
}

/** What the outputs keep of the files: path and sha256, never the content. */
export function digests(files: (PackedFile | StoredFile)[]): FileDigest[] {
    return files.map((f) => ({ path: f.path, sha256: digestOf(f)! }));
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
        return ["files must list at least one {path, sha256, gzip}"];
    }
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const f of files as PackedFile[]) {
        if (isUnknown(f) || isUnknown(f?.path)) {
            continue;
        }
        if (typeof f !== "object" || f === null) {
            problems.push("each file must be an object {path, sha256, gzip}");
            continue;
        }
        const problem = filePathProblem(f.path);
        if (problem !== undefined) {
            problems.push(problem);
        } else if (seen.has(f.path)) {
            problems.push(`file path "${f.path}" is listed twice`);
        }
        seen.add(f.path);
        if (!isUnknown(f.sha256) && !isUnknown(f.gzip)) {
            const u = unpacked(f);
            if ("problem" in u) {
                problems.push(u.problem);
            }
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

/**
 * Same paths with the same content (by sha256) in the same order: nothing to do in the
 * repository. Either side may be inputs, outputs, or outputs of a state written before digests.
 */
export function sameFiles(a: (PackedFile | StoredFile)[] | undefined, b: (PackedFile | StoredFile)[] | undefined): boolean {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) {
        return false;
    }
    return a.every((f, i) => {
        const digest = digestOf(f);
        return digest !== undefined && f.path === b[i]?.path && digest === digestOf(b[i]);
    });
}
