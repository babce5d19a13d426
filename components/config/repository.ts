// The cluster's folder and the repository Flux syncs from (docs/ARCHITECTURE.md steps 6 and 7):
// where the manifests are committed and how the Flux objects are named.
import * as pulumi from "@pulumi/pulumi";
import { RepositoryArgs } from "../args";
import { DEFAULT_BRANCH, DEFAULT_GITHUB_HOST, FLUX_NAMESPACE } from "./defaults";
import { branchNameProblems, knownHostsProblems, DNS1123_LABEL, GITHUB_OWNER, GITHUB_REPOSITORY, PATH_SEGMENT, q, SSH_HOST } from "./fieldProblems";
import { sshUrlProblem } from "./sshUrl";
import { ownKeyProblems } from "../keys/ownKey";
import { asSecret, Resolved } from "./resolved";

export interface ClusterConfig {
    clusterName: string;
    /** `clusters/<clusterName>/flux-system`, relative to the repository root. */
    syncPath: string;
}

/** Where the manifests go: GitHub through its API, or any git server over SSH (`repository.url`). */
type GitServerKind = "github" | "ssh";

export interface RepositoryConfig {
    /** `url` is what gotk-sync.yaml's GitRepository fetches, as `flux create source git --url` takes it. */
    repository: { owner?: string; name: string; branch: string; url: string; githubHost?: string };
    gitServer: GitServerKind;
    /** With `repository.url`: the key the files are pushed with, when it is not the deploy key. */
    pushKey?: pulumi.Input<string>;
    knownHosts?: pulumi.Input<string>;
    commitMessagePrefix: string;
    /** Names of the Flux objects, following `flux create source git <repo>-repo ... --secret-ref=<repo>-auth`. */
    names: { gitRepository: string; kustomization: string; gitSecret: string };
}

export function resolveCluster(clusterName: unknown): Resolved<ClusterConfig> {
    const problems: string[] = [];
    if (typeof clusterName !== "string" || clusterName === "") {
        problems.push(`clusterName is required: the manifests are committed under clusters/<clusterName>/flux-system (for example clusterName: "dev").`);
    } else if (!PATH_SEGMENT.test(clusterName)) {
        problems.push(
            `clusterName ${q(clusterName)} is not a safe path segment for clusters/<clusterName>/flux-system: use at most 63 ` +
                `letters, digits, '.', '_' or '-', starting with a letter or digit, and no '/' (for example "welkin-dev").`,
        );
    }
    return { value: { clusterName: clusterName as string, syncPath: `clusters/${clusterName}/${FLUX_NAMESPACE}` }, problems };
}

function ownerProblems(owner: unknown): string[] {
    if (typeof owner !== "string" || owner === "") {
        return [`repository.owner is required: the GitHub user or organisation that owns the repository.`];
    }
    if (!GITHUB_OWNER.test(owner)) {
        return [
            `repository.owner ${q(owner)} is not a GitHub user or organisation name: use at most 39 letters, ` +
                `digits and single '-' between them (for example "my-org").`,
        ];
    }
    return [];
}

function nameProblems(name: unknown): string[] {
    if (typeof name !== "string" || name === "") {
        return [`repository.name is required: the GitHub repository Flux syncs from, without ".git".`];
    }
    if (!GITHUB_REPOSITORY.test(name) || name === "." || name === ".." || name.endsWith(".git")) {
        return [
            `repository.name ${q(name)} is not a GitHub repository name: use letters, digits, '.', '_' and '-', ` +
                `without a ".git" suffix (for example "fleet-infra").`,
        ];
    }
    if (!DNS1123_LABEL.test(name) || `${name}-repo`.length > 63) {
        return [
            `repository.name ${q(name)} cannot name the Flux objects "${name}-repo" and "${name}-auth": ` +
                `they must be lowercase letters, digits and '-' (at most 58 characters before the suffix). ` +
                `Use a repository whose name fits, or rename it.`,
        ];
    }
    return [];
}

/** The repository name a URL ends with: `ssh://host/team/fleet.git` → `fleet`. */
function repositoryNameFromUrl(url: string): string {
    const path = url.replace(/^ssh:\/\/[^/]+/, "").replace(/^[^@/:]+@[^:]+:/, "");
    return path.replace(/\/+$/, "").split("/").pop()!.replace(/\.git$/, "");
}

function objectNameProblems(name: string, from: string): string[] {
    if (!DNS1123_LABEL.test(name) || `${name}-repo`.length > 63) {
        return [
            `${from} ${q(name)} cannot name the Flux objects "${name}-repo" and "${name}-auth": they must be lowercase ` +
                `letters, digits and '-' (at most 58 characters before the suffix). Set repository.name to a name that fits.`,
        ];
    }
    return [];
}

function keyTextProblems(field: string, key: unknown): string[] {
    if (key === undefined || pulumi.Output.isInstance(key) || key instanceof Promise) {
        return [];
    }
    return ownKeyProblems(key).map((m) => m.split("deployKey.privateKey").join(field));
}

/** GitHub's fields beside `url` would be dropped silently: name what was given and let the user choose. */
function githubFieldsBesideUrlProblems(repo: Partial<RepositoryArgs>): string[] {
    return (["owner", "githubHost"] as const)
        .filter((field) => repo[field] !== undefined)
        .map(
            (field) =>
                `repository.${field} ${q(repo[field])} and repository.url ${q(repo.url)} were both given: ${field} is only for GitHub, ` +
                `where the component builds the URL itself. Remove ${field} to use the URL on any git server, or remove url to use GitHub.`,
        );
}

