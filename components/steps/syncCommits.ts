// Step 7: commit gotk-components.yaml, gotk-sync.yaml and kustomization.yaml, in that order,
// to clusters/<cluster>/flux-system — what `flux bootstrap` would push, with Welkin's patches.
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { WelkinFluxConfig } from "../config";
import { FluxManifests } from "../render/fluxManifests";

export function createSyncCommits(name: string, config: WelkinFluxConfig, manifests: FluxManifests, parent: pulumi.Resource): github.RepositoryFile[] {
    const commits: github.RepositoryFile[] = [];
    for (const f of manifests.files) {
        const base = f.path.split("/").pop()!.replace(/\.yaml$/, "");
        const previous = commits[commits.length - 1];
        commits.push(
            new github.RepositoryFile(
                `${name}-${base}`,
                {
                    repository: config.repository.name,
                    branch: config.repository.branch,
                    file: f.path,
                    content: f.content,
                    commitMessage: `${config.commitMessagePrefix}: ${f.path} (Flux ${config.fluxVersion})`,
                    // A re-install over files left by an earlier bootstrap takes them over instead of failing.
                    overwriteOnCreate: true,
                },
                { parent, dependsOn: previous === undefined ? [] : [previous] },
            ),
        );
    }
    return commits;
}
