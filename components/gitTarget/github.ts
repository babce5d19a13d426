// The GitHub git target: the deploy key through GitHub's API (github.RepositoryDeployKey) and one
// commit per file through its contents API (github.RepositoryFile), chained to keep the order.
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { WelkinFluxConfig } from "../config";
import { FluxFile } from "../render/fluxManifests";
import { ChildOptions, childOptions } from "../steps/childOptions";
import { DeployKey } from "../steps/deployKey";
import { CommittedFiles, GitTarget } from "./gitTarget";
import { fileMessage } from "./inputs";

function registerDeployKey(name: string, config: WelkinFluxConfig, base: ChildOptions, key: DeployKey): github.RepositoryDeployKey {
    return new github.RepositoryDeployKey(
        `${name}-deploy-key`,
        { repository: config.repository.name, title: config.deployKey.title, key: key.publicKeyOpenssh, readOnly: config.deployKey.readOnly },
        childOptions(base, ...key.resources),
    );
}

function commitFiles(name: string, config: WelkinFluxConfig, base: ChildOptions, files: FluxFile[]): CommittedFiles {
    const commits: github.RepositoryFile[] = [];
    for (const f of files) {
        const stem = f.path.split("/").pop()!.replace(/\.yaml$/, "");
        const previous = commits[commits.length - 1];
        commits.push(
            new github.RepositoryFile(
                `${name}-${stem}`,
                {
                    repository: config.repository.name,
                    branch: config.repository.branch,
                    file: f.path,
                    content: f.content,
                    commitMessage: fileMessage(config, f.path),
                    // A re-install over files left by an earlier bootstrap takes them over instead of failing.
                    overwriteOnCreate: true,
                },
                previous === undefined ? childOptions(base) : childOptions(base, previous),
            ),
        );
    }
    return {
        files: pulumi.all(commits.map((c) => pulumi.all([c.file, c.commitSha]))).apply((pairs) => pairs.map(([path, commitSha]) => ({ path, commitSha }))),
        resources: commits.slice(-1),
    };
}

export function githubTarget(name: string, config: WelkinFluxConfig, base: ChildOptions): GitTarget {
    return {
        registerDeployKey: (key) => registerDeployKey(name, config, base, key),
        commitFiles: (files) => commitFiles(name, config, base, files),
    };
}
