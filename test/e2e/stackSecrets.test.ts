// Secrets in stack files, with the real Pulumi CLI and the program's own project: a kubeconfig,
// token or key set without --secret lands in Pulumi.<stack>.yaml in plain text, and the next
// preview must refuse it, naming the setting and the fix but never the value.
import * as assert from "assert";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { engineEnv, PROGRAM_DIR, removeStackFile } from "../../sandbox/lib/programStack";
import { findBinary } from "../../sandbox/lib/toolchain";

const NEEDED = ["pulumi", "pulumi-language-nodejs"];

describe("stack secrets with the real Pulumi CLI", function () {
    this.timeout(300_000);
    const stack = `secrets-${process.pid}`;
    let pulumiDir: string;

    const cli = (args: string[]) =>
        childProcess.spawnSync("pulumi", [...args, "--stack", stack, "--non-interactive", "--color=never"], {
            cwd: PROGRAM_DIR,
            env: { ...process.env, ...engineEnv(pulumiDir) },
            encoding: "utf8",
        });

    before(function () {
        const missing = NEEDED.filter((b) => findBinary(b) === undefined);
        if (missing.length > 0) {
            console.log(`      skipped: ${missing.join(", ")} not built (bash sandbox/toolchain/build.sh pulumi)`);
            this.skip();
        }
        pulumiDir = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-secrets-"));
        const init = cli(["stack", "init"]);
        assert.strictEqual(init.status, 0, init.stderr);
        assert.strictEqual(cli(["config", "set", "clusterName", "secrets"]).status, 0);
        assert.strictEqual(cli(["config", "set", "githubOwner", "acme"]).status, 0);
        assert.strictEqual(cli(["config", "set", "githubRepository", "fleet"]).status, 0);
    });

    after(() => {
        if (pulumiDir !== undefined) {
            cli(["stack", "rm", "--yes", "--force"]);
            removeStackFile(stack);
            fs.rmSync(pulumiDir, { recursive: true, force: true });
        }
    });

    for (const key of ["kubeconfig", "githubToken"]) {
        it(`refuses ${key} set without --secret at preview, naming the setting and the fix, never the value`, () => {
            const value = `apiVersion: v1 # ${key} token-${process.pid}-s3cr3t`;
            const set = cli(["config", "set", key, value]);
            if (key === "githubToken") {
                // The CLI refuses a high-entropy value under a name with "token" in it; --plaintext overrides that.
                assert.match(set.stderr, /looks like a secret; rerun with --secret/);
                assert.strictEqual(cli(["config", "set", "--plaintext", key, value]).status, 0);
            } else {
                assert.strictEqual(set.status, 0, "the CLI itself stores the plain value, without a word");
            }
            assert.ok(fs.readFileSync(path.join(PROGRAM_DIR, `Pulumi.${stack}.yaml`), "utf8").includes(`token-${process.pid}-s3cr3t`));

            const plain = cli(["preview"]);
            const said = plain.stdout + plain.stderr;
            assert.notStrictEqual(plain.status, 0, said);
            assert.ok(said.includes(`The setting ${key} is stored in plain text in Pulumi.${stack}.yaml, and it holds a secret. Encrypt it: pulumi config set --secret ${key}`), said);
            assert.ok(!said.includes(`token-${process.pid}-s3cr3t`), "the preview printed the value");

            assert.strictEqual(cli(["config", "set", "--secret", key, value]).status, 0);
            const encrypted = cli(["preview"]);
            assert.ok(!(encrypted.stdout + encrypted.stderr).includes("stored in plain text"), encrypted.stdout + encrypted.stderr);
            assert.ok(!fs.readFileSync(path.join(PROGRAM_DIR, `Pulumi.${stack}.yaml`), "utf8").includes(`token-${process.pid}-s3cr3t`));
            assert.strictEqual(cli(["config", "rm", key]).status, 0);
        });
    }
});
