// "Bring your own deploy key": keys made by the real ssh-keygen, compared with what ssh-keygen says.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describeOwnPrivateKey, normalizeOpenSshPrivateKey, OwnKeyError, ownKeyProblems } from "../components/keys/ownKey";

const FIELD = "deployKey.privateKey";
const PASSPHRASE_FIX = "ssh-keygen -p -N '' -f <file>";

describe("own deploy key (deployKey.privateKey)", function () {
    this.timeout(120000);
    let dir: string;

    before(function () {
        try {
            execFileSync("ssh-keygen", ["-?"], { stdio: "ignore" });
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code === "ENOENT") {
                this.skip();
            }
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "own-deploy-key-"));
    });
    after(() => {
        if (dir) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    /** Runs ssh-keygen to make a key; returns the private key file's path. */
    function keygen(name: string, args: string[], passphrase = ""): string {
        const file = path.join(dir, name);
        execFileSync("ssh-keygen", ["-q", ...args, "-N", passphrase, "-C", `${name}@test`, "-f", file], { stdio: "pipe" });
        return file;
    }
    const read = (file: string) => fs.readFileSync(file, "utf8");
    /** `<type> <base64>` of a one-line OpenSSH public key. */
    const typeAndBase64 = (line: string) => line.trim().split(/\s+/).slice(0, 2).join(" ");
    /** The `SHA256:...` field of `ssh-keygen -lf <file> -E sha256`. */
    const sshKeygenFingerprint = (file: string) => execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", file], { encoding: "utf8" }).split(/\s+/)[1];
    /** The public key ssh-keygen derives from a private key file. */
    const sshKeygenPublic = (text: string) => {
        const file = path.join(dir, `check-${process.hrtime.bigint()}`);
        fs.writeFileSync(file, text, { mode: 0o600 });
        return typeAndBase64(execFileSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" }));
    };

    function refusal(text: unknown): OwnKeyError {
        let thrown: unknown;
        try {
            describeOwnPrivateKey(text as string);
        } catch (e) {
            thrown = e;
        }
        assert.ok(thrown instanceof OwnKeyError, `expected an OwnKeyError, got ${String(thrown)}`);
        assert.ok(thrown instanceof Error);
        assert.strictEqual(thrown.name, "OwnKeyError");
        assert.ok(thrown.message.includes(FIELD), thrown.message);
        // The same message through the validation entry point, and normalize refuses too.
        assert.deepStrictEqual(ownKeyProblems(text), [thrown.message]);
        assert.throws(() => normalizeOpenSshPrivateKey(text as string), OwnKeyError);
        if (typeof text === "string") {
            assertNoKeyText(thrown, text);
        }
        return thrown;
    }

    /** No line of the key (header, body, footer) appears anywhere in the error. */
    function assertNoKeyText(err: Error, keyText: string) {
        const where = [err.message, String(err), err.stack ?? "", JSON.stringify(err)];
        for (const line of keyText.split(/\r?\n/).map((l) => l.trim())) {
            if (line.length < 8) {
                continue; // too short to be told apart from ordinary words
            }
            for (const w of where) {
                assert.ok(!w.includes(line), `the error repeats a line of the key: ${err.message}`);
            }
        }
    }

    const kinds: { name: string; args: string[]; algorithm: "ED25519" | "RSA" | "ECDSA"; type: string }[] = [
        { name: "ed25519", args: ["-t", "ed25519"], algorithm: "ED25519", type: "ssh-ed25519" },
        { name: "rsa3072", args: ["-t", "rsa", "-b", "3072"], algorithm: "RSA", type: "ssh-rsa" },
        { name: "ecdsa256", args: ["-t", "ecdsa", "-b", "256"], algorithm: "ECDSA", type: "ecdsa-sha2-nistp256" },
    ];

    for (const kind of kinds) {
        describe(kind.name, () => {
            let file: string;
            before(() => {
                file = keygen(kind.name, kind.args);
            });

            it("gives the fingerprint ssh-keygen shows and the .pub's public key", () => {
                const text = read(file);
                assert.ok(text.startsWith("-----BEGIN OPENSSH PRIVATE KEY-----"));
                const d = describeOwnPrivateKey(text);
                assert.strictEqual(d.algorithm, kind.algorithm);
                assert.match(d.fingerprintSha256, /^SHA256:[A-Za-z0-9+/]{43}$/);
                assert.strictEqual(d.fingerprintSha256, sshKeygenFingerprint(`${file}.pub`));
                assert.strictEqual(d.publicKeyOpenssh, typeAndBase64(read(`${file}.pub`)));
                assert.ok(d.publicKeyOpenssh.startsWith(`${kind.type} AAAA`));
                assert.ok(!d.publicKeyOpenssh.includes("@test"), "the comment is left out");
                assert.ok(!d.publicKeyOpenssh.endsWith("\n"));
                assert.deepStrictEqual(ownKeyProblems(text), []);
            });

            it("keeps an OpenSSH key as it is, and tidies CRLF, indentation and blank lines", () => {
                const text = read(file);
                assert.strictEqual(normalizeOpenSshPrivateKey(text), text);
                assert.strictEqual(normalizeOpenSshPrivateKey(text.trimEnd()), text, "adds the trailing newline");
                const messy = `\n\n${text
                    .trimEnd()
                    .split("\n")
                    .map((l) => `    ${l}`)
                    .join("\r\n")}\r\n\r\n`;
                assert.deepStrictEqual(describeOwnPrivateKey(messy), describeOwnPrivateKey(text));
                assert.strictEqual(normalizeOpenSshPrivateKey(messy), text);
                assert.strictEqual(sshKeygenPublic(normalizeOpenSshPrivateKey(messy)), typeAndBase64(read(`${file}.pub`)));
            });

            it("refuses the key when protected by a passphrase, naming the fix", () => {
                const enc = keygen(`${kind.name}-enc`, kind.args, "secret");
                const err = refusal(read(enc));
                assert.strictEqual(err.problem, "encrypted");
                assert.ok(err.message.includes(PASSPHRASE_FIX), err.message);
                assert.ok(err.message.includes("passphrase"), err.message);
            });
        });
    }

    describe("PEM input", () => {
        const pems: { name: string; args: string[]; header: string; algorithm: string }[] = [
            { name: "rsa-pem", args: ["-t", "rsa", "-b", "3072", "-m", "PEM"], header: "-----BEGIN RSA PRIVATE KEY-----", algorithm: "RSA" },
            { name: "ecdsa-pem", args: ["-t", "ecdsa", "-b", "256", "-m", "PEM"], header: "-----BEGIN EC PRIVATE KEY-----", algorithm: "ECDSA" },
            { name: "rsa-pkcs8", args: ["-t", "rsa", "-b", "2048", "-m", "PKCS8"], header: "-----BEGIN PRIVATE KEY-----", algorithm: "RSA" },
        ];
        for (const pem of pems) {
            it(`${pem.name}: normalizes to an OpenSSH key that ssh-keygen accepts, same public key`, () => {
                const file = keygen(pem.name, pem.args);
                const text = read(file);
                assert.ok(text.startsWith(pem.header), text.split("\n")[0]);
                const d = describeOwnPrivateKey(text);
                assert.strictEqual(d.algorithm, pem.algorithm);
                assert.strictEqual(d.fingerprintSha256, sshKeygenFingerprint(`${file}.pub`));
                assert.strictEqual(d.publicKeyOpenssh, typeAndBase64(read(`${file}.pub`)));

                const openssh = normalizeOpenSshPrivateKey(text);
                assert.ok(openssh.startsWith("-----BEGIN OPENSSH PRIVATE KEY-----\n"), openssh.split("\n")[0]);
                assert.ok(openssh.endsWith("-----END OPENSSH PRIVATE KEY-----\n"));
                assert.strictEqual(sshKeygenPublic(openssh), typeAndBase64(read(`${file}.pub`)));
                assert.deepStrictEqual(describeOwnPrivateKey(openssh), d);
                // Once in OpenSSH form it stays as it is.
                assert.strictEqual(normalizeOpenSshPrivateKey(openssh), openssh);
            });
        }

        it("refuses passphrase-protected PEM and PKCS#8 keys, naming the fix", () => {
            for (const [name, args] of [
                ["rsa-pem-enc", ["-t", "rsa", "-b", "2048", "-m", "PEM"]],
                ["rsa-pkcs8-enc", ["-t", "rsa", "-b", "2048", "-m", "PKCS8"]],
            ] as [string, string[]][]) {
                const err = refusal(read(keygen(name, args, "secret")));
                assert.strictEqual(err.problem, "encrypted", name);
                assert.ok(err.message.includes(PASSPHRASE_FIX), err.message);
            }
        });
    });

    describe("refusals", () => {
        let good: string;
        let goodFile: string;
        before(() => {
            goodFile = keygen("refusals-ed25519", ["-t", "ed25519"]);
            good = read(goodFile);
        });

        it("a public key given instead of the private key", () => {
            const err = refusal(read(`${goodFile}.pub`));
            assert.strictEqual(err.problem, "public-key");
            assert.match(err.message, /public key/);
            const rsaPub = read(`${keygen("refusals-rsa", ["-t", "rsa", "-b", "2048"])}.pub`);
            assert.strictEqual(refusal(rsaPub).problem, "public-key");
        });

        it("random text and an empty string", () => {
            for (const garbage of ["hello world", "lorem ipsum dolor\nsit amet consectetur\n", "-----BEGIN NONSENSE-----\nAAAA\n-----END NONSENSE-----\n", "{}"]) {
                assert.strictEqual(refusal(garbage).problem, "malformed", garbage);
            }
            for (const empty of ["", "   \n\n"]) {
                assert.strictEqual(refusal(empty).problem, "empty");
            }
        });

        it("a truncated key, cut in several ways", () => {
            const lines = good.trimEnd().split("\n");
            const cuts = {
                "first half": lines.slice(0, Math.ceil(lines.length / 2)).join("\n"),
                "no END line": lines.slice(0, -1).join("\n"),
                "a body line missing": [...lines.slice(0, 2), ...lines.slice(3)].join("\n"),
                "first 200 characters": good.slice(0, 200),
                "half of the last body line": [...lines.slice(0, -2), lines[lines.length - 2].slice(0, 20), lines[lines.length - 1]].join("\n"),
            };
            for (const [what, text] of Object.entries(cuts)) {
                const err = refusal(text);
                assert.strictEqual(err.problem, "malformed", what);
                assert.match(err.message, /truncated/, what);
            }
        });

        it("values that are not strings", () => {
            for (const value of [undefined, null, 42, {}, ["x"], Buffer.from(good)]) {
                const problems = ownKeyProblems(value);
                assert.strictEqual(problems.length, 1);
                assert.ok(problems[0].startsWith(`${FIELD} must be the text of an OpenSSH private key`), problems[0]);
                assert.ok(!problems[0].includes(good.split("\n")[1]));
            }
            assert.strictEqual(refusal(42).problem, "not-a-string");
        });

        it("a DSA key (unsupported type)", function () {
            let file: string;
            try {
                file = keygen("dsa", ["-t", "dsa"]);
            } catch {
                this.skip(); // OpenSSH 9.8+ builds no longer make DSA keys
            }
            const err = refusal(read(file));
            assert.strictEqual(err.problem, "unsupported");
            assert.match(err.message, /DSA/);
            assert.match(err.message, /ssh-keygen -t ed25519/);
        });

        it("keys of types GitHub does not take (Ed448, secp256k1), when openssl can make them", function () {
            const made: string[] = [];
            for (const args of [
                ["genpkey", "-algorithm", "ed448"],
                ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
            ]) {
                try {
                    made.push(execFileSync("openssl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
                } catch {
                    // not available in this openssl
                }
            }
            if (made.length === 0) {
                this.skip();
            }
            for (const text of made) {
                assert.strictEqual(refusal(text).problem, "unsupported");
            }
        });

        it("no error message ever contains a line of the private key", () => {
            // refusal() checks this for every case above; here once more for a passphrase-less key
            // mangled so that its lines are still all there.
            const lines = good.trimEnd().split("\n");
            const reordered = [lines[0], ...lines.slice(1, -1).reverse(), lines[lines.length - 1]].join("\n");
            if (reordered !== good.trimEnd()) {
                const err = refusal(reordered);
                assertNoKeyText(err, good);
            }
        });
    });
});
