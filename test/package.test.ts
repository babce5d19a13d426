// The published package, as an npm user gets it: packed, installed into a fresh project outside
// the repository, the README's usage snippet compiled with strict TypeScript and run under mocks.
import * as assert from "assert";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { inferSchema } from "../components/providerHost";
import { pluginSchemaFromCli } from "../sandbox/lib/programStack";
import { findBinary } from "../sandbox/lib/toolchain";
import { assertSameSurface } from "./support/componentSchema";
import { readmeBlock } from "./support/readme";
import { sharedTarball } from "./support/npmPack";

const ROOT = path.resolve(__dirname, "..");
const PULUMI_PACKAGES = ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/github", "@pulumi/tls"];

function run(command: string, args: string[], cwd: string): string {
    return childProcess.execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
}

describe("npm package", function () {
    this.timeout(300_000);
    let work: string;
    let tarball: string;

    before(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-flux-package-"));
        tarball = sharedTarball();
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it("contains compiled JS, type declarations, the bundled manifests, the provider plugin, the YAML example, README and LICENSE, and nothing else", () => {
        const entries = run("tar", ["-tzf", tarball], work)
            .split("\n")
            .filter((e) => e !== "")
            .map((e) => e.replace(/^package\//, ""));
        const unexpected = entries.filter(
            (e) =>
                !["package.json", "README.md", "LICENSE", "bin/pulumi-resource-welkin-flux", "dist/schema.json", "examples/yaml/Pulumi.yaml"].includes(e) &&
                !/^dist\/.+\.(js|d\.ts)$/.test(e) &&
                !/^dist\/manifests\/flux\/v\d+\.\d+\.\d+\/gotk-components(-with-image-automation)?\.yaml$/.test(e),
        );
        assert.deepStrictEqual(unexpected, []);
        // The README sends npm users of Pulumi YAML to the example: it ships (its stack files do not).
        for (const needed of ["dist/index.js", "dist/index.d.ts", "dist/welkinFlux.d.ts", "dist/manifests/flux/v2.1.2/gotk-components.yaml", "examples/yaml/Pulumi.yaml", "README.md", "LICENSE"]) {
            assert.ok(entries.includes(needed), `${needed} is missing from the package`);
        }
        assert.ok(!entries.some((e) => e.startsWith("test/") || e.startsWith("components/") || e === "index.ts" || e.startsWith("Pulumi.")));
    });

    it("carries the provider plugin for Pulumi YAML and other languages, with the schema the sources give", async () => {
        const packaged = JSON.parse(run("tar", ["-xzOf", tarball, "package/dist/schema.json"], work));
        const version = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version as string;
        assert.deepStrictEqual(packaged, JSON.parse(await inferSchema(ROOT, version)));
        const mode = run("tar", ["-tvzf", tarball, "package/bin/pulumi-resource-welkin-flux"], work);
        assert.match(mode, /^-rwx/, "the plugin must be executable");
    });

    it("installs into a fresh project, compiles the README snippet strictly and runs it under mocks", () => {
        const consumer = path.join(work, "consumer");
        fs.mkdirSync(consumer);
        const own = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        const devVersion = (name: string) => own.devDependencies[name] as string;
        fs.writeFileSync(
            path.join(consumer, "package.json"),
            JSON.stringify(
                {
                    name: "consumer",
                    private: true,
                    dependencies: {
                        "welkin-flux": `file:${tarball}`,
                        ...Object.fromEntries(PULUMI_PACKAGES.map((p) => [p, devVersion(p)])),
                        typescript: devVersion("typescript"),
                        "@types/node": devVersion("@types/node"),
                    },
                },
                null,
                2,
            ),
        );
        run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], consumer);
        // Peer dependencies: one copy of the Pulumi SDK, the consumer's.
        for (const p of PULUMI_PACKAGES) {
            assert.ok(!fs.existsSync(path.join(consumer, "node_modules", "welkin-flux", "node_modules", p)), `welkin-flux brought its own ${p}`);
        }
        fs.writeFileSync(path.join(consumer, "index.ts"), readmeBlock("## Using the component", "ts"));
        fs.writeFileSync(
            path.join(consumer, "tsconfig.json"),
            JSON.stringify({ compilerOptions: { strict: true, target: "ES2020", module: "commonjs", esModuleInterop: true, skipLibCheck: true, types: ["node"] }, files: ["index.ts"] }),
        );
        try {
            run(path.join(consumer, "node_modules", ".bin", "tsc"), ["-p", "."], consumer);
        } catch (e) {
            assert.fail(`the README snippet does not compile:\n${(e as { stdout?: string }).stdout}`);
        }
        fs.writeFileSync(
            path.join(consumer, "run.js"),
            `
const pulumi = require("@pulumi/pulumi");
const registered = [];
pulumi.runtime.setMocks({
    newResource: (a) => { registered.push(a.type); return { id: a.name + "-id", state: { ...a.inputs, publicKeyOpenssh: "ssh-ed25519 AAAA", publicKeyFingerprintSha256: "SHA256:x", commitSha: "c" } }; },
    // The repository as GitHub answers it through the README's provider (owner my-org).
    call: (a) => { if (a.token === "github:index/getRepository:getRepository") return { fullName: "my-org/" + a.inputs.name }; throw new Error("unexpected call " + a.token); },
}, "consumer", "dev", false).then(async () => {
    pulumi.runtime.setAllConfig({ "consumer:kubeconfig": "apiVersion: v1\\ncurrent-context: c\\ncontexts: [{name: c, context: {cluster: k, user: u}}]\\nclusters: [{name: k, cluster: {server: 'https://127.0.0.1:6443'}}]\\nusers: [{name: u, user: {token: t}}]\\n" }, ["consumer:kubeconfig"]);
    const program = require("./index.js");
    const fingerprint = await new Promise((r) => program.deployKeyFingerprint.apply(r));
    await new Promise((r) => setTimeout(r, 1000));
    console.log(JSON.stringify({ fingerprint, registered }));
});
`,
        );
        if (findBinary("pulumi") !== undefined) {
            // The installed package's plugin, as `packages: { welkin-flux: node_modules/welkin-flux/bin }` runs it.
            const fromPlugin = JSON.parse(pluginSchemaFromCli(path.join(consumer, "node_modules", "welkin-flux", "bin", "pulumi-resource-welkin-flux"), path.join(work, "pulumi")));
            assertSameSurface(fromPlugin, JSON.parse(fs.readFileSync(path.join(consumer, "node_modules", "welkin-flux", "dist", "schema.json"), "utf8")));
        } else {
            console.log("      (plugin schema not read: needs the Pulumi CLI from the sandbox toolchain, sandbox/toolchain/build.sh pulumi)");
        }
        const result = JSON.parse(run("node", ["run.js"], consumer).trim().split("\n").pop()!) as { fingerprint: string; registered: string[] };
        assert.strictEqual(result.fingerprint, "SHA256:x");
        assert.ok(result.registered.includes("welkin-flux:index:WelkinFlux"));
        assert.ok(result.registered.includes("pulumi-nodejs:dynamic/welkin-flux:AdminDelegation"));
        assert.ok(result.registered.length > 40, `only ${result.registered.length} resources registered`);
    });

    it("exports exactly the public API the README documents", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const lib = require(path.join(ROOT, "components")) as Record<string, unknown>;
        assert.deepStrictEqual(Object.keys(lib).sort(), [
            "DEFAULT_BRANCH",
            "DEFAULT_FLUX_VERSION",
            "DEFAULT_PARENT_NAMESPACE",
            "DEFAULT_SYNC_INTERVAL",
            "DeployKeyAlgorithm",
            "EXTRA_COMPONENTS",
            "FLUX_NAMESPACE",
            "FluxVersion",
            "GITHUB_KNOWN_HOSTS",
            "PolicyMode",
            "SUPPORTED_FLUX_VERSIONS",
            "WELKIN_FLUX_TYPE",
            "WelkinFlux",
            "WelkinFluxArgsError",
            "WelkinPolicyError",
            "layoutTenantManifests",
        ]);
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        for (const name of Object.keys(lib)) {
            assert.ok(readme.includes(`\`${name}\``), `the README does not document the export ${name}`);
        }
    });
});
