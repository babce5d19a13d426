// Step 7: commit gotk-components.yaml, gotk-sync.yaml and kustomization.yaml, in that order,
// to clusters/<cluster>/flux-system — what `flux bootstrap` would push, with Welkin's patches.
import * as github from "@pulumi/github";
import { WelkinFluxConfig } from "../config";
import { ChildOptions, childOptions } from "./childOptions";
import { FluxManifests } from "../render/fluxManifests";

export function createSyncCommits(name: string, config: WelkinFluxConfig, manifests: FluxManifests, base: ChildOptions): github.RepositoryFile[] {
    const commits: github.RepositoryFile[] = [];
    for (const f of manifests.files) {
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
                    commitMessage: `${config.commitMessagePrefix}: ${f.path} (Flux ${config.fluxVersion})`,
                    // A re-install over files left by an earlier bootstrap takes them over instead of failing.
                    overwriteOnCreate: true,
                },
                previous === undefined ? childOptions(base) : childOptions(base, previous),
            ),
        );
    }
    return commits;
}
