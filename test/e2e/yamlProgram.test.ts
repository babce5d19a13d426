// Tier 3: WelkinFlux from a Pulumi YAML program (examples/yaml), with the real engine, Pulumi
// YAML's language host and the kubernetes provider, as the application developer on the sandbox.
// The component runs as a provider plugin (bin/pulumi-resource-welkin-flux): the same inputs,
// outputs and messages a TypeScript program gets.
import * as assert from "assert";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { kubectl, Sandbox, startSandbox, tempStateDir } from "../../sandbox/lib/cluster";
import { GitServer, gitServerPrerequisites, startGitServer } from "../../sandbox/lib/gitServer";
import { destroyWithPreview, engineEnv, PROGRAM_DIR, upWithPreview } from "../../sandbox/lib/programStack";
import { findBinary, missingSandboxBinaries } from "../../sandbox/lib/toolchain";
import { stopSandboxAndClean } from "../support/e2eCleanup";
import { packTarball, unpackAsDependency } from "../support/npmPack";
import { assertNoPlainSecrets } from "../support/plainSecrets";

const EXAMPLE = path.join(PROGRAM_DIR, "examples", "yaml");
const STACK = "e2e-yaml";

describe("WelkinFlux from Pulumi YAML (examples/yaml) on the sandbox", function () {
    this.timeout(600_000);
    let sandbox: Sandbox | undefined;
    let git: GitServer | undefined;
    let work: string;
    let stack: Stack;
    let keyFile: string;
    const engineOutput: string[] = [];
    const timings: string[] = [];
    const pulumiDir = () => path.join(work, "pulumi");
    const admin = (args: string[]) => kubectl(sandbox!.kubeconfigs.admin, args);
    const timed = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
        const start = Date.now();
        const result = await run();
        timings.push(`${what} ${((Date.now() - start) / 1000).toFixed(1)} s`);
        return result;
    };

    before(async function () {
        const missing = [...missingSandboxBinaries(), ...gitServerPrerequisites(), ...(findBinary("pulumi-language-yaml") ? [] : ["pulumi-language-yaml (build.sh yaml)"])];
        if (missing.length > 0) {
            console.log(`    SKIPPED: the YAML program needs the sandbox toolchain, a git server and Pulumi YAML's language host (missing ${missing.join(", ")}); run sandbox/toolchain/build.sh sandbox yaml`);
            this.skip();
        }
        work = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-flux-yaml-"));
        sandbox = await startSandbox(tempStateDir(), () => undefined);
        git = await startGitServer(sandbox.stateDir);
        const url = git.createRepository("fleet");
        keyFile = path.join(work, "deploy_key");
        childProcess.execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "e2e-yaml", "-f", keyFile]);
        git.addKey(fs.readFileSync(`${keyFile}.pub`, "utf8"), { write: true });
        const env = engineEnv(pulumiDir());
        process.env.PATH = env.PATH;
        stack = await LocalWorkspace.createOrSelectStack({ stackName: STACK, workDir: EXAMPLE }, { envVars: env });
        await stack.setAllConfig({
            clusterName: { value: "sandbox" },
            gitUrl: { value: url },
            knownHosts: { value: git.knownHosts },
            deployKeyPrivateKey: { value: fs.readFileSync(keyFile, "utf8"), secret: true },
            kubeconfig: { value: fs.readFileSync(sandbox.kubeconfigs.developer, "utf8"), secret: true },
        });
    });

    let failed = false;
    afterEach(function () {
        failed = failed || this.currentTest?.state === "failed";
    });

    after(async () => {
        fs.rmSync(path.join(EXAMPLE, `Pulumi.${STACK}.yaml`), { force: true });
        if (timings.length > 0) {
            console.log(`      timings: ${timings.join(", ")}`);
        }
        await stopSandboxAndClean(sandbox, work, { failed, prefix: "welkin-flux-yaml" });
    });

    it("previews a fresh stack, then ups it with its preview, as the developer", async () => {
        const preview = await timed("fresh preview", () => stack.preview());
        engineOutput.push(preview.stdout, preview.stderr);
        assert.ok((preview.changeSummary.create ?? 0) > 40, JSON.stringify(preview.changeSummary));
        const up = await timed("up", () => upWithPreview(STACK, pulumiDir(), { cwd: EXAMPLE }));
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
        const stored = fs.readFileSync(path.join(pulumiDir(), "state", ".pulumi", "stacks", "welkin-flux-yaml", `${STACK}.json`), "utf8");
        assertNoPlainSecrets([["the stored state", stored], ["the engine output", engineOutput.join("\n")]], keyFile, sandbox!.kubeconfigs.developer);
    });

    it("changes nothing on a second up", async () => {
        const up = await timed("no-op up", () => upWithPreview(STACK, pulumiDir(), { cwd: EXAMPLE }));
        assert.strictEqual(up.code, 0, up.stdout + up.stderr);
        assert.doesNotMatch(up.stdout, /created|updated|replaced|deleted/);
    });

    it("with the plugin from the npm package (node_modules/welkin-flux/bin), previews the deployed stack with nothing to create, delete or replace", async () => {
        const project = path.join(work, "from-npm");
        fs.mkdirSync(project);
        const installed = unpackAsDependency(packTarball(work), project);
        assert.ok(!fs.existsSync(path.join(installed, "components")), "the package must run without the TypeScript sources");
        const program = fs.readFileSync(path.join(EXAMPLE, "Pulumi.yaml"), "utf8").replace("welkin-flux: ../../bin", "welkin-flux: ./node_modules/welkin-flux/bin");
        assert.match(program, /^ {2}welkin-flux: \.\/node_modules\/welkin-flux\/bin$/m);
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), program);
        fs.copyFileSync(path.join(EXAMPLE, `Pulumi.${STACK}.yaml`), path.join(project, `Pulumi.${STACK}.yaml`));
        const fromNpm = await LocalWorkspace.selectStack({ stackName: STACK, workDir: project }, { envVars: engineEnv(pulumiDir()) });
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
        const destroyed = await timed("destroy", () => destroyWithPreview(STACK, pulumiDir(), { cwd: EXAMPLE }));
        assert.strictEqual(destroyed.code, 0, destroyed.stdout + destroyed.stderr);
        assert.strictEqual(admin(["get", "subnamespaceanchor", "-n", "production", "-o", "name"]).trim(), "");
        assert.deepStrictEqual(admin(["get", "crd", "-o", "name"]).split("\n").filter((c) => c.includes("toolkit.fluxcd.io")), []);
    });
});
