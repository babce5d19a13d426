// The SSH git URL rule, shared by the settings (config/repository.ts) and the SSH git files'
// provider (gitTarget/inputs.ts). A module of its own, with no imports: the provider is serialized
// into the state with every module it reaches.

/** ssh://[user@]host[:port]/path or scp-like user@host:path — the forms git sends over SSH. */
export function sshUrlProblem(url: unknown): string | undefined {
    if (typeof url !== "string" || url === "") {
        return "url is required (ssh://git@host[:port]/owner/repo.git or git@host:owner/repo.git)";
    }
    // A leading "-" would be read by git or ssh as an option.
    if (url.startsWith("-") || /\s/.test(url)) {
        return `url "${url}" must not start with "-" or contain whitespace`;
    }
    if (/^ssh:\/\/([^@/\s]+@)?[^@/:\s]+(:\d+)?\/.+/.test(url)) {
        return undefined;
    }
    if (/^[^@/:\s]+@[^@/:\s]+:[^/].*/.test(url) || /^[^@/:\s]+@[^@/:\s]+:\/.+/.test(url)) {
        return undefined;
    }
    return `url "${url}" is not an SSH git URL: use ssh://git@host[:port]/owner/repo.git or git@host:owner/repo.git (https:// and local paths are not supported here)`;
}
