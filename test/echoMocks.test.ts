// Issue 17: a user's unit test with the mocks of Pulumi's testing guide, which echo each
// resource's inputs as its outputs and each invoke's arguments as its result. No provider output
// exists then (no tls key, no commit, no dynamic resource result): the component must still build
// completely, quickly, with every output of its declared type, and without an unhandled rejection.
import * as assert from "assert";
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as sshpk from "sshpk";
import { WelkinFluxArgs } from "../components/args";
import { WelkinFlux } from "../components/welkinFlux";

/** The guide's mocks, as it writes them (https://www.pulumi.com/docs/using-pulumi/testing/unit/). */
const guideMocks: pulumi.runtime.Mocks = {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    newResource: function (args: pulumi.runtime.MockResourceArgs): { id: string; state: any } {
        return {
            id: args.inputs.name + "_id",
            state: args.inputs,
        };
    },
    call: function (args: pulumi.runtime.MockCallArgs) {
        return args.inputs;
    },
};

/**
 * Mocks that replace what they add to: a test that gives Kubernetes objects a uid this way drops
 * their names. (Outputs a mock leaves out entirely are filled in from the inputs by the SDK.)
 */
const uidOnlyMocks: pulumi.runtime.Mocks = {
    newResource: (args) => ({ id: `${args.name}_id`, state: { ...args.inputs, metadata: { uid: `${args.name}-uid` } } }),
    call: () => ({}),
};

/** "Within a few seconds": a build takes about one second here; a hang runs into this. */
const DEADLINE_MS = 8000;

const KNOWN_HOSTS = "git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const SYNC_DIR = "clusters/dev/flux-system";
const FILES = [`${SYNC_DIR}/gotk-components.yaml`, `${SYNC_DIR}/gotk-sync.yaml`, `${SYNC_DIR}/kustomization.yaml`];

/** An OpenSSH private key, as a user brings one (`deployKey.privateKey`). */
function ownKey(): string {
    const { privateKey } = crypto.generateKeyPairSync("ed25519");
    return sshpk.parsePrivateKey(privateKey.export({ format: "pem", type: "pkcs8" }).toString(), "pem").toString("openssh");
}

const isString = (v: unknown) => typeof v === "string";
const isStringList = (v: unknown) => Array.isArray(v) && v.every(isString);

/** Every output of WelkinFlux with its declared type. */
const DECLARED: Record<string, (v: unknown) => boolean> = {
    namespace: isString,
    parentNamespaces: isStringList,
    syncPath: isString,
    deployKeyPublicKey: isString,
    deployKeyFingerprint: isString,
    deployKeyReadOnly: (v) => typeof v === "boolean",
    gitRepositoryName: isString,
    kustomizationName: isString,
    gitSecretName: isString,
    committedFiles: (v) => Array.isArray(v) && v.every((f) => isString(f?.path) && isString(f?.commitSha)),
    manifests: (v) => typeof v === "object" && v !== null && Object.values(v).every(isString),
    gotkComponentsSha256: isString,
    fluxVersion: isString,
};

/**
 * An output's value, or its error: the SDK's promise() settles either way, where a promise
 * resolved inside apply() would wait forever on a failed output.
 */
function settledValue(output: pulumi.Output<unknown>): Promise<unknown> {
    return (output as unknown as { promise(): Promise<unknown> }).promise();
}

