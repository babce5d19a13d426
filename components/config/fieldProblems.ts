// The field rules of the settings: each returns the problems it finds (or []) as messages naming
// the field, the value and the fix.
import { DEFAULT_BRANCH, DEFAULT_SYNC_INTERVAL } from "./defaults";
import { FLUX_DURATION_PATTERN, parseGoDuration } from "./goDuration";

export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
export const GITHUB_REPOSITORY = /^[A-Za-z0-9._-]{1,100}$/;
/** A host name with an optional port, as it stands after `git@` in an SSH URL (no scheme, user or path). */
export const SSH_HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$/;
export const PATH_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
// An image repository prefix: host[:port][/path], no scheme, tag or digest.
export const REGISTRY = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

/** A value as it appears in messages. */
export function q(value: unknown): string {
    return JSON.stringify(value) ?? String(value);
}

/** Problems with a Kubernetes namespace name, or [] when it is fine. */
export function namespaceNameProblems(field: string, value: unknown): string[] {
    if (typeof value !== "string" || value === "") {
        return [`${field} must be a non-empty namespace name; got ${q(value)}.`];
    }
    if (value.length > 63 || !DNS1123_LABEL.test(value)) {
        return [
            `${field} ${q(value)} is not a valid namespace name: use at most 63 lowercase letters, digits ` +
                `and '-', starting and ending with a letter or digit (for example "production").`,
        ];
    }
    return [];
}

/** Problems with a branch name under git's ref-name rules (git check-ref-format), or []. */
export function branchNameProblems(field: string, value: unknown): string[] {
    if (typeof value !== "string" || value === "") {
        return [`${field} must be a non-empty git branch name; got ${q(value)}. Leave it unset for "${DEFAULT_BRANCH}".`];
    }
    if (value.length > 255) {
        return [`${field} is ${value.length} characters long: git refs longer than 255 characters fail on most file systems; use a shorter branch name.`];
    }
    const bad =
        value.startsWith("-") ||
        value.startsWith("/") ||
        value.endsWith("/") ||
        value.endsWith(".") ||
        value.endsWith(".lock") ||
        value === "@" ||
        value.includes("..") ||
        value.includes("//") ||
        value.includes("@{") ||
        value.split("/").some((c) => c.startsWith(".")) ||
        // eslint-disable-next-line no-control-regex
        /[\x00-\x20\x7f~^:?*[\\]/.test(value);
    if (bad) {
        return [
            `${field} ${q(value)} is not a valid git branch name (see git check-ref-format): no spaces, ` +
                `'..', '~', '^', ':', '?', '*', '[', '\\', no leading '-' or '/', no trailing '/', '.' or '.lock'.`,
        ];
    }
    return [];
}

/** Problems with an interval as the Flux CRDs accept it, or []. */
export function intervalProblems(field: string, value: unknown): string[] {
    if (typeof value !== "string" || !FLUX_DURATION_PATTERN.test(value)) {
        return [
            `${field} ${q(value)} is not a Flux interval: use a Go duration made of numbers with ` +
                `the units ms, s, m or h, such as "1m", "30s" or "1h30m".`,
        ];
    }
    const nanos = parseGoDuration(value);
    if (nanos === undefined || nanos < 1_000_000_000n) {
        return [`${field} ${q(value)} is shorter than one second: Flux would hammer the git server; use at least "1s" (default "${DEFAULT_SYNC_INTERVAL}").`];
    }
    return [];
}

/** Problems with a known_hosts text given as a plain string, or []. */
export function knownHostsProblems(field: string, value: unknown): string[] {
    if (typeof value !== "string") {
        return [`${field} must be the text of a known_hosts file; got ${q(value)}.`];
    }
    const entries = value
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "" && !l.startsWith("#"));
    if (entries.length === 0) {
        return [`${field} has no host key lines; leave it unset for github.com's published keys, or give lines like "github.com ssh-ed25519 AAAA...".`];
    }
    const bad = entries.filter((l) => {
        const fields = l.split(/\s+/);
        const offset = fields[0].startsWith("@") ? 1 : 0; // @cert-authority / @revoked markers
        return fields.length < 3 + offset || !/^(ssh-|ecdsa-|sk-)/.test(fields[1 + offset]);
    });
    if (bad.length > 0) {
        return [`${field} line ${q(bad[0])} is not a known_hosts entry: expected "<host> <key-type> <base64-key>", e.g. "github.com ssh-ed25519 AAAA...".`];
    }
    return [];
}
