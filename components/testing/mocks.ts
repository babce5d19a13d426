// Mocks for the Pulumi engine under which a user's unit test builds WelkinFlux: every resource
// the component creates answers with outputs shaped like its provider's (a real SSH key, 40-hex
// commits, Kubernetes metadata, the dynamic resources' results), everything else echoes its
// inputs as Pulumi's testing guide does. Each registration and invoke is recorded for assertions.
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { WELKIN_FLUX_TYPE } from "../welkinFlux";
import { mockKeyMaterial, MockKeyRequest } from "./keys";
import { plain, providerId, reveal, sha1, uuidOf } from "./values";

/**
 * The type tokens of what WelkinFlux registers that the mocks answer specially, for
 * `mocks.ofType(...)`. Every Kubernetes object is `kubernetes:<apiVersion>:<kind>`, e.g.
 * `kubernetes:apps/v1:Deployment`.
 */
export const MOCKED_TYPES = {
    /** The component itself. */
    welkinFlux: WELKIN_FLUX_TYPE,
    /** The generated deploy key (absent when `deployKey.privateKey` is given). */
    privateKey: "tls:index/privateKey:PrivateKey",
    /** The deploy key's registration on GitHub. */
    repositoryDeployKey: "github:index/repositoryDeployKey:RepositoryDeployKey",
    /** One commit per file on GitHub. */
    repositoryFile: "github:index/repositoryFile:RepositoryFile",
    /** `flux-system` as an HNC subnamespace. */
    subnamespaceAnchor: "kubernetes:hnc.x-k8s.io/v1alpha2:SubnamespaceAnchor",
    /** The git credentials (and the image pull Secret, when asked for). */
    secret: "kubernetes:core/v1:Secret",
    /** The files pushed over SSH with `repository.url`. */
    sshGitFiles: "pulumi-nodejs:dynamic/welkin-flux:SshGitFiles",
    /** The environment check run at preview and up. */
    preflight: "pulumi-nodejs:dynamic/welkin-flux:Preflight",
    /** The Flux controllers added to Welkin's `extra-workload-admins` RoleBinding, per parent namespace. */
    adminDelegation: "pulumi-nodejs:dynamic/welkin-flux:AdminDelegation",
    /** What a change of Flux version does to the installed CRDs. */
    fluxCrdStorage: "pulumi-nodejs:dynamic/welkin-flux:FluxCrdStorage",
    /** The removal of Flux's objects on destroy. */
    fluxObjectsTeardown: "pulumi-nodejs:dynamic/welkin-flux:FluxObjectsTeardown",
    /** A github provider resource (its `owner` answers `getRepository`). */
    githubProvider: "pulumi:providers:github",
} as const;

const GET_REPOSITORY = "github:index/getRepository:getRepository";

/** One resource registration, as the mocks received and answered it. */
export interface MockedResource {
    /** The type token, e.g. `tls:index/privateKey:PrivateKey` (see {@link MOCKED_TYPES}). */
    type: string;
    /** The resource's name (WelkinFlux names its children `<name>-...`). */
    name: string;
    /** The inputs with secrets unwrapped to their values (unknown values, at preview, are undefined). */
    inputs: Record<string, unknown>;
    /** Paths of the inputs that were secrets, e.g. `stringData.identity` or `privateKey`. */
    secretInputs: string[];
    /** The provider the resource goes through, as a reference `<urn>::<id>`; undefined for the default provider. */
    provider?: string;
    /** Whether it is a custom resource (false for components such as WelkinFlux). */
    custom: boolean;
    /** The id the mocks gave (undefined for a component). */
    id?: string;
    /** The outputs the mocks gave, secrets unwrapped. */
    outputs: Record<string, unknown>;
}

/** One provider function call (invoke), as the mocks received and answered it. */
export interface MockedCall {
    /** e.g. `github:index/getRepository:getRepository`. */
    token: string;
    /** The arguments, secrets unwrapped. */
    inputs: Record<string, unknown>;
    /** The provider the call goes through, `<urn>::<id>`; undefined for the default provider. */
    provider?: string;
    /** What the mocks answered. */
    result: Record<string, unknown>;
}

/** Options of {@link WelkinFluxMocks} and {@link welkinFluxMocks}. */
export interface WelkinFluxMocksOptions {
    /**
     * The owner `getRepository` answers with (`fullName: "<owner>/<name>"`) when the call goes
     * through no github provider these mocks saw registered with an `owner` (e.g. the default
     * provider, which takes its owner from `GITHUB_OWNER`). Without it, such calls get no `fullName`.
     */
    githubOwner?: string;
}

