// Mocks that record every registration and fail loudly on anything unexpected (STYLE.md §4).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

export interface Registration {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    provider?: string;
    /** The replacementTrigger resource option, as the engine receives it. */
    replacementTrigger?: unknown;
    /** Sequence number when the SDK asked the engine to register it. */
    index: number;
    /** Sequence number when the engine answered; undefined while pending. */
    completed?: number;
}

// MockResourceArgs does not carry resource options; the replacement trigger is read off the request.
const replacementTriggers = new Map<string, unknown>();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
const registerResource = MockMonitor.prototype.registerResource;
MockMonitor.prototype.registerResource = function (req: { getName(): string; getReplacementTrigger(): { toJavaScript(): unknown } | undefined }, callback: unknown) {
    replacementTriggers.set(req.getName(), req.getReplacementTrigger()?.toJavaScript());
    return registerResource.call(this, req, callback);
};

// The wire form the SDK gives secret values in mock inputs (runtime/rpc.ts specialSigKey/specialSecretSig).
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function isSecretValue(v: unknown): boolean {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** The plain value behind a possibly-secret mock input. */
export function reveal<T = unknown>(v: unknown): T {
    return (isSecretValue(v) ? (v as { value: unknown }).value : v) as T;
}

export const FAKE_PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFake";
export const FAKE_PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nZmFrZQ==\n-----END OPENSSH PRIVATE KEY-----\n";

export class RecordingMocks implements pulumi.runtime.Mocks {
    readonly registrations: Registration[] = [];
    private sequence = 0;

    /**
     * Every registration is held open for a moment, so resources that do not depend on it get
     * registered meanwhile: only a real dependency (dependsOn or an input from its outputs)
     * makes a resource wait until this one has completed.
     */
    async newResource(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string | undefined; state: Record<string, unknown> }> {
        const registration: Registration = {
            type: args.type,
            name: args.name,
            inputs: args.inputs,
            provider: args.provider,
            replacementTrigger: replacementTriggers.get(args.name),
            index: this.sequence++,
        };
        this.registrations.push(registration);
        await new Promise((resolve) => setTimeout(resolve, 20));
        registration.completed = this.sequence++;
        const state: Record<string, unknown> = { ...args.inputs };
        switch (args.type) {
            case "tls:index/privateKey:PrivateKey":
                Object.assign(state, {
                    publicKeyOpenssh: FAKE_PUBLIC_KEY + "\n",
                    privateKeyOpenssh: FAKE_PRIVATE_KEY,
                    publicKeyFingerprintSha256: `SHA256:fingerprint-of-${args.name}`,
                });
                break;
            case "github:index/repositoryFile:RepositoryFile":
                state.commitSha = `commit-of-${args.name}`;
                break;
            case "pulumi-nodejs:dynamic/welkin-flux:SshGitFiles":
                state.commits = (args.inputs.files as { path: string }[]).map((f) => ({ path: f.path, commitSha: `commit-of-${f.path}` }));
                break;
        }
        const id = args.custom === false ? undefined : `${args.name}-id`;
        if (args.type === "pulumi:providers:github" && typeof args.inputs.owner === "string") {
            this.githubOwners.set(id!, args.inputs.owner);
        }
        return { id, state };
    }

    /** Each github provider's `owner`, by its id (an invoke names its provider as `urn::id`). */
    private readonly githubOwners = new Map<string, string>();

    /** The owner of a github provider given none (GITHUB_OWNER, or the token's user); null: none can be found. */
    constructor(readonly defaultGithubOwner: string | null = "acme") {}

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        if (args.token === "github:index/getRepository:getRepository") {
            // As GitHub answers it: the repository under the provider's owner.
            // A provider without an owner takes the token's user, as the default provider does.
            const owner = (args.provider !== undefined ? this.githubOwners.get(args.provider.split("::").pop()!) : undefined) ?? this.defaultGithubOwner;
            if (owner === null) {
                // As the engine relays a provider's failure: a gRPC error whose details the SDK reports.
                const message = `GET https://api.github.com/repos/<token's user>/${args.inputs.name}: 404 Not Found []`;
                throw Object.assign(new Error(message), { details: message });
            }
            return { name: args.inputs.name, fullName: `${owner}/${args.inputs.name}` };
        }
        throw new Error(`unexpected provider function call ${args.token}(${JSON.stringify(args.inputs)})`);
    }

    find(type: string, name: string): Registration {
        const found = this.registrations.filter((r) => r.type === type && r.name === name);
        if (found.length !== 1) {
            const known = this.registrations.map((r) => `${r.type} ${r.name}`).join("\n  ");
            throw new Error(`expected one ${type} named ${name}, found ${found.length}; registered:\n  ${known}`);
        }
        return found[0];
    }

    ofType(type: string): Registration[] {
        return this.registrations.filter((r) => r.type === type);
    }
}

export async function useMocks(defaultGithubOwner?: string | null): Promise<RecordingMocks> {
    const mocks = new RecordingMocks(defaultGithubOwner);
    await pulumi.runtime.setMocks(mocks, "welkin-flux", "test", false);
    return mocks;
}

/** The value of an Output, for assertions. */
export function unwrap<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** Is this Output secret? */
export function isSecretOutput(output: pulumi.Output<unknown>): Promise<boolean> {
    return (output as unknown as { isSecret: Promise<boolean> }).isSecret;
}

/** Lets every pending registration reach the mocks. */
export async function settle(mocks: RecordingMocks): Promise<void> {
    let before = -1;
    while (before !== mocks.registrations.length) {
        before = mocks.registrations.length;
        await new Promise((r) => setTimeout(r, 50));
    }
}

/**
 * Runs `body` as on a machine with no cluster credentials at all: no KUBECONFIG and an empty
 * HOME (so no ~/.kube/config), as in a user's unit test or a PR job before it has credentials.
 */
export async function withoutKubeconfig<T>(body: () => Promise<T>): Promise<T> {
    const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };
    const emptyHome = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-empty-home-"));
    delete process.env.KUBECONFIG;
    process.env.HOME = emptyHome;
    try {
        return await body();
    } finally {
        process.env.HOME = saved.HOME;
        if (saved.KUBECONFIG !== undefined) {
            process.env.KUBECONFIG = saved.KUBECONFIG;
        }
        fs.rmSync(emptyHome, { recursive: true, force: true });
    }
}
