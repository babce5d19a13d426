// Tier 3: WelkinFlux from a Pulumi YAML program (examples/yaml), with the real engine, Pulumi
// YAML's language host and the kubernetes provider, as the application developer on the sandbox.
// The component runs as a provider plugin (bin/pulumi-resource-welkin-flux): the same inputs,
// outputs and messages a TypeScript program gets. Then as an npm user runs it: the example shipped
// in the package, with the README's "From npm" `packages:` entry, in a project of its own.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { destroyWithPreview, engineEnv, PROGRAM_DIR, upWithPreview } from "../../sandbox/lib/programStack";
import { sharedTarball, unpackAsDependency } from "../support/npmPack";
import { assertNoPlainSecrets } from "../support/plainSecrets";
import { sandboxFixture } from "../support/sandboxFixture";

const EXAMPLE = path.join(PROGRAM_DIR, "examples", "yaml");
const STACK = "e2e-yaml";
const NPM_STACK = "e2e-yaml-npm";

/** The ```yaml block after "**From npm**" in the README's "From Pulumi YAML" section, as a user copies it. */
export function readmeNpmPackagesEntry(): string {
    const readme = fs.readFileSync(path.join(PROGRAM_DIR, "README.md"), "utf8");
    const section = readme.split(/^### From Pulumi YAML.*$/m)[1]?.split(/^#{2,3} /m)[0];
    assert.ok(section, "README.md has no '### From Pulumi YAML' section");
    const m = /\*\*From npm\*\*[\s\S]*?```yaml\n([\s\S]*?)```/.exec(section);
    assert.ok(m, "README.md's 'From Pulumi YAML' section has no ```yaml block after **From npm**");
    assert.match(m[1], /^packages:\n/, "the README's From npm snippet is not a packages: section");
    return m[1];
}

/**
 * A program as an npm user makes it: the example the package ships, its `packages:` section (the
 * checkout's entry and the commented npm one) replaced by the README's snippet, word for word.
 */
export function npmConsumerProgram(shippedExample: string, packagesEntry: string): string {
    const block = /^packages:\n(?:[ \t]+\S.*\n)*/m;
    assert.match(shippedExample, block, "the shipped example has no packages: section");
    const program = shippedExample.replace(block, packagesEntry);
    assert.ok(program.includes(packagesEntry) && !program.includes("../../bin"), program);
    return program;
}

describe("WelkinFlux from Pulumi YAML (examples/yaml) on the sandbox", function () {
    this.timeout(600_000);
    const fx = sandboxFixture(this, "the YAML program", { prefix: "welkin-flux-yaml", needs: ["git", "yaml"], keyComment: "e2e-yaml" });
    let stack: Stack;
    const engineOutput: string[] = [];
    const timings: string[] = [];
    const admin = (args: string[]) => fx.admin(args);
    let tarball: string | undefined;
    /**
     * A fresh project folder as `npm install welkin-flux` leaves it (packed once per run), holding
     * the shipped example with the README's npm entry. It fails when the package lacks the example.
     */
    const npmConsumer = (name: string): string => {
        const project = path.join(fx.work, name);
        fs.mkdirSync(project);
        tarball ??= sharedTarball();
        const installed = unpackAsDependency(tarball, project);
        assert.ok(!fs.existsSync(path.join(installed, "components")), "the package must run without the TypeScript sources");
        const shipped = path.join(installed, "examples", "yaml", "Pulumi.yaml");
        assert.ok(fs.existsSync(shipped), "the npm package does not ship examples/yaml/Pulumi.yaml (package.json files), which the README points npm users to");
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), npmConsumerProgram(fs.readFileSync(shipped, "utf8"), readmeNpmPackagesEntry()));
        return project;
    };
    const timed = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
        const start = Date.now();
        const result = await run();
        timings.push(`${what} ${((Date.now() - start) / 1000).toFixed(1)} s`);
        return result;
    };

    before(async () => {
        stack = await fx.workspaceStack(EXAMPLE, STACK, fx.connectionConfig());
    });

    after(() => {
        if (timings.length > 0) {
            console.log(`      timings: ${timings.join(", ")}`);
        }
    });

    it("previews a fresh stack, then ups it with its preview, as the developer", async () => {
        const preview = await timed("fresh preview", () => stack.preview());
        engineOutput.push(preview.stdout, preview.stderr);
        assert.ok((preview.changeSummary.create ?? 0) > 40, JSON.stringify(preview.changeSummary));
        const up = await timed("up", () => upWithPreview(STACK, fx.pulumiDir, { cwd: EXAMPLE }));
        engineOutput.push(up.stdout, up.stderr);
        assert.strictEqual(up.code, 0, up.stdout + up.stderr);
        assert.doesNotMatch(up.stdout + up.stderr, /forbidden/i);
        const outputs = await stack.outputs();
        assert.strictEqual(outputs.namespace.value, "flux-system");
        assert.strictEqual(outputs.gitRepositoryName.value, "fleet-repo");
        assert.match(String(outputs.deployKeyFingerprint.value), /^SHA256:/);
        assert.strictEqual(admin(["get", "subnamespaceanchor", "flux-system", "-n", "production", "-o", "jsonpath={.status.status}"]), "Ok");
        assert.strictEqual(admin(["get", "deployments", "-n", "flux-system", "-o", "name"]).trim().split("\n").length, 4);
        // The program's patch, through the provider boundary: after Welkin's flags, on the three controllers it names.
        const deployments = JSON.parse(admin(["get", "deployments", "-n", "flux-system", "-o", "json"])).items as { metadata: { name: string }; spec: { template: { spec: { containers: { args: string[] }[] } } } }[];
        const patched = deployments.filter((d) => d.spec.template.spec.containers[0].args.at(-1) === "--concurrent=20").map((d) => d.metadata.name);
        assert.deepStrictEqual(patched.sort(), ["helm-controller", "kustomize-controller", "source-controller"]);
    });

    it("keeps the private key and the kubeconfig secret across the language boundary (state file and engine output)", () => {
        const stored = fs.readFileSync(path.join(fx.pulumiDir, "state", ".pulumi", "stacks", "welkin-flux-yaml", `${STACK}.json`), "utf8");
        assertNoPlainSecrets([["the stored state", stored], ["the engine output", engineOutput.join("\n")]], fx.keyFile, fx.sandbox.kubeconfigs.developer);
    });

    it("changes nothing on a second up", async () => {
        const up = await timed("no-op up", () => upWithPreview(STACK, fx.pulumiDir, { cwd: EXAMPLE }));
        assert.strictEqual(up.code, 0, up.stdout + up.stderr);
        assert.doesNotMatch(up.stdout, /created|updated|replaced|deleted/);
    });

    it("with the plugin from the npm package (node_modules/welkin-flux/bin), previews the deployed stack with nothing to create, delete or replace", async () => {
        const project = npmConsumer("from-npm");
        fs.copyFileSync(path.join(EXAMPLE, `Pulumi.${STACK}.yaml`), path.join(project, `Pulumi.${STACK}.yaml`));
        const fromNpm = await LocalWorkspace.selectStack({ stackName: STACK, workDir: project }, { envVars: engineEnv(fx.pulumiDir) });
        const preview = await timed("preview with the packaged plugin", () => fromNpm.preview({ diff: true }));
        engineOutput.push(preview.stdout, preview.stderr);
        // Same schema, same construction: the packaged plugin plans what the checkout's applied.
        // The two dynamic resources that run code at destroy store that code, compiled differently
        // in the package; their update stores it and changes nothing in the cluster.
        assert.deepStrictEqual(Object.keys(preview.changeSummary).sort(), ["same", "update"], preview.stdout);
        assert.ok((preview.changeSummary.same ?? 0) > 40, JSON.stringify(preview.changeSummary));
        const updated = [...preview.stdout.matchAll(/~ ([\w:/-]+): \(update\)/g)].map((m) => m[1]).sort();
        assert.deepStrictEqual(updated, ["pulumi-nodejs:dynamic/welkin-flux:FluxCrdStorage", "pulumi-nodejs:dynamic/welkin-flux:FluxObjectsTeardown"]);
    });

    it("refuses a bad input at preview with the message a TypeScript user gets", async () => {
        await stack.setConfig("fluxVersion", { value: "v2.3.0" });
        try {
            await assert.rejects(
                timed("bad-input preview", () => stack.preview()),
                /Invalid arguments for WelkinFlux "flux" \(nothing was created\):\s+- fluxVersion "v2\.3\.0" is not bundled with welkin-flux; supported: v2\.1\.2, v2\.9\.4/,
            );
        } finally {
            await stack.removeConfig("fluxVersion");
        }
    });

    it("destroys everything it made", async () => {
        const destroyed = await timed("destroy", () => destroyWithPreview(STACK, fx.pulumiDir, { cwd: EXAMPLE }));
        assert.strictEqual(destroyed.code, 0, destroyed.stdout + destroyed.stderr);
        assert.strictEqual(admin(["get", "subnamespaceanchor", "-n", "production", "-o", "name"]).trim(), "");
        assert.deepStrictEqual(fx.fluxCrds(), []);
    });

    // After the checkout's stack is gone: one Flux per cluster (flux-system, its CRDs).
    it("as an npm user: the shipped example with the README's packages: entry, in a fresh project, previews, ups with its preview and destroys", async () => {
        const project = npmConsumer("consumer");
        const consumer = await fx.workspaceStack(project, NPM_STACK, fx.connectionConfig(fx.git.createRepository("consumer")));
        const preview = await timed("npm project: fresh preview", () => consumer.preview({ diff: true }));
        assert.ok((preview.changeSummary.create ?? 0) > 40, JSON.stringify(preview.changeSummary));
        assert.match(preview.stdout, /\+ welkin-flux:index:WelkinFlux: \(create\)/, preview.stdout);
        const up = await timed("npm project: up", () => upWithPreview(NPM_STACK, fx.pulumiDir, { cwd: project }));
        assert.strictEqual(up.code, 0, up.stdout + up.stderr);
        assert.doesNotMatch(up.stdout + up.stderr, /forbidden/i);
        const stored = fs.readFileSync(path.join(fx.pulumiDir, "state", ".pulumi", "stacks", "welkin-flux-yaml", `${NPM_STACK}.json`), "utf8");
        assertNoPlainSecrets([["the npm project's state", stored], ["its engine output", [preview.stdout, preview.stderr, up.stdout, up.stderr].join("\n")]], fx.keyFile, fx.sandbox.kubeconfigs.developer);
        const outputs = await consumer.outputs();
        assert.strictEqual(outputs.gitRepositoryName.value, "consumer-repo");
        assert.strictEqual(admin(["get", "subnamespaceanchor", "flux-system", "-n", "production", "-o", "jsonpath={.status.status}"]), "Ok");
        assert.strictEqual(admin(["get", "gitrepositories.source.toolkit.fluxcd.io", "-n", "flux-system", "-o", "name"]).trim(), "gitrepository.source.toolkit.fluxcd.io/consumer-repo");
        const destroyed = await timed("npm project: destroy", () => destroyWithPreview(NPM_STACK, fx.pulumiDir, { cwd: project }));
        assert.strictEqual(destroyed.code, 0, destroyed.stdout + destroyed.stderr);
        assert.strictEqual(admin(["get", "subnamespaceanchor", "-n", "production", "-o", "name"]).trim(), "");
        assert.deepStrictEqual(fx.fluxCrds(), []);
    });
});
