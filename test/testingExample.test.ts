// welkin-flux/testing: the mocks a user's unit test installs (real keys, commits, metadata, the
// dynamic resources' results, GitHub's repository lookup), and the README's "Testing your
// program" run as a user runs it: copied verbatim into a fresh project beside the README's
// program, with the package from `npm pack`.
import * as assert from "assert";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { describeOwnPrivateKey } from "../components/keys/ownKey";
import { MOCKED_TYPES, mockKeyMaterial, outputValue, WelkinFluxMocks, welkinFluxMocks } from "../components/testing";
import { WelkinFlux } from "../components/welkinFlux";
import { sharedTarball, unpackAsDependency } from "./support/npmPack";
import { readmeBlock } from "./support/readme";

const ROOT = path.resolve(__dirname, "..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const KNOWN_HOSTS = "git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const HEX40 = /^[0-9a-f]{40}$/;

function sshKeygenAvailable(): boolean {
    try {
        childProcess.execFileSync("ssh-keygen", ["-?"], { stdio: "ignore" });
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code !== "ENOENT";
    }
}

describe("welkin-flux/testing mocks", function () {
    this.timeout(60_000);

    describe("tls.PrivateKey key material", () => {
        let dir: string;
        before(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-flux-mock-keys-"));
        });
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        const cases = [
            { algorithm: "ED25519", type: "ssh-ed25519" },
            { algorithm: "ECDSA", ecdsaCurve: "P256", type: "ecdsa-sha2-nistp256" },
            { algorithm: "ECDSA", ecdsaCurve: "P384", type: "ecdsa-sha2-nistp384" },
            { algorithm: "ECDSA", ecdsaCurve: "P521", type: "ecdsa-sha2-nistp521" },
            { algorithm: "RSA", rsaBits: 2048, type: "ssh-rsa" },
        ];
        for (const c of cases) {
            it(`${[c.algorithm, c.ecdsaCurve ?? c.rsaBits].filter((x) => x !== undefined).join(" ")}: a real key in the tls provider's formats, as ssh-keygen and the component read it`, async function () {
                const key = await mockKeyMaterial("flux-ssh-key", c);
                assert.match(key.publicKeyOpenssh, new RegExp(`^${c.type} [A-Za-z0-9+/]+=*\\n$`));
                assert.match(key.publicKeyFingerprintSha256, /^SHA256:[A-Za-z0-9+/]{43}$/);
                assert.match(key.publicKeyFingerprintMd5, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
                assert.match(key.privateKeyOpenssh, /^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+\n-----END OPENSSH PRIVATE KEY-----\n$/);
                assert.match(key.privateKeyPemPkcs8, /^-----BEGIN PRIVATE KEY-----\n/);
                assert.match(key.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);
                assert.match(key.privateKeyPem, { ED25519: /^-----BEGIN PRIVATE KEY-----\n/, ECDSA: /^-----BEGIN EC PRIVATE KEY-----\n/, RSA: /^-----BEGIN RSA PRIVATE KEY-----\n/ }[c.algorithm]!);
                // The same key as the component's own-key path derives (what `deployKey.privateKey` would give).
                const described = describeOwnPrivateKey(key.privateKeyOpenssh);
                assert.strictEqual(`${described.publicKeyOpenssh}\n`, key.publicKeyOpenssh);
                assert.strictEqual(described.fingerprintSha256, key.publicKeyFingerprintSha256);
                if (sshKeygenAvailable()) {
                    const file = path.join(dir, `${c.algorithm}-${c.ecdsaCurve ?? c.rsaBits}`);
                    fs.writeFileSync(file, key.privateKeyOpenssh, { mode: 0o600 });
                    assert.strictEqual(childProcess.execFileSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" }).trim(), key.publicKeyOpenssh.trim());
                    const listed = childProcess.execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", file], { encoding: "utf8" }).split(/\s+/)[1];
                    assert.strictEqual(listed, key.publicKeyFingerprintSha256);
                }
                // Same name, same key; another name, another key (RSA: the same within this process).
                assert.deepStrictEqual(await mockKeyMaterial("flux-ssh-key", c), key);
                assert.notStrictEqual((await mockKeyMaterial("other-ssh-key", c)).publicKeyOpenssh, key.publicKeyOpenssh);
            });
        }

        it("ED25519 keys are the same on every run: derived from the resource name", async () => {
            const key = await mockKeyMaterial("flux-ssh-key", { algorithm: "ED25519" });
            assert.strictEqual(key.publicKeyOpenssh, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFUw/+pOlbb/B4TV1+R6xNKTreL7Mz75J9NMjeWtzpts\n");
        });

        it("P-224, which OpenSSH lacks, has the PEM forms only, as from the tls provider", async () => {
            const key = await mockKeyMaterial("k", { algorithm: "ECDSA", ecdsaCurve: "P224" });
            assert.strictEqual(key.publicKeyOpenssh, "");
            assert.strictEqual(key.privateKeyOpenssh, "");
            assert.match(key.privateKeyPem, /^-----BEGIN EC PRIVATE KEY-----\n/);
        });
    });

    describe("WelkinFlux under welkinFluxMocks", () => {
        let mocks: WelkinFluxMocks;
        beforeEach(async () => {
            mocks = await welkinFluxMocks();
        });

        async function build(args: ConstructorParameters<typeof WelkinFlux>[1], opts?: pulumi.ComponentResourceOptions): Promise<WelkinFlux> {
            const flux = new WelkinFlux("dev", args, opts);
            await outputValue(flux.committedFiles);
            await mocks.settled();
            return flux;
        }

        it("GitHub: the key, the commits, the registration, the anchor and every object answer as their providers would", async () => {
            const gh = new github.Provider("github", { owner: "acme" });
            const flux = await build({ clusterName: "dev", repository: { owner: "acme", name: "fleet" } }, { providers: { github: gh } });
            const key = mocks.find(MOCKED_TYPES.privateKey, "dev-ssh-key");
            assert.strictEqual(await outputValue(flux.deployKeyFingerprint), key.outputs.publicKeyFingerprintSha256);
            assert.strictEqual(`${await outputValue(flux.deployKeyPublicKey)}\n`, key.outputs.publicKeyOpenssh);
            assert.match(await outputValue(flux.deployKeyPublicKey), /^ssh-ed25519 /);
            const files = await outputValue(flux.committedFiles);
            assert.deepStrictEqual(
                files.map((f) => f.path),
                mocks.ofType(MOCKED_TYPES.repositoryFile).map((r) => r.inputs.file),
            );
            assert.ok(files.every((f) => HEX40.test(f.commitSha)), JSON.stringify(files));
            assert.strictEqual(new Set(files.map((f) => f.commitSha)).size, 3);
            const deployKey = mocks.find(MOCKED_TYPES.repositoryDeployKey, "dev-deploy-key");
            assert.match(deployKey.id!, /^fleet:\d+$/);
            assert.match(String(deployKey.outputs.etag), /^W\/"[0-9a-f]{40}"$/);
            assert.strictEqual(deployKey.inputs.key, (key.outputs.publicKeyOpenssh as string).trim());
            assert.deepStrictEqual(mocks.find(MOCKED_TYPES.subnamespaceAnchor, "dev-anchor").outputs.status, { status: "Ok" });
            const secret = mocks.find(MOCKED_TYPES.secret, "dev-git-auth");
            assert.strictEqual(secret.id, "flux-system/fleet-auth");
            assert.match(String((secret.outputs.metadata as { uid: string }).uid), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
            assert.ok(secret.secretInputs.some((p) => p.startsWith("stringData")), `the git credentials must be secret; secret inputs: ${secret.secretInputs}`);
            assert.deepStrictEqual(mocks.find(MOCKED_TYPES.preflight, "dev-preflight").outputs.notes, []);
            assert.deepStrictEqual(mocks.find(MOCKED_TYPES.fluxCrdStorage, "dev-crd-storage").outputs.replaceCrds, []);
            assert.strictEqual(mocks.ofType(MOCKED_TYPES.welkinFlux).length, 1);
            assert.strictEqual(mocks.ofType(MOCKED_TYPES.fluxObjectsTeardown).length, 1);
            // The owner check reads the repository through the component's github provider.
            const lookups = mocks.calls.filter((c) => c.token === "github:index/getRepository:getRepository");
            assert.ok(lookups.every((c) => c.result.fullName === "acme/fleet"), JSON.stringify(lookups));
            assert.strictEqual(await outputValue(flux.namespace), "flux-system");
        });

        it("repository.url: the push's commits, one on the other, and the head", async () => {
            const own = await mockKeyMaterial("my-key", { algorithm: "ED25519" });
            const flux = await build({ clusterName: "dev", repository: { url: "ssh://git@git.example.com/acme/fleet.git" }, knownHosts: KNOWN_HOSTS, deployKey: { privateKey: own.privateKeyOpenssh, readOnly: false } });
            assert.strictEqual(await outputValue(flux.deployKeyFingerprint), own.publicKeyFingerprintSha256);
            const push = mocks.find(MOCKED_TYPES.sshGitFiles, "dev-sync-files");
            const commits = push.outputs.commits as { path: string; commitSha: string }[];
            assert.deepStrictEqual(await outputValue(flux.committedFiles), commits);
            assert.ok(commits.every((c) => HEX40.test(c.commitSha)));
            assert.strictEqual(push.outputs.headSha, commits[commits.length - 1].commitSha);
            assert.ok(push.secretInputs.includes("privateKey"), "the push key must be secret");
            assert.strictEqual(describeOwnPrivateKey(push.inputs.privateKey as string).fingerprintSha256, own.publicKeyFingerprintSha256);
        });

        it("getRepository answers with the owner of the github provider the call goes through, else githubOwner, else no fullName", async () => {
            const acme = new github.Provider("acme", { owner: "acme" });
            const other = new github.Provider("other", { owner: "someone-else" });
            const fullName = async (opts: pulumi.InvokeOptions) => (await github.getRepository({ name: "fleet" }, opts)).fullName;
            assert.strictEqual(await fullName({ provider: acme }), "acme/fleet");
            assert.strictEqual(await fullName({ provider: other }), "someone-else/fleet");
            assert.strictEqual(await fullName({}), undefined);
            const withOwner = await welkinFluxMocks({ githubOwner: "fallback" });
            assert.strictEqual(await fullName({}), "fallback/fleet");
            assert.strictEqual(withOwner.calls.length, 1);
            assert.strictEqual(withOwner.calls[0].inputs.name, "fleet");
        });

        it("anything else echoes its inputs", async () => {
            class Widget extends pulumi.CustomResource {
                constructor(name: string) {
                    super("acme:index:Widget", name, { size: 3 });
                }
            }
            const echoed = new Widget("w");
            await outputValue(echoed.urn);
            await mocks.settled();
            assert.deepStrictEqual(mocks.find("acme:index:Widget", "w").outputs, { size: 3 });
            assert.strictEqual(await outputValue(echoed.id), "w_id");
        });
    });
});

describe("the README's \"Testing your program\", with the packed package", function () {
    this.timeout(600_000);
    let work: string;
    let tarball: string;

    before(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-flux-testing-example-"));
        tarball = sharedTarball();
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it("names the devDependencies this repository tests with", () => {
        const shown = JSON.parse(readmeBlock("## Testing your program", "json")) as { devDependencies: Record<string, string> };
        const own = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
        for (const [name, range] of Object.entries(shown.devDependencies)) {
            assert.strictEqual(range, own.devDependencies[name], `README devDependency ${name}`);
        }
    });

    it("passes as written, beside the README's program, in a project of its own", () => {
        const consumer = path.join(work, "consumer");
        fs.mkdirSync(path.join(consumer, "test"), { recursive: true });
        const installed = unpackAsDependency(tarball, consumer);
        assert.ok(!fs.existsSync(path.join(installed, "components")), "the package must work without its TypeScript sources");
        const shown = JSON.parse(readmeBlock("## Testing your program", "json")) as { scripts: { test: string }; devDependencies: Record<string, string> };
        fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, ...shown, dependencies: { "welkin-flux": `file:${tarball}` } }, null, 2));
        // A Pulumi TypeScript project's tsconfig (`pulumi new typescript`): CommonJS, node resolution.
        fs.writeFileSync(
            path.join(consumer, "tsconfig.json"),
            JSON.stringify({ compilerOptions: { strict: true, outDir: "bin", target: "es2020", module: "commonjs", moduleResolution: "node", sourceMap: true, experimentalDecorators: true, noFallthroughCasesInSwitch: true, noImplicitReturns: true, forceConsistentCasingInFileNames: true }, files: ["index.ts"] }),
        );
        fs.writeFileSync(path.join(consumer, "index.ts"), readmeBlock("## Using the component", "ts"));
        fs.writeFileSync(path.join(consumer, "test", "program.test.ts"), readmeBlock("## Testing your program", "ts"));
        // `npm test` runs the script with the project's node_modules/.bin first on PATH; the
        // unpacked project links the repository's packages but not its .bin.
        let output: string;
        try {
            output = childProcess.execFileSync("sh", ["-c", shown.scripts.test], {
                cwd: consumer,
                encoding: "utf8",
                stdio: ["ignore", "pipe", "pipe"],
                env: { ...process.env, PATH: `${path.join(ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH}` },
                maxBuffer: 64 << 20,
            });
        } catch (e) {
            const x = e as { stdout?: string; stderr?: string };
            assert.fail(`the README's test fails in a user's project:\n${x.stdout ?? ""}\n${x.stderr ?? ""}`);
        }
        assert.match(output, /\b4 passing\b/, output);
        assert.doesNotMatch(output, /failing|pending/, output);
    });

    it("exports welkin-flux/testing (and package.json) from the package, and the README names each export", () => {
        const consumer = path.join(work, "exports");
        fs.mkdirSync(consumer);
        unpackAsDependency(tarball, consumer);
        const resolve = (request: string) =>
            childProcess.execFileSync("node", ["-e", `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(request)}))))`], { cwd: consumer, encoding: "utf8" });
        const testing = JSON.parse(resolve("welkin-flux/testing")) as string[];
        assert.deepStrictEqual(testing.sort(), ["MOCKED_TYPES", "WelkinFluxMocks", "mockKeyMaterial", "outputValue", "welkinFluxMocks"]);
        for (const name of testing) {
            assert.ok(README.includes(`\`${name}\``), `the README does not document welkin-flux/testing's ${name}`);
        }
        assert.ok(JSON.parse(resolve("welkin-flux/package.json")).includes("version"));
        assert.ok(JSON.parse(resolve("welkin-flux")).includes("WelkinFlux"));
    });
});
