// The root program (index.ts) and its project files: what `pulumi up -s dev` runs.
import * as assert from "assert";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import * as net from "net";
import { PolicyMode } from "../components/args";
import { DEFAULT_POLICY_MODE } from "../components/config/defaults";
import { RecordingMocks, settle, unwrap, useMocks, withoutKubeconfig } from "./support/mocks";

const ROOT = path.resolve(__dirname, "..");
const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
    name: string;
    runtime: { name: string; options?: { typescript?: boolean } };
    main: string;
    config: Record<string, { type: string; description?: string; default?: unknown; items?: { type: string } }>;
};
const STACKS = ["dev", "staging", "production"];

function stackConfig(stack: string): Record<string, unknown> {
    return (yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> }).config;
}

const TEST_KUBECONFIG = [
    "apiVersion: v1",
    "current-context: dev",
    "contexts: [{name: dev, context: {cluster: c, user: u}}]",
    "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:6443'}}]",
    "users: [{name: u, user: {token: t}}]",
].join("\n");

/** Runs index.ts under mocks with a stack file's settings (plus a test kubeconfig). */
async function runStack(
    stack: string,
    extra: Record<string, string> = { "welkin-flux:kubeconfig": TEST_KUBECONFIG },
    secrets = ["welkin-flux:kubeconfig"],
): Promise<{ program: Record<string, pulumi.Output<unknown>>; mocks: RecordingMocks }> {
    const mocks = await useMocks();
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(stack === "" ? {} : stackConfig(stack))) {
        config[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
    Object.assign(config, extra);
    pulumi.runtime.setAllConfig(config, secrets);
    try {
        delete require.cache[require.resolve("../index")];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require("../index") as Record<string, pulumi.Output<unknown>>;
        await unwrap(program.committedFiles);
        await settle(mocks);
        return { program, mocks };
    } finally {
        pulumi.runtime.setAllConfig({}, []);
    }
}

// The config keys index.ts reads: config.get..., config.require... and its optional()/optionalSecret() helpers.
function keysReadByProgram(): string[] {
    const source = fs.readFileSync(path.join(ROOT, "index.ts"), "utf8");
    const keys = [...source.matchAll(/(?:config\.(?:get|require)\w*(?:<[^>]*>)?|optional(?:Secret)?)\("([A-Za-z0-9]+)"\)/g)].map((m) => m[1]);
    return [...new Set(keys)].sort();
}

describe("Pulumi project files", () => {
    it("name the project, the nodejs runtime and index.ts as the program, compiled through the compile cache", () => {
        assert.strictEqual(project.name, "welkin-flux");
        assert.strictEqual(project.runtime.name, "nodejs");
        // The language host's ts-node is off; program/run.js compiles index.ts (without
        // type-checking it: npm run typecheck does that) through program/compileCache.js.
        assert.strictEqual(project.runtime.options?.typescript, false);
        assert.strictEqual(project.main, "program/run.js");
        const run = fs.readFileSync(path.join(ROOT, project.main), "utf8");
        assert.match(run, /useCompileCache\(/);
        assert.match(run, /module\.exports = require\("\.\.\/index\.ts"\)/);
        const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.pulumi.json"), "utf8"));
        assert.deepStrictEqual(tsconfig.files, ["index.ts"]);
    });

    it("declare every setting the program reads, with a type and a description", () => {
        const read = keysReadByProgram();
        assert.ok(read.length >= 15, `found only ${read.join(", ")}`);
        assert.deepStrictEqual(Object.keys(project.config).sort(), read);
        for (const [key, decl] of Object.entries(project.config)) {
            assert.ok(["string", "integer", "boolean", "array"].includes(decl.type), `${key} has no valid type`);
            assert.ok(decl.description && decl.description.length > 20, `${key} needs a description`);
            if (decl.type === "array") {
                assert.ok(decl.items?.type, `${key} needs items`);
            }
        }
        const required = Object.entries(project.config).filter(([, d]) => d.default === undefined).map(([k]) => k).sort();
        assert.deepStrictEqual(required, ["clusterName"]);
    });

    it("default policyChecks to the component's own default, and describe every mode", () => {
        // The CLI hands the program Pulumi.yaml's default, so it, not the component's, is what a stack gets.
        const policyChecks = project.config.policyChecks;
        assert.strictEqual(policyChecks.default, DEFAULT_POLICY_MODE);
        for (const mode of Object.values(PolicyMode)) {
            assert.match(policyChecks.description!, new RegExp(`\\b${mode} \\(`), `the description should say what ${mode} does`);
        }
    });

    it("give each example stack only declared settings, of the declared type, and all required ones", () => {
        for (const stack of STACKS) {
            for (const [key, value] of Object.entries(stackConfig(stack))) {
                const k = key.replace(/^welkin-flux:/, "");
                assert.ok(k in project.config, `Pulumi.${stack}.yaml sets undeclared ${k}`);
                const type = project.config[k].type;
                const actual = Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
                assert.strictEqual(actual, type, `Pulumi.${stack}.yaml: ${k} should be ${type}`);
            }
            for (const k of ["clusterName", "githubOwner", "githubRepository"]) {
                assert.ok(`welkin-flux:${k}` in stackConfig(stack), `Pulumi.${stack}.yaml lacks ${k}`);
            }
        }
    });

    it("point package.json main at the compiled library, not at the program", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        assert.strictEqual(pkg.main, "dist/index.js");
        assert.strictEqual(pkg.types, "dist/index.d.ts");
        for (const dep of ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/github", "@pulumi/tls"]) {
            assert.ok(pkg.peerDependencies[dep], `${dep} must be a peer dependency`);
            assert.ok(!pkg.dependencies?.[dep], `${dep} must not be a direct dependency`);
        }
    });
});

describe("the program (index.ts) under mocks", () => {
    it("importing the library creates no resources", async () => {
        const mocks = await useMocks();
        delete require.cache[require.resolve("../components")];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require("../components");
        await settle(mocks);
        assert.deepStrictEqual(mocks.registrations, []);
    });

    it("runs the dev stack: providers from config, one WelkinFlux, the documented outputs", async () => {
        const { program, mocks } = await runStack("dev");
        assert.strictEqual(await unwrap(program.syncPath), "clusters/dev/flux-system");
        assert.strictEqual(await unwrap(program.gitRepositoryName), "fleet-infra-repo");
        assert.deepStrictEqual(Object.keys(program).sort(), [
            "committedFiles",
            "deployKeyFingerprint",
            "deployKeyPublicKey",
            "gitRepositoryName",
            "gitSecretName",
            "gotkComponentsSha256",
            "kustomizationName",
            "manifests",
            "namespace",
            "parentNamespaces",
            "syncPath",
        ]);
        const providers = mocks.registrations.filter((r) => r.type.startsWith("pulumi:providers:"));
        assert.deepStrictEqual(providers.map((p) => p.type).sort(), ["pulumi:providers:github", "pulumi:providers:kubernetes", "pulumi:providers:tls"]);
        assert.strictEqual(mocks.find("pulumi:providers:github", "github").inputs.owner, "example-org");
        assert.strictEqual(mocks.ofType("welkin-flux:index:WelkinFlux").length, 1);
        const anchor = mocks.ofType("kubernetes:hnc.x-k8s.io/v1alpha2:SubnamespaceAnchor")[0];
        assert.strictEqual((anchor.inputs.metadata as { namespace: string }).namespace, "production");
    });

    it("runs every example stack; several clusters share one repository without colliding", async () => {
        const paths: string[] = [];
        const titles: string[] = [];
        for (const stack of STACKS) {
            const { program, mocks } = await runStack(stack);
            paths.push(await unwrap(program.syncPath as pulumi.Output<string>));
            titles.push(mocks.ofType("github:index/repositoryDeployKey:RepositoryDeployKey")[0].inputs.title as string);
            const files = mocks.ofType("github:index/repositoryFile:RepositoryFile").map((f) => f.inputs.file as string);
            assert.ok(files.every((f) => f.startsWith(`clusters/${stack}/flux-system/`)), `${stack} commits outside its folder: ${files}`);
        }
        assert.deepStrictEqual(paths, STACKS.map((s) => `clusters/${s}/flux-system`));
        assert.strictEqual(new Set(titles).size, STACKS.length, "each environment needs its own deploy key title");
        const production = await runStack("production");
        assert.deepStrictEqual(await unwrap(production.program.parentNamespaces as pulumi.Output<string[]>), ["production", "staging"]);
        const ks = production.mocks.ofType("github:index/repositoryFile:RepositoryFile")[2].inputs.content as string;
        assert.match(ks, /--no-cross-namespace-refs=true/);
        assert.match(ks, /--no-remote-bases=true/);
    });

    it("runs every example stack with no kubeconfig at all: no setting, no KUBECONFIG, an empty HOME", async () => {
        await withoutKubeconfig(async () => {
            for (const stack of STACKS) {
                const { mocks } = await runStack(stack, {});
                assert.strictEqual(mocks.ofType("kubernetes:apps/v1:Deployment").length, 4, stack);
                // No secret-wrapped undefined: the provider reads KUBECONFIG itself, and previews are dry-run by the server.
                assert.strictEqual(mocks.find("pulumi:providers:kubernetes", "welkin").inputs.kubeconfig, undefined);
            }
        });
    });

    it("a stack on another git server with its own key creates neither the github nor the tls provider", async () => {
        const key = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "welkin-key-")), "k");
        childProcess.execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
        const { program, mocks } = await runStack(
            "",
            {
                "welkin-flux:clusterName": "lab",
                "welkin-flux:gitUrl": "ssh://git@git.example.com:2222/team/fleet.git",
                "welkin-flux:knownHosts": "[git.example.com]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
                "welkin-flux:deployKeyPrivateKey": fs.readFileSync(key, "utf8"),
                "welkin-flux:deployKeyWritable": "true",
            },
            ["welkin-flux:deployKeyPrivateKey"],
        );
        const fingerprint = childProcess.execFileSync("ssh-keygen", ["-lf", `${key}.pub`], { encoding: "utf8" }).split(" ")[1];
        fs.rmSync(path.dirname(key), { recursive: true, force: true });
        const providers = mocks.registrations.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => r.type);
        assert.deepStrictEqual(providers, ["pulumi:providers:kubernetes"]);
        assert.ok(!mocks.registrations.some((r) => r.type.startsWith("tls:") || r.type.startsWith("github:")));
        assert.strictEqual(mocks.ofType("pulumi-nodejs:dynamic/welkin-flux:SshGitFiles").length, 1);
        assert.strictEqual(await unwrap(program.gitRepositoryName), "fleet-repo");
        assert.strictEqual(await unwrap(program.deployKeyFingerprint), fingerprint);
    });

    it("GitHub Enterprise: Flux fetches from the host of githubBaseUrl, which needs its knownHosts", async () => {
        const gitUrlOf = (m: RecordingMocks) => ((m.ofType("kubernetes:source.toolkit.fluxcd.io/v1:GitRepository")[0].inputs.spec as { url: string }).url);
        const ghe = "github.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
        const server = await runStack("dev", { "welkin-flux:kubeconfig": TEST_KUBECONFIG, "welkin-flux:githubBaseUrl": "https://github.example.com/api/v3/", "welkin-flux:knownHosts": ghe });
        assert.strictEqual(gitUrlOf(server.mocks), "ssh://git@github.example.com/example-org/fleet-infra.git");
        const cloud = await runStack("dev", { "welkin-flux:kubeconfig": TEST_KUBECONFIG, "welkin-flux:githubBaseUrl": "https://api.octo.ghe.com/", "welkin-flux:knownHosts": ghe });
        assert.strictEqual(gitUrlOf(cloud.mocks), "ssh://git@octo.ghe.com/example-org/fleet-infra.git");
        const dotcom = await runStack("dev", { "welkin-flux:kubeconfig": TEST_KUBECONFIG, "welkin-flux:githubBaseUrl": "https://api.github.com/" });
        assert.strictEqual(gitUrlOf(dotcom.mocks), "ssh://git@github.com/example-org/fleet-infra.git");
        await assert.rejects(
            runStack("dev", { "welkin-flux:kubeconfig": TEST_KUBECONFIG, "welkin-flux:githubBaseUrl": "https://github.example.com/api/v3/" }),
            /knownHosts is required with repository\.githubHost "github\.example\.com"/,
        );
    });

    it("refuses a key, token or kubeconfig stored in plain text in the stack file, naming the setting and never the value", async () => {
        for (const key of ["kubeconfig", "githubToken", "gitPushKey", "deployKeyPrivateKey", "imagePullSecretDockerConfigJson"]) {
            const value = `plain-${key}-value-0123456789`;
            const settings: Record<string, string> = key === "gitPushKey" || key === "deployKeyPrivateKey" ? { "welkin-flux:gitUrl": "ssh://git@git.example.com/team/fleet.git" } : {};
            await assert.rejects(
                runStack("dev", { ...settings, [`welkin-flux:${key}`]: value }, []),
                (e: Error) => {
                    assert.match(e.message, new RegExp(`^The setting ${key} is stored in plain text in Pulumi\\.test\\.yaml, and it holds a secret\\. Encrypt it: pulumi config set --secret ${key} `));
                    assert.ok(!e.message.includes(value));
                    return true;
                },
            );
        }
    });

    it("passes the deploy key's title and rotation, the image pull secret, the commit prefix and the default service account to the component", async () => {
        const dockerConfigJson = JSON.stringify({ auths: { "harbor.example.com": { auth: "dXNlcjpwYXNz" } } });
        const { mocks } = await runStack(
            "dev",
            {
                "welkin-flux:kubeconfig": TEST_KUBECONFIG,
                "welkin-flux:deployKeyTitle": "flux-dev-2026",
                "welkin-flux:deployKeyRotation": "2026-12-04",
                "welkin-flux:imagePullSecretName": "harbor-pull",
                "welkin-flux:imagePullSecretDockerConfigJson": dockerConfigJson,
                "welkin-flux:commitMessagePrefix": "fleet-bot",
                "welkin-flux:defaultServiceAccount": "flux-tenant",
            },
            ["welkin-flux:kubeconfig", "welkin-flux:imagePullSecretDockerConfigJson"],
        );
        assert.strictEqual(mocks.ofType("github:index/repositoryDeployKey:RepositoryDeployKey")[0].inputs.title, "flux-dev-2026");
        assert.strictEqual(mocks.ofType("tls:index/privateKey:PrivateKey")[0].replacementTrigger, "2026-12-04");
        const pull = mocks.ofType("kubernetes:core/v1:Secret").find((r) => (r.inputs.metadata as { name: string }).name === "harbor-pull");
        assert.ok(pull, "the image pull Secret is created");
        assert.ok(mocks.ofType("github:index/repositoryFile:RepositoryFile").every((f) => (f.inputs.commitMessage as string).startsWith("fleet-bot: ")));
        const kustomizationYaml = mocks.ofType("github:index/repositoryFile:RepositoryFile").find((f) => (f.inputs.file as string).endsWith("/kustomization.yaml"))!;
        assert.match(kustomizationYaml.inputs.content as string, /--default-service-account=flux-tenant/);
    });

    it("previews deterministically and without any network connection", async () => {
        const connect = net.Socket.prototype.connect;
        const attempts: string[] = [];
        net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
            attempts.push(JSON.stringify(args[0]));
            throw new Error("the program must not open network connections while previewing");
        } as typeof connect;
        try {
            const first = await runStack("production");
            const second = await runStack("production");
            const inputs = (m: RecordingMocks) => JSON.stringify(m.registrations.map((r) => [r.type, r.name, r.inputs]));
            assert.strictEqual(inputs(second.mocks), inputs(first.mocks));
        } finally {
            net.Socket.prototype.connect = connect;
        }
        assert.deepStrictEqual(attempts, []);
    });
});
