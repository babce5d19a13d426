// Where the manifests go (docs/ARCHITECTURE.md step 7) and who registers the deploy key (step 1):
// one shape, one implementation per kind of git server. Modelled on Flux's own bootstrap
// (fluxcd/flux2 pkg/bootstrap): plain git can only push; a git provider with an API (GitHub) can
// also register the deploy key, an optional capability.
import * as pulumi from "@pulumi/pulumi";
import { FluxFile } from "../render/fluxManifests";
import { DeployKey } from "../keys/deployKey";

export interface CommittedFile {
    path: string;
    commitSha: string;
}

export interface CommittedFiles {
    /** The files, in commit order, with the commit that wrote each. */
    files: pulumi.Output<CommittedFile[]>;
    /** Complete once the last file is committed: the install waits for them. */
    resources: pulumi.Resource[];
}

export interface GitTarget {
    /**
     * Registers the public key with the server, read-only unless asked otherwise. Absent where the
     * server has no API for it: the user registers `deployKeyPublicKey` there, as with `flux bootstrap git`.
     */
    registerDeployKey?(key: DeployKey): pulumi.Resource;
    /** Commits the files one by one, in the given order, to the configured branch. */
    commitFiles(files: FluxFile[], key: DeployKey): CommittedFiles;
}
