// What each provider answers for the resources WelkinFlux registers, shaped as the real providers
// shape it: tls keys, GitHub commits and deploy keys, Kubernetes metadata, and the component's
// dynamic resources. testing/mocks.ts records and dispatches; this file only answers.
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { mockKeyMaterial, MockKeyRequest } from "./keys";
import { MOCKED_TYPES } from "./types";
import { plain, sha1, uuidOf } from "./values";

/** The outputs the tls provider gives a private key, with the algorithm parameters as given. */
export async function privateKeyOutputs(args: pulumi.runtime.MockResourceArgs): Promise<Record<string, unknown>> {
    const request: MockKeyRequest = {
        algorithm: plain<string>(args.inputs.algorithm),
        rsaBits: plain<number>(args.inputs.rsaBits),
        ecdsaCurve: plain<string>(args.inputs.ecdsaCurve),
    };
    const key = await mockKeyMaterial(args.name, request);
    const algorithm = request.algorithm ?? "ED25519";
    return {
        algorithm,
        ...(algorithm === "RSA" ? { rsaBits: request.rsaBits ?? 2048 } : {}),
        ...(algorithm === "ECDSA" ? { ecdsaCurve: request.ecdsaCurve ?? "P224" } : {}),
        ...key,
    };
}

/** GitHub's answer for a file: the commit that wrote it and the blob it holds, both as git computes ids. */
export function repositoryFileOutputs(args: pulumi.runtime.MockResourceArgs): { id: string; outputs: Record<string, unknown> } {
    const repository = plain<string>(args.inputs.repository) ?? "";
    const branch = plain<string>(args.inputs.branch) ?? "main";
    const file = plain<string>(args.inputs.file) ?? "";
    const content = plain<string>(args.inputs.content) ?? "";
    return {
        id: `${repository}/${file}:${branch}`,
        outputs: {
            file,
            branch,
            ref: branch,
            commitSha: sha1("commit", repository, branch, file, content),
            sha: gitBlobSha(content),
        },
    };
}

/** `git hash-object` of a text file. */
function gitBlobSha(content: string): string {
    return crypto.createHash("sha1").update(`blob ${Buffer.byteLength(content)}\0`).update(content).digest("hex");
}

/** The id and etag GitHub gives a deploy key (ids are numbers; the provider's id is `<repository>:<key id>`). */
export function deployKeyOutputs(args: pulumi.runtime.MockResourceArgs): { id: string; outputs: Record<string, unknown> } {
    const repository = plain<string>(args.inputs.repository) ?? "";
    const digest = sha1("deploy-key", repository, args.name, plain<string>(args.inputs.key) ?? "");
    return { id: `${repository}:${parseInt(digest.slice(0, 8), 16) % 100_000_000}`, outputs: { etag: `W/"${digest}"` } };
}

/** What the API server adds to an object: its name (as given, or generated as Pulumi auto-names), uid and version. */
export function kubernetesOutputs(args: pulumi.runtime.MockResourceArgs): { id: string; outputs: Record<string, unknown> } {
    const given = (args.inputs.metadata ?? {}) as Record<string, unknown>;
    const name = plain<string>(given.name) ?? `${args.name}-${sha1(args.type, args.name).slice(0, 8)}`;
    const namespace = plain<string>(given.namespace);
    const metadata = {
        ...given,
        name,
        ...(namespace === undefined ? {} : { namespace }),
        uid: uuidOf(args.type, namespace ?? "", name),
        resourceVersion: "1",
        generation: 1,
        creationTimestamp: "2024-01-01T00:00:00Z",
    };
    const outputs: Record<string, unknown> = { metadata };
    if (args.type === MOCKED_TYPES.subnamespaceAnchor) {
        // What HNC reports once it has made the namespace; the component waits for it.
        outputs.status = { status: "Ok" };
    }
    return { id: namespace === undefined ? name : `${namespace}/${name}`, outputs };
}

/** The dynamic resource's kind: the type's last segment, or, for the untyped `pulumi-nodejs:dynamic:Resource`, guessed from its inputs. */
function dynamicKind(args: pulumi.runtime.MockResourceArgs): string {
    const kind = args.type.split(":").pop() ?? "";
    if (kind !== "Resource") {
        return kind;
    }
    const inputs = args.inputs as Record<string, unknown>;
    if (Array.isArray(plain(inputs.files)) && inputs.url !== undefined) {
        return "SshGitFiles";
    }
    if (inputs.plan !== undefined) {
        return "Preflight";
    }
    if (inputs.crds !== undefined) {
        return "FluxCrdStorage";
    }
    return kind;
}

/** What each of the component's dynamic providers returns beyond its inputs (read off components/steps and gitTarget). */
export function dynamicOutputs(args: pulumi.runtime.MockResourceArgs): { id: string; outputs: Record<string, unknown> } {
    switch (dynamicKind(args)) {
        case "SshGitFiles": {
            // One commit per file, each on top of the previous, pushed to the branch.
            // The resource sends each file packed: its sha256 identifies the content.
            const files = plain<{ path: string; sha256?: string; content?: string }[]>(args.inputs.files) ?? [];
            const branch = plain<string>(args.inputs.branch) ?? "";
            let parent = "";
            const commits = files.map((f) => {
                parent = sha1("commit", parent, f.path, f.sha256 ?? f.content ?? "");
                return { path: f.path, commitSha: parent };
            });
            return { id: `${branch}:${sha1(args.name).slice(0, 16)}`, outputs: { commits, headSha: parent } };
        }
        case "Preflight":
            return { id: `${args.name}-preflight`, outputs: { notes: [] } };
        case "FluxCrdStorage":
            return { id: `${args.name}-crd-storage`, outputs: { replaceCrds: [] } };
        default:
            return { id: `${args.name}_id`, outputs: {} };
    }
}