function within<T>(what: string, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not complete within ${DEADLINE_MS} ms (a hang)`)), DEADLINE_MS);
    });
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** The URNs the mock engine has registered so far. */
function registeredUrns(): string[] {
    const monitor = pulumi.runtime.getMonitor() as unknown as { getRegisteredResources(): Map<string, unknown> };
    return [...monitor.getRegisteredResources().keys()];
}

/** Until the mock engine has seen no new registration for a while. */
async function registrationsSettled(): Promise<string[]> {
    let before = -1;
    let urns = registeredUrns();
    while (urns.length !== before) {
        before = urns.length;
        await new Promise((r) => setTimeout(r, 100));
        urns = registeredUrns();
    }
    return urns;
}

describe("WelkinFlux under the mocks of Pulumi's testing guide (echo inputs)", function () {
    this.timeout(DEADLINE_MS * 3);
    let rejections: unknown[];
    const onRejection = (reason: unknown) => rejections.push(reason);
    beforeEach(() => {
        rejections = [];
        process.on("unhandledRejection", onRejection);
    });
    afterEach(() => {
        process.off("unhandledRejection", onRejection);
    });

    /** Builds the component, reads every output, waits for every registration; checks the types and that nothing was rejected. */
    async function build(mocks: pulumi.runtime.Mocks, args: WelkinFluxArgs): Promise<Record<string, unknown>> {
        await pulumi.runtime.setMocks(mocks, "project", "stack", false);
        const outputs = await within(
            "building WelkinFlux and resolving its outputs",
            (async () => {
                const flux = new WelkinFlux("flux", args);
                const values: Record<string, unknown> = {};
                for (const name of Object.keys(DECLARED)) {
                    values[name] = await settledValue((flux as unknown as Record<string, pulumi.Output<unknown>>)[name]);
                }
                return values;
            })(),
        );
        const urns = await within("registering every resource", registrationsSettled());
        // The teardown depends on everything else: registered means every other resource was.
        assert.ok(
            urns.some((u) => u.endsWith("::flux-flux-objects-teardown")),
            `the teardown was never registered (something it waits for never completed); registered:\n  ${urns.join("\n  ")}`,
        );
        assert.ok(urns.length > 40, `only ${urns.length} resources registered`);
        for (const [name, hasType] of Object.entries(DECLARED)) {
            assert.ok(hasType(outputs[name]), `output ${name} is ${JSON.stringify(outputs[name])}, not of its declared type`);
        }
        // Unhandled rejections surface on a later tick.
        await new Promise((r) => setTimeout(r, 50));
        assert.deepStrictEqual(rejections.map(String), [], "unhandled rejections while building");
        return outputs;
    }

    it("the GitHub path with a generated key: the key and the commits are empty, the paths are ours", async () => {
        const out = await build(guideMocks, { clusterName: "dev", repository: { owner: "acme", name: "fleet" } });
        assert.strictEqual(out.deployKeyPublicKey, "");
        assert.strictEqual(out.deployKeyFingerprint, "");
        assert.deepStrictEqual(out.committedFiles, FILES.map((path) => ({ path, commitSha: "" })));
        assert.strictEqual(out.namespace, "flux-system");
        assert.strictEqual(out.gitRepositoryName, "fleet-repo");
        assert.strictEqual(out.gitSecretName, "fleet-auth");
    });

    it("repository.url with your own key: the key is derived from it, the files are listed without commits", async () => {
        const key = ownKey();
        const expected = sshpk.parsePrivateKey(key, "openssh");
        const out = await build(guideMocks, {
            clusterName: "dev",
            repository: { url: "ssh://git@git.example.com/acme/fleet.git" },
            knownHosts: KNOWN_HOSTS,
            deployKey: { privateKey: key, readOnly: false },
        });
        assert.strictEqual(out.deployKeyFingerprint, expected.fingerprint("sha256").toString());
        assert.match(out.deployKeyPublicKey as string, /^ssh-ed25519 AAAA\S+$/);
        assert.deepStrictEqual(out.committedFiles, FILES.map((path) => ({ path, commitSha: "" })));
        assert.strictEqual(out.deployKeyReadOnly, false);
    });

    it("image automation (a writable generated key, six controllers)", async () => {
        const out = await build(guideMocks, {
            clusterName: "dev",
            repository: { owner: "acme", name: "fleet" },
            componentsExtra: ["image-reflector-controller", "image-automation-controller"],
        });
        assert.strictEqual(out.deployKeyReadOnly, false);
        assert.deepStrictEqual((out.committedFiles as { path: string }[]).map((f) => f.path), FILES);
    });

    it("mocks that give Kubernetes objects metadata without a name: the names are the ones asked for", async () => {
        const out = await build(uidOnlyMocks, { clusterName: "dev", repository: { owner: "acme", name: "fleet" } });
        assert.strictEqual(out.namespace, "flux-system");
        assert.strictEqual(out.gitRepositoryName, "fleet-repo");
        assert.strictEqual(out.kustomizationName, "fleet-repo");
        assert.strictEqual(out.gitSecretName, "fleet-auth");
    });
});