/** `repository.url`: any git server over SSH; the name, known_hosts and a push key follow from it. */
function sshRepositoryProblems(repo: Partial<RepositoryArgs>, knownHosts: unknown): string[] {
    const problems: string[] = [...githubFieldsBesideUrlProblems(repo)];
    const urlProblem = sshUrlProblem(repo.url);
    if (urlProblem !== undefined) {
        return [...problems, `repository.${urlProblem}.`];
    }
    if (repo.name !== undefined) {
        problems.push(...(typeof repo.name === "string" && repo.name !== "" ? objectNameProblems(repo.name, "repository.name") : [`repository.name must be a non-empty string; got ${q(repo.name)}.`]));
    } else {
        problems.push(...objectNameProblems(repositoryNameFromUrl(repo.url!), "the name at the end of repository.url,"));
    }
    if (knownHosts === undefined) {
        problems.push(
            `knownHosts is required with repository.url: give the git server's host key lines (as in ~/.ssh/known_hosts, ` +
                `e.g. "[git.example.com]:2222 ssh-ed25519 AAAA..."), checked against what the server's administrator publishes.`,
        );
    }
    problems.push(...keyTextProblems("repository.pushKey", repo.pushKey));
    return problems;
}

/** A GitHub Enterprise Server has its own host keys: github.com's published ones cannot verify it. */
function githubHostProblems(host: unknown, knownHosts: unknown): string[] {
    if (host === undefined) {
        return [];
    }
    if (typeof host !== "string" || !SSH_HOST.test(host)) {
        return [
            `repository.githubHost ${q(host)} is not a host name: give the GitHub server's SSH host as it stands after "git@" in a clone URL, ` +
                `lowercase, optionally with a port (for example "github.example.com" or "github.example.com:2222"), without https:// or a path.`,
        ];
    }
    if (host !== DEFAULT_GITHUB_HOST && knownHosts === undefined) {
        const [hostname, port] = host.split(":");
        return [
            `knownHosts is required with repository.githubHost ${q(host)}: the default is github.com's published host keys, which cannot ` +
                `verify another server. Give that server's host key lines (e.g. from \`ssh-keyscan ${port ? `-p ${port} ` : ""}${hostname}\`, ` +
                `checked against the fingerprints its administrator publishes).`,
        ];
    }
    return [];
}

function githubRepositoryProblems(repo: Partial<RepositoryArgs>, knownHosts: unknown): string[] {
    const problems = [...ownerProblems(repo.owner), ...nameProblems(repo.name), ...githubHostProblems(repo.githubHost, knownHosts)];
    if (repo.pushKey !== undefined) {
        problems.push(`repository.pushKey is only used with repository.url; on GitHub the files are committed through its API. Remove pushKey.`);
    }
    return problems;
}

function commitMessagePrefixProblems(prefix: unknown): string[] {
    if (typeof prefix !== "string" || prefix.trim() === "" || prefix.includes("\n") || prefix.length > 200) {
        return [`commitMessagePrefix ${typeof prefix === "string" && prefix.length > 200 ? `(${prefix.length} characters)` : q(prefix)} must be a non-empty single line of at most 200 characters.`];
    }
    return [];
}

function knownHostsArgProblems(knownHosts: unknown): string[] {
    // An Output or a promise is known only at deployment; the Secret then carries whatever it is.
    if (knownHosts === undefined || pulumi.Output.isInstance(knownHosts) || knownHosts instanceof Promise) {
        return [];
    }
    return knownHostsProblems("knownHosts", knownHosts);
}

export function resolveRepository(repository: unknown, knownHosts: unknown, commitMessagePrefix: unknown): Resolved<RepositoryConfig> {
    const problems: string[] = [];
    const repo = (repository ?? {}) as Partial<RepositoryArgs>;
    const gitServer: GitServerKind = repo.url !== undefined ? "ssh" : "github";
    if (repository === undefined || repository === null || typeof repository !== "object") {
        problems.push(`repository is required: { owner: "<GitHub user or organisation>", name: "<repository>", branch?: "main" }.`);
    } else {
        problems.push(...(gitServer === "ssh" ? sshRepositoryProblems(repo, knownHosts) : githubRepositoryProblems(repo, knownHosts)));
        if (repo.branch !== undefined) {
            problems.push(...branchNameProblems("repository.branch", repo.branch));
        }
    }
    problems.push(...knownHostsArgProblems(knownHosts));
    const prefix = commitMessagePrefix ?? "welkin-flux";
    problems.push(...commitMessagePrefixProblems(prefix));
    const name = (repo.name ?? (gitServer === "ssh" && typeof repo.url === "string" ? repositoryNameFromUrl(repo.url) : undefined)) as string;
    // gotk-sync.yaml carries the URL exactly as `flux create source git --url=...` would.
    const githubHost = gitServer === "github" ? (repo.githubHost ?? DEFAULT_GITHUB_HOST) : undefined;
    const url = gitServer === "ssh" ? (repo.url as string) : `ssh://git@${githubHost}/${repo.owner}/${name}.git`;
    return {
        value: {
            repository: { owner: repo.owner, name, branch: repo.branch ?? DEFAULT_BRANCH, url, ...(githubHost === undefined ? {} : { githubHost }) },
            gitServer,
            pushKey: asSecret(repo.pushKey),
            knownHosts: knownHosts as pulumi.Input<string> | undefined,
            commitMessagePrefix: prefix as string,
            names: { gitRepository: `${name}-repo`, kustomization: `${name}-repo`, gitSecret: `${name}-auth` },
        },
        problems,
    };
}
