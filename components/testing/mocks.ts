// Mocks for the Pulumi engine under which a user's unit test builds WelkinFlux: every resource
// the component creates answers with outputs shaped like its provider's (a real SSH key, 40-hex
// commits, Kubernetes metadata, the dynamic resources' results), everything else echoes its
// inputs as Pulumi's testing guide does. Each registration and invoke is recorded for assertions.
import * as pulumi from "@pulumi/pulumi";
import { deployKeyOutputs, dynamicOutputs, kubernetesOutputs, privateKeyOutputs, repositoryFileOutputs } from "./outputs";
import { MOCKED_TYPES } from "./types";
import { plain, providerId, reveal, sha1, uuidOf } from "./values";


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