/** The outputs the tls provider gives a private key, with the algorithm parameters as given. */
async function privateKeyOutputs(args: pulumi.runtime.MockResourceArgs): Promise<Record<string, unknown>> {
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
function repositoryFileOutputs(args: pulumi.runtime.MockResourceArgs): { id: string; outputs: Record<string, unknown> } {
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
function deployKeyOutputs(args: pulumi.runtime.MockResourceArgs): { id: string; outputs: Record<string, unknown> } {
    const repository = plain<string>(args.inputs.repository) ?? "";
    const digest = sha1("deploy-key", repository, args.name, plain<string>(args.inputs.key) ?? "");
    return { id: `${repository}:${parseInt(digest.slice(0, 8), 16) % 100_000_000}`, outputs: { etag: `W/"${digest}"` } };
}

/** What the API server adds to an object: its name (as given, or generated as Pulumi auto-names), uid and version. */
function kubernetesOutputs(args: pulumi.runtime.MockResourceArgs): { id: string; outputs: Record<string, unknown> } {
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
function dynamicOutputs(args: pulumi.runtime.MockResourceArgs): { id: string; outputs: Record<string, unknown> } {
    switch (dynamicKind(args)) {
        case "SshGitFiles": {
            // One commit per file, each on top of the previous, pushed to the branch.
            const files = plain<{ path: string; content?: string }[]>(args.inputs.files) ?? [];
            const branch = plain<string>(args.inputs.branch) ?? "";
            let parent = "";
            const commits = files.map((f) => {
                parent = sha1("commit", parent, f.path, f.content ?? "");
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

/**
 * A `pulumi.runtime.Mocks` for programs that use WelkinFlux. Install it with
 * {@link welkinFluxMocks} (or `pulumi.runtime.setMocks(new WelkinFluxMocks())`), build your
 * program, then read `resources` and `calls`.
 *
 * Answers, beyond echoing each resource's inputs:
 * - `tls.PrivateKey`: a real key of the requested algorithm (OpenSSH, PEM and PKCS#8 private key,
 *   OpenSSH and PEM public key, `SHA256:` and MD5 fingerprints), the same for a resource name on
 *   every run (RSA: within one process).
 * - `github.RepositoryFile`: `commitSha` (40 hex), `sha` (the git blob id of the content), `file`, `ref`.
 * - `github.RepositoryDeployKey`: a numeric id and an `etag`.
 * - Kubernetes objects: `metadata` with `name`, `namespace`, `uid`, `resourceVersion`; the
 *   SubnamespaceAnchor also `status.status: "Ok"`, as HNC reports it.
 * - The component's dynamic resources: `commits` and `headSha` of the SSH push, the preflight's
 *   `notes`, the CRD storage's `replaceCrds`.
 * - The invoke `github:index/getRepository:getRepository`: `fullName: "<owner>/<name>"`, where the
 *   owner is the `owner` of the github provider the call goes through (or `githubOwner`).
 *
 * Any other resource or invoke gets its inputs back. To answer more, extend the class and call
 * `super.newResource(args)` / `super.call(args)` for the rest.
 */
export class WelkinFluxMocks implements pulumi.runtime.Mocks {
    /** Every registration, in the order the mocks answered them. */
    readonly resources: MockedResource[] = [];
    /** Every invoke, in order. */
    readonly calls: MockedCall[] = [];
    private readonly githubOwners = new Map<string, string>();
    private inFlight = 0;
    private providerSequence = 0;

    constructor(private readonly options: WelkinFluxMocksOptions = {}) {}

    /** Answers a resource registration (called by the Pulumi SDK). */
    async newResource(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string | undefined; state: Record<string, unknown> }> {
        this.inFlight++;
        try {
            const { id, outputs } = await this.answer(args);
            // The inputs as given (secrets stay secrets, as the engine keeps them), then what the provider adds.
            const state: Record<string, unknown> = { ...args.inputs, ...outputs };
            const secretInputs: string[] = [];
            const inputs = reveal(args.inputs, secretInputs) as Record<string, unknown>;
            const custom = args.custom !== false;
            this.resources.push({
                type: args.type,
                name: args.name,
                inputs,
                secretInputs,
                provider: args.provider === "" ? undefined : args.provider,
                custom,
                id: custom ? id : undefined,
                outputs: reveal(state, []) as Record<string, unknown>,
            });
            return { id: custom ? id : undefined, state };
        } finally {
            this.inFlight--;
        }
    }

    /** Answers a provider function call (called by the Pulumi SDK). */
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        const inputs = reveal(args.inputs, []) as Record<string, unknown>;
        let result: Record<string, unknown> = { ...args.inputs };
        if (args.token === GET_REPOSITORY && typeof inputs.name === "string") {
            const id = providerId(args.provider);
            const owner = (id === undefined ? undefined : this.githubOwners.get(id)) ?? this.options.githubOwner;
            if (owner !== undefined) {
                result = { ...result, fullName: `${owner}/${inputs.name}` };
            }
        }
        this.calls.push({ token: args.token, inputs, provider: args.provider || undefined, result: reveal(result, []) as Record<string, unknown> });
        return result;
    }

    /** The registrations of one type, e.g. `mocks.ofType(MOCKED_TYPES.repositoryFile)`. */
    ofType(type: string): MockedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The one registration of this type and name; throws, listing what was registered, when there is not exactly one. */
    find(type: string, name: string): MockedResource {
        const found = this.resources.filter((r) => r.type === type && r.name === name);
        if (found.length !== 1) {
            const known = this.resources.map((r) => `${r.type} ${r.name}`).join("\n  ");
            throw new Error(`expected one ${type} named ${name}, found ${found.length}; registered:\n  ${known}`);
        }
        return found[0];
    }

    /**
     * Resolves once registrations have stopped: none is being answered and none arrived for
     * `quietMs`. Await the outputs you assert on first; this then lets the resources that wait on
     * them (WelkinFlux's install waits for its commits) reach the mocks. Rejects after `timeoutMs`.
     */
    async settled(options: { quietMs?: number; timeoutMs?: number } = {}): Promise<void> {
        const quietMs = options.quietMs ?? 100;
        const deadline = Date.now() + (options.timeoutMs ?? 30_000);
        let seen = -1;
        let quietSince = Date.now();
        for (;;) {
            if (this.resources.length !== seen || this.inFlight > 0) {
                seen = this.resources.length;
                quietSince = Date.now();
            } else if (Date.now() - quietSince >= quietMs) {
                return;
            }
            if (Date.now() > deadline) {
                throw new Error(`welkin-flux/testing: registrations did not settle within ${options.timeoutMs ?? 30_000} ms (${this.resources.length} answered, ${this.inFlight} being answered)`);
            }
            await new Promise((resolve) => setTimeout(resolve, 10));
        }
    }

    private async answer(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string | undefined; outputs: Record<string, unknown> }> {
        if (args.type === MOCKED_TYPES.privateKey) {
            const outputs = await privateKeyOutputs(args);
            // The tls provider's id is a hash of the public key.
            return { id: sha1(String(outputs.publicKeyPem)), outputs };
        }
        if (args.type === MOCKED_TYPES.repositoryFile) {
            return repositoryFileOutputs(args);
        }
        if (args.type === MOCKED_TYPES.repositoryDeployKey) {
            return deployKeyOutputs(args);
        }
        if (args.type.startsWith("pulumi:providers:")) {
            // Provider ids are UUIDs; unique per registration, so that an invoke's provider reference finds its owner.
            const id = uuidOf(args.type, args.name, String(this.providerSequence++));
            const owner = plain<string>(args.inputs.owner);
            if (args.type === MOCKED_TYPES.githubProvider && typeof owner === "string" && owner !== "") {
                this.githubOwners.set(id, owner);
            }
            return { id, outputs: {} };
        }
        if (args.custom !== false && args.type.startsWith("kubernetes:")) {
            return kubernetesOutputs(args);
        }
        if (args.type.startsWith("pulumi-nodejs:dynamic")) {
            return dynamicOutputs(args);
        }
        return { id: `${args.name}_id`, outputs: {} };
    }
}

/**
 * Installs {@link WelkinFluxMocks} as the Pulumi engine for this process and returns them, so a
 * test can read what was registered. Call it before building the program (e.g. in mocha's
 * `before`); calling it again replaces the mocks, and the new instance starts with no registrations.
 *
 * `project` and `stack` name the mocked stack (default `project` and `stack`); `preview: true`
 * runs the program as during `pulumi preview`.
 */
export async function welkinFluxMocks(options: WelkinFluxMocksOptions & { project?: string; stack?: string; preview?: boolean } = {}): Promise<WelkinFluxMocks> {
    const mocks = new WelkinFluxMocks({ githubOwner: options.githubOwner });
    await pulumi.runtime.setMocks(mocks, options.project ?? "project", options.stack ?? "stack", options.preview ?? false);
    return mocks;
}
