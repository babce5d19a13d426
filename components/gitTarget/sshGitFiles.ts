// SshGitFiles: our files on a branch of a git server reached over SSH (docs/ARCHITECTURE.md
// step 7 on a server other than GitHub); its provider is sshGitFilesProvider.ts.
import * as pulumi from "@pulumi/pulumi";
import { FileCommit, FileDigest, GitFile, PackedFile, packFile } from "./inputs";
import { sshGitFilesProvider } from "./sshGitFilesProvider";

interface SshGitFilesArgs {
    /** ssh://git@host[:port]/owner/repo.git or git@host:owner/repo.git */
    url: pulumi.Input<string>;
    branch: pulumi.Input<string>;
    /** Committed in this order, one commit per file. */
    files: pulumi.Input<pulumi.Input<GitFile>[]>;
    /** OpenSSH private key text of a key with write access; kept secret in state. */
    privateKey: pulumi.Input<string>;
    /** The server's host key line(s), known_hosts format. */
    knownHosts: pulumi.Input<string>;
    commitMessagePrefix: pulumi.Input<string>;
    fluxVersion: pulumi.Input<string>;
    authorName?: pulumi.Input<string>;
    authorEmail?: pulumi.Input<string>;
}

/**
 * The files as the provider takes them, gzipped with their sha256 (inputs.ts: the state keeps
 * the inputs). A list given as such is packed file by file, so a file whose content is unknown
 * at preview leaves the others known.
 */
export function packFiles(files: pulumi.Input<pulumi.Input<GitFile>[]>): pulumi.Input<pulumi.Input<PackedFile>[]> {
    if (Array.isArray(files)) {
        return files.map((f) => pulumi.output(f).apply(packFile));
    }
    return pulumi.output(files).apply((list) => list.map(packFile));
}

/** Our files on a branch of an SSH git server; removing the resource removes only them. */
export class SshGitFiles extends pulumi.dynamic.Resource {
    declare public readonly url: pulumi.Output<string>;
    declare public readonly branch: pulumi.Output<string>;
    /** Each file's path and the sha256 of the content committed (the content is not kept). */
    declare public readonly files: pulumi.Output<FileDigest[]>;
    declare public readonly commits: pulumi.Output<FileCommit[]>;
    declare public readonly headSha: pulumi.Output<string>;

    constructor(name: string, args: SshGitFilesArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            sshGitFilesProvider,
            name,
            { ...args, files: packFiles(args.files), privateKey: pulumi.secret(args.privateKey), commits: undefined, headSha: undefined },
            { ...opts, additionalSecretOutputs: ["privateKey"] },
            "welkin-flux",
            "SshGitFiles",
        );
    }
}
