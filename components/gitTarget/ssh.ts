// The git target for any git server reached over SSH (`repository.url`: GitLab, Gitea,
// Bitbucket, self-hosted), as `flux bootstrap git` offers: the files are pushed with the system
// git by a dynamic provider (sshGitFiles.ts). Such servers have no API we can use to register the
// deploy key, so there is no registerDeployKey: the user registers `deployKeyPublicKey`.
import * as pulumi from "@pulumi/pulumi";
import { WelkinFluxConfig } from "../config";
import { childOptions, StepContext } from "../context/stepContext";
import { DeployKey } from "../keys/deployKey";
import { FluxFile } from "../render/fluxManifests";
import { CommittedFile, GitTarget } from "./gitTarget";
import { SshGitFiles } from "./sshGitFiles";

export function sshTarget(ctx: StepContext): GitTarget {
    const { name, config } = ctx;
    return {
        commitFiles(files: FluxFile[], key: DeployKey) {
            const committed = new SshGitFiles(
                `${name}-sync-files`,
                {
                    url: config.repository.url,
                    branch: config.repository.branch,
                    files,
                    // Validation made sure one of them may push.
                    privateKey: config.pushKey ?? key.privateKeyOpenssh,
                    knownHosts: config.knownHosts!,
                    commitMessagePrefix: config.commitMessagePrefix,
                    fluxVersion: config.fluxVersion,
                },
                childOptions(ctx, ...key.resources),
            );
            return { files: committedOrAsked(committed.commits, files), resources: [committed] };
        },
    };
}

/**
 * The commits the provider reports (one per file, or fewer after a refresh found files changed).
 * A unit test's mocks may report none at all (Pulumi's testing guide echoes the inputs, and
 * `commits` is not one): then each file we asked for, with commit "", so the output is always a list.
 */
function committedOrAsked(commits: pulumi.Output<CommittedFile[] | undefined>, files: FluxFile[]): pulumi.Output<CommittedFile[]> {
    return commits.apply((c) => (Array.isArray(c) ? c : files.map((f) => ({ path: f.path, commitSha: "" }))));
}

/**
 * What the preview tells the user on a server without a deploy-key API. The component cannot
 * know whether the key is registered there already (the sandbox's demo registers it, a GitLab
 * maintainer may have): so it says who registers it, not that nobody can.
 */
export function registrationNotice(config: WelkinFluxConfig, key: DeployKey, resource: pulumi.Resource): void {
    const pushes = config.pushKey === undefined ? ", and the manifests are pushed with it" : "";
    key.publicKeyOpenssh.apply((publicKey) =>
        pulumi.log.info(
            `this deploy key needs ${config.deployKey.readOnly ? "read" : "write"} access on ${config.repository.url} (Flux fetches with it${pushes}); ` +
                `welkin-flux has no API to register it on a server reached by URL, so whoever administers the repository there registers it, unless it already is: ${publicKey}`,
            resource,
        ),
    );
}
