// The root program (index.ts) and its project files: what `pulumi up -s dev` runs.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import { settle, unwrap, useMocks } from "./support/mocks";

const ROOT = path.resolve(__dirname, "..");
const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
    name: string;
    runtime: string;
    main: string;
    config: Record<string, { type: string; description?: string; default?: unknown; items?: { type: string } }>;
};
const devStack = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };

// The config keys index.ts reads: config.get..., config.require... and its optional()/optionalSecret() helpers.
function keysReadByProgram(): string[] {
    const source = fs.readFileSync(path.join(ROOT, "index.ts"), "utf8");
    const keys = [...source.matchAll(/(?:config\.(?:get|require)\w*(?:<[^>]*>)?|optional(?:Secret)?)\("([A-Za-z0-9]+)"\)/g)].map((m) => m[1]);
    return [...new Set(keys)].sort();
}

describe("Pulumi project files", () => {
    it("name the project, the nodejs runtime and index.ts as the program", () => {
        assert.strictEqual(project.name, "welkin-flux");
        assert.strictEqual(project.runtime, "nodejs");
        assert.strictEqual(project.main, "index.ts");
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
        assert.deepStrictEqual(required, ["clusterName", "githubOwner", "githubRepository"]);
    });

    it("give the dev stack only declared settings, and all required ones", () => {
        const keys = Object.keys(devStack.config).map((k) => k.replace(/^welkin-flux:/, ""));
        for (const k of keys) {
            assert.ok(k in project.config, `Pulumi.dev.yaml sets undeclared ${k}`);
        }
        for (const k of ["clusterName", "githubOwner", "githubRepository"]) {
            assert.ok(keys.includes(k), `Pulumi.dev.yaml lacks ${k}`);
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
        const mocks = await useMocks();
        const config: Record<string, string> = {};
        for (const [k, v] of Object.entries(devStack.config)) {
            config[k] = typeof v === "string" ? v : JSON.stringify(v);
        }
        config["welkin-flux:kubeconfig"] = [
            "apiVersion: v1",
            "current-context: dev",
            "contexts: [{name: dev, context: {cluster: c, user: u}}]",
            "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:6443'}}]",
            "users: [{name: u, user: {token: t}}]",
        ].join("\n");
        pulumi.runtime.setAllConfig(config, ["welkin-flux:kubeconfig"]);
        try {
            delete require.cache[require.resolve("../index")];
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const program = require("../index") as Record<string, pulumi.Output<unknown>>;
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
            await settle(mocks);
            const providers = mocks.registrations.filter((r) => r.type.startsWith("pulumi:providers:"));
            assert.deepStrictEqual(providers.map((p) => p.type).sort(), ["pulumi:providers:github", "pulumi:providers:kubernetes", "pulumi:providers:tls"]);
            assert.strictEqual(mocks.find("pulumi:providers:github", "github").inputs.owner, "example-org");
            assert.strictEqual(mocks.ofType("welkin-flux:index:WelkinFlux").length, 1);
            const anchor = mocks.ofType("kubernetes:hnc.x-k8s.io/v1alpha2:SubnamespaceAnchor")[0];
            assert.strictEqual((anchor.inputs.metadata as { namespace: string }).namespace, "production");
        } finally {
            pulumi.runtime.setAllConfig({}, []);
        }
    });
});
