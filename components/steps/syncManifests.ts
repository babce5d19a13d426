// Step 7: the sync manifests committed to `clusters/<cluster>/flux-system/` of the repository, one
// commit per file in commit order, by the git target (gitTarget/: GitHub's API, or git over SSH).
import { StepContext } from "../context/stepContext";
import { CommittedFiles, GitTarget } from "../gitTarget/gitTarget";
import { DeployKey } from "../keys/deployKey";
import { filesInCommitOrder, FluxManifests } from "../render/fluxManifests";

export function commitSyncManifests(_ctx: StepContext, inputs: { target: GitTarget; manifests: FluxManifests; key: DeployKey }): { committed: CommittedFiles } {
    return { committed: inputs.target.commitFiles(filesInCommitOrder(inputs.manifests.files), inputs.key) };
}
