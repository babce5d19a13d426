// The GitHub git target: the deploy key through GitHub's API (github.RepositoryDeployKey) and one
// commit per file through its contents API (github.RepositoryFile), chained to keep the order.
import type * as githubSdk from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { WelkinFluxConfig } from "../config";
import { childOptions, StepContext } from "../context/stepContext";
import { DeployKey } from "../keys/deployKey";
import { FluxFile } from "../render/fluxManifests";
import { CommittedFiles, GitTarget } from "./gitTarget";
import { fileMessage } from "./inputs";

/**
 * @pulumi/github, loaded when a GitHub target is built: the SDK takes about 0.3 s of every
 * preview and up to load, which a repository on another git server need not pay.
 */
function github(): typeof githubSdk {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("@pulumi/github") as typeof githubSdk;
}

/**
 * The repository's name, once GitHub has confirmed that the github provider reaches
 * `<owner>/<name>`. RepositoryFile and RepositoryDeployKey take only the name: the owner is the
 * provider's (its `owner`, `GITHUB_OWNER`, or the token's user), so a provider for another owner
 * would commit and register the key elsewhere while Flux fetches from `repository.owner`. The
 * check reads the repository through the same provider (and `baseUrl`) as the writes, at
 * preview, and everything written to GitHub waits for it.
 */
export function confirmedRepositoryName(config: WelkinFluxConfig, parent: pulumi.Resource): pulumi.Output<string> {
    const { owner, name } = config.repository;
    const read = github().getRepository({ name }, { parent }).then(
        (found) => {
            // A mock that echoes its inputs gives no fullName: nothing to compare.
            if (typeof found.fullName === "string" && found.fullName.toLowerCase() !== `${owner}/${name}`.toLowerCase()) {
                throw new Error(ownerMismatch(owner!, name, found.fullName));
            }
            return name;
        },
        (e: unknown) => {
            throw new Error(unreadable(owner!, name, e));
        },
    );
    return pulumi.output(read);
}

function ownerMismatch(owner: string, name: string, found: string): string {
    const providerOwner = found.split("/")[0];
    return (
        `WelkinFlux: the github provider would write to ${found}, but repository.owner is "${owner}" and Flux would fetch ${owner}/${name}. ` +
        `The provider's owner is "${providerOwner}" (its owner argument, GITHUB_OWNER, or the token's user). Give the component a provider ` +
        `for "${owner}" (providers: { github: new github.Provider("github", { owner: "${owner}" }) }), or set repository.owner to ` +
        `"${providerOwner}". Nothing was written to GitHub.`
    );
}

function unreadable(owner: string, name: string, e: unknown): string {
    const reason = (e instanceof Error ? e.message : String(e)).trim() || "GitHub gave no reason";
    return (
        `WelkinFlux: the github provider cannot read the repository "${name}" under its owner (${reason}). repository.owner is "${owner}": ` +
        `the provider must be configured for that owner (github.Provider { owner: "${owner}" } in providers.github, or GITHUB_OWNER for the ` +
        `default provider), reach the right server (baseUrl for GitHub Enterprise), and hold a token that can read ${owner}/${name} ` +
        `(README: Troubleshooting, "GitHub"). Nothing was written to GitHub.`
    );
}

function registerDeployKey(ctx: StepContext, key: DeployKey, repository: pulumi.Output<string>): githubSdk.RepositoryDeployKey {
    const { name, config } = ctx;
    const { RepositoryDeployKey } = github();
    return new RepositoryDeployKey(
        `${name}-deploy-key`,
        { repository, title: config.deployKey.title, key: key.publicKeyOpenssh, readOnly: config.deployKey.readOnly },
        childOptions(ctx, ...key.resources),
    );
}

function commitFiles(ctx: StepContext, files: FluxFile[], repository: pulumi.Output<string>): CommittedFiles {
    const { name, config } = ctx;
    const { RepositoryFile } = github();
    const commits: githubSdk.RepositoryFile[] = [];
    for (const f of files) {
        const stem = f.path.split("/").pop()!.replace(/\.yaml$/, "");
        const previous = commits[commits.length - 1];
        commits.push(
            new RepositoryFile(
                `${name}-${stem}`,
                {
                    repository,
                    branch: config.repository.branch,
                    file: f.path,
                    content: f.content,
                    commitMessage: fileMessage(config, f.path),
                    // A re-install over files left by an earlier bootstrap takes them over instead of failing.
                    overwriteOnCreate: true,
                },
                previous === undefined ? childOptions(ctx) : childOptions(ctx, previous),
            ),
        );
    }
    return {
        // The paths are our own inputs (GitHub stores each as given); each commit is GitHub's, or ""
        // where a unit test's mocks give none (Pulumi's testing guide echoes the inputs).
        files: pulumi.all(commits.map((c) => c.commitSha)).apply((shas) => files.map((f, i) => ({ path: f.path, commitSha: shas[i] ?? "" }))),
        resources: commits.slice(-1),
    };
}

export function githubTarget(ctx: StepContext): GitTarget {
    const repository = confirmedRepositoryName(ctx.config, ctx.parent);
    return {
        registerDeployKey: (key) => registerDeployKey(ctx, key, repository),
        commitFiles: (files) => commitFiles(ctx, files, repository),
    };
}
