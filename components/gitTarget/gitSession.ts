// Running the system `git` against one SSH remote with the deploy key, in a throw-away work
// directory. Node built-ins only: this module is serialized into Pulumi state with the provider.
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

interface GitCredentials {
    privateKey: string;
    knownHosts: string;
}

export interface GitAuthor {
    name: string;
    email: string;
}

export interface GitSession {
    url: string;
    /** Temp root holding ssh/ (key, known_hosts) and work/ (the repository); removed by closeSession. */
    root: string;
    work: string;
    /** The private key's file, 0600, for naming the key (fingerprint, comment) in errors. */
    keyFile: string;
    env: NodeJS.ProcessEnv;
    /** Texts that must never appear in an error message (the key and its lines). */
    secrets: string[];
}

interface RunResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Quote for the shell git uses to run GIT_SSH_COMMAND (temp dirs may contain spaces). */
function shellQuote(s: string): string {
    return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The key's text and each of its base64 lines, so no fragment of it survives in an error. */
function secretFragments(privateKey: string): string[] {
    const lines = privateKey.split(/\r?\n/).filter((l) => l.length >= 16 && !l.startsWith("-----"));
    return [privateKey.trim(), ...lines].filter((s) => s !== "");
}

function scrub(text: string, secrets: string[]): string {
    let out = text;
    for (const s of secrets) {
        out = out.split(s).join("[redacted]");
    }
    return out;
}

/**
 * Only the given key and known_hosts: no agent, no ~/.ssh/known_hosts, no prompts. A host not in
 * knownHosts fails instead of being trusted on first use.
 */
function sshCommand(keyFile: string, knownHostsFile: string): string {
    return [
        "ssh",
        `-i ${shellQuote(keyFile)}`,
        "-o IdentitiesOnly=yes",
        "-o IdentityAgent=none",
        `-o UserKnownHostsFile=${shellQuote(knownHostsFile)}`,
        "-o GlobalKnownHostsFile=/dev/null",
        "-o StrictHostKeyChecking=yes",
        "-o BatchMode=yes",
        "-o ConnectTimeout=30",
    ].join(" ");
}

/** Author and committer from the environment, and no global/system git config, so nothing on the machine is needed or can interfere. */
function gitEnv(keyFile: string, knownHostsFile: string, author: GitAuthor): NodeJS.ProcessEnv {
    return {
        ...process.env,
        GIT_SSH_COMMAND: sshCommand(keyFile, knownHostsFile),
        GIT_SSH_VARIANT: "ssh",
        GIT_TERMINAL_PROMPT: "0",
        GIT_ASKPASS: "",
        SSH_ASKPASS: "",
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_CONFIG_GLOBAL: os.devNull,
        // Our paths are file names, never globs.
        GIT_LITERAL_PATHSPECS: "1",
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_COMMITTER_NAME: author.name,
        GIT_COMMITTER_EMAIL: author.email,
        LC_ALL: "C",
    };
}

/** A temp root with the key (0600) and known_hosts; the caller must closeSession in a finally. */
function openSession(url: string, creds: GitCredentials, author: GitAuthor): GitSession {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-flux-git-"));
    const sshDir = path.join(root, "ssh");
    const work = path.join(root, "work");
    fs.mkdirSync(sshDir, { mode: 0o700 });
    fs.mkdirSync(work);
    const keyFile = path.join(sshDir, "identity");
    const knownHostsFile = path.join(sshDir, "known_hosts");
    // ssh rejects a key file without the final newline ("invalid format").
    const key = creds.privateKey.endsWith("\n") ? creds.privateKey : `${creds.privateKey}\n`;
    fs.writeFileSync(keyFile, key, { mode: 0o600 });
    fs.writeFileSync(knownHostsFile, creds.knownHosts.endsWith("\n") ? creds.knownHosts : `${creds.knownHosts}\n`, { mode: 0o600 });
    return { url, root, work, keyFile, env: gitEnv(keyFile, knownHostsFile, author), secrets: secretFragments(creds.privateKey) };
}

function closeSession(s: GitSession): void {
    fs.rmSync(s.root, { recursive: true, force: true });
}

/** Runs a command without a shell; output collected (large files are read through `git show`). */
export function run(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
    return new Promise((resolve) => {
        const child = childProcess.spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (d: Buffer) => out.push(d));
        child.stderr.on("data", (d: Buffer) => err.push(d));
        child.on("error", (e) => resolve({ code: 127, stdout: "", stderr: `${command}: ${e.message}` }));
        child.on("close", (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
    });
}

/** What a failure message can name besides the repository. */
export interface FailureContext {
    /** The branch we pushed to. */
    branch?: string;
    /** The key as `ssh-keygen -l` shows it: its SHA256 fingerprint, comment and type. */
    key?: string;
}

const PUBLICKEY_REFUSED = /Permission denied \(publickey/i;
// Failures before the server took any git command: nothing can have been pushed.
const UNREACHABLE = /Could not resolve hostname|Connection refused|Connection timed out|No route to host|Network is unreachable|kex_exchange_identification/i;

/** "host port N" from the URL (ssh:// with or without a port, or scp-like, port 22). */
function hostAndPort(url: string): string {
    const full = url.match(/^ssh:\/\/(?:[^@/]+@)?([^@/:]+)(?::(\d+))?\//);
    if (full !== null) {
        return `${full[1]} port ${full[2] ?? "22"}`;
    }
    const scp = url.match(/^(?:[^@/:]+@)?([^@/:]+):/);
    return scp !== null ? `${scp[1]} port 22` : url;
}

/** Where and why the connection failed: ssh's own "connect to host H port N: reason" (it may differ from the URL through ssh config), else the URL's host and port. */
function unreachableServer(url: string, output: string): string | undefined {
    const reason = output.match(UNREACHABLE);
    if (reason === null) {
        return undefined;
    }
    const connect = output.match(/connect to host (\S+) port (\d+): ([^\r\n]+)/);
    return connect !== null ? `${connect[1]} port ${connect[2]} (${connect[3].trim()})` : `${hostAndPort(url)} (${reason[0]})`;
}

/**
 * A ref update the server itself refused for a hook or a protection rule, as GitHub ("protected
 * branch hook declined"), GitLab, Gitea and Bitbucket ("pre-receive hook declined") and a plain
 * `update` hook ("hook declined") report it: its reason, else undefined.
 */
function refusedByServer(output: string): string | undefined {
    const m = output.match(/\[remote rejected\][^\n]*\(([^)\n]*(?:hook declined|protected)[^)\n]*)\)/i);
    return m?.[1];
}

/**
 * A git failure in words a user can act on, naming the repository: a wrong or unregistered key
 * (named by fingerprint), a host key missing from knownHosts, a server that cannot be reached
 * (named by host and port), a branch the server refuses to let us push to. What git and the
 * server said is kept at the end.
 */
export function explainGitFailure(url: string, action: string, output: string, context: FailureContext = {}): string {
    const said = output.trim().replace(/\r/g, "").replace(/\n+/g, " | ");
    if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i.test(output)) {
        return `${action} ${url} failed: host key verification failed: the git server's host key is not in knownHosts ` + `(for a non-default port the line starts with "[host]:port"; get it with ssh-keyscan and check its fingerprint). git said: ${said}`;
    }
    if (PUBLICKEY_REFUSED.test(output)) {
        const key = context.key !== undefined ? `the key ${context.key}` : "the key";
        const write = action.startsWith("push") ? " with write access" : "";
        return (
            `${action} ${url} failed: the git server refused the SSH key (Permission denied (publickey)): ${key} is not registered there, or no longer is. ` +
            `Register its public key on the repository${write} (the deployKeyPublicKey output, unless you push with your own key: repository.pushKey, setting gitPushKey), ` +
            `or rotate it (deployKey.rotation, setting deployKeyRotation; or a new push key) and register the new one. git said: ${said}`
        );
    }
    const unreachable = unreachableServer(url, output);
    if (unreachable !== undefined) {
        return (
            `${action} ${url} failed: cannot reach the git server at ${unreachable}. Nothing was pushed. Once the server is reachable, ` +
            `re-running \`pulumi up\` retries (or the destroy or refresh that failed), starting again from the branch's head. git said: ${said}`
        );
    }
    const refused = refusedByServer(output);
    if (refused !== undefined) {
        const branch = context.branch ?? output.match(/refs\/heads\/([^\s'"]+)/)?.[1] ?? "?";
        return (
            `${action} ${url} failed: the server refused to update branch "${branch}" (${refused}): the branch is protected, or a server hook refuses this key's pushes to it. ` +
            `The branch was not changed. Allow the key to push there (write access for the deploy key, and a branch protection rule that lets the key push, ` +
            `e.g. as an allowed actor or a bypass), or point \`repository.branch\` (setting githubBranch) at a branch the key may push to. git and the server said: ${said}`
        );
    }
    if (/does not appear to be a git repository|repository not found|not a git repository/i.test(output)) {
        return `${action} ${url} failed: no such repository on the server (check the path and that the key has access). git said: ${said}`;
    }
    return `${action} ${url} failed. git said: ${said}`;
}

/** The key as `ssh-keygen -l` names it ("SHA256:... comment (ED25519)"); undefined when it cannot read it. */
function keyLabel(s: GitSession): string | undefined {
    const r = childProcess.spawnSync("ssh-keygen", ["-l", "-E", "sha256", "-f", s.keyFile], { encoding: "utf8", env: s.env, stdio: ["ignore", "pipe", "pipe"], timeout: 10_000 });
    const m = r.status === 0 ? r.stdout.trim().match(/^\d+ (SHA256:\S+) (.*) \((\S+)\)$/) : null;
    if (m === null) {
        return undefined;
    }
    return m[2] === "no comment" || m[2] === "" ? `${m[1]} (${m[3]})` : `${m[1]} "${m[2]}" (${m[3]})`;
}

/** explainGitFailure for a command of this session, naming its key when the server refused it. */
export function explainSessionFailure(s: GitSession, action: string, output: string, branch?: string): string {
    const key = PUBLICKEY_REFUSED.test(output) ? keyLabel(s) : undefined;
    return explainGitFailure(s.url, action, output, { branch, key });
}

/** git in the session's work tree; a failure throws the explained message unless allowFail. */
export async function git(s: GitSession, args: string[], opts: { allowFail?: boolean; action?: string } = {}): Promise<RunResult> {
    const r = await run("git", args, { cwd: s.work, env: s.env });
    const clean = { code: r.code, stdout: scrub(r.stdout, s.secrets), stderr: scrub(r.stderr, s.secrets) };
    if (clean.code !== 0 && !opts.allowFail) {
        throw new Error(explainSessionFailure(s, opts.action ?? `git ${args[0]} in`, `${clean.stderr}\n${clean.stdout}`));
    }
    return clean;
}

/** Opens a session, runs fn and always removes the key and work tree. */
export async function withSession<T>(url: string, creds: GitCredentials, author: GitAuthor, fn: (s: GitSession) => Promise<T>): Promise<T> {
    const s = openSession(url, creds, author);
    try {
        await git(s, ["init", "-q"]);
        await git(s, ["remote", "add", "origin", url]);
        return await fn(s);
    } catch (e) {
        // Last line of defence: no fragment of the key leaves through an error.
        const message = scrub(e instanceof Error ? e.message : String(e), s.secrets);
        throw new Error(message);
    } finally {
        closeSession(s);
    }
}

/** Which of the commands the provider needs are missing, with the fix. */
export function missingTools(): string[] {
    const probes: [string, string[]][] = [
        ["git", ["--version"]],
        ["ssh", ["-V"]],
    ];
    const missing: string[] = [];
    for (const [cmd, args] of probes) {
        const r = childProcess.spawnSync(cmd, args, { stdio: "ignore", env: process.env });
        if (r.error !== undefined || r.status !== 0) {
            const why = r.error !== undefined ? r.error.message : `exit status ${r.status}`;
            missing.push(`\`${cmd} ${args.join(" ")}\` failed (${why}): ${cmd} is needed to commit to an SSH git server; ` + `install it, e.g. \`apt-get install git openssh-client\`, and make sure it is on PATH`);
        }
    }
    return missing;
}
