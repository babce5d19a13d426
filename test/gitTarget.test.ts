// SshGitFiles (docs/ARCHITECTURE.md step 7 on a non-GitHub server) against a real sshd + git-shell
// on loopback (sandbox/lib/gitServer.ts). The provider's functions are called directly: no Pulumi
// engine.
import * as assert from "assert";
import * as childProcess from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import * as pulumi from "@pulumi/pulumi";
import { isStaleRejection } from "../components/gitTarget/commitFiles";
import { explainGitFailure } from "../components/gitTarget/gitSession";
import { GitFile, inputProblems, PackedFile, packFile, SshGitFilesInputs, SshGitFilesOutputs, UNKNOWN } from "../components/gitTarget/inputs";
import { sha256Hex } from "../components/state/packedText";
import { packFiles, SshGitFiles } from "../components/gitTarget/sshGitFiles";
import { makeSshGitFilesProvider, sshGitFilesProvider } from "../components/gitTarget/sshGitFilesProvider";
import { GitServer } from "../sandbox/lib/gitServer";
import { gitServerOrSkip } from "./support/gitServerSuite";
import { settle, unwrap, useMocks } from "./support/mocks";

interface KeyPair {
    privateKey: string;
    publicKey: string;
}

const ours = (cluster: string, v = "1"): GitFile[] => [
    { path: `clusters/${cluster}/flux-system/gotk-components.yaml`, content: `# components ${v}\n` },
    { path: `clusters/${cluster}/flux-system/gotk-sync.yaml`, content: `# sync ${v}\n` },
    { path: `clusters/${cluster}/flux-system/kustomization.yaml`, content: `# kustomization ${v}\n` },
];
const FOREIGN = "clusters/other/flux-system/gotk-sync.yaml";

/** Outputs keep each file's path and sha256 only: no content, no gzip of it. */
function assertNoContent(outs: SshGitFilesOutputs, files: GitFile[]): void {
    const text = JSON.stringify(outs);
    for (const f of files) {
        assert.ok(!text.includes(f.content.trim()), `the outputs hold the content of ${f.path}: ${text}`);
        assert.ok(!text.includes(packFile(f).gzip), `the outputs hold the gzip of ${f.path}`);
    }
    assert.deepStrictEqual(
        outs.files,
        files.map((f) => ({ path: f.path, sha256: sha256Hex(f.content) })),
    );
}

function keygen(dir: string, name: string): KeyPair {
    const file = path.join(dir, name);
    childProcess.execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", file]);
    return { privateKey: fs.readFileSync(file, "utf8"), publicKey: fs.readFileSync(`${file}.pub`, "utf8") };
}

/** git without SSH, straight on the server's bare repository (someone else's commits, and the truth to check against). */
function bareGit(repo: string, args: string[], cwd?: string): string {
    const env = { ...process.env, GIT_AUTHOR_NAME: "someone", GIT_AUTHOR_EMAIL: "someone@example.com", GIT_COMMITTER_NAME: "someone", GIT_COMMITTER_EMAIL: "someone@example.com", GIT_CONFIG_GLOBAL: os.devNull };
    return childProcess.execFileSync("git", cwd === undefined ? ["--git-dir", repo, ...args] : args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

describe("SshGitFiles against an SSH git server", function () {
    this.timeout(120_000);
    let tmp: string;
    let server: GitServer;
    let writer: KeyPair;
    let reader: KeyPair;
    let stranger: KeyPair;
    let repoCount = 0;

    before(async function () {
        this.timeout(600_000);
        ({ tmp, server } = await gitServerOrSkip(this, "welkin-git-target-", (t) => t));
        writer = keygen(tmp, "writer");
        reader = keygen(tmp, "reader");
        stranger = keygen(tmp, "stranger");
        server.addKey(writer.publicKey, { write: true });
        server.addKey(reader.publicKey, { write: false });
    });

    after(async () => {
        await server?.stop();
        if (tmp !== undefined) {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    const bare = (name: string) => path.join(server.dir, "repos", `${name}.git`);

    /** A repository whose main branch already holds another cluster's file. */
    function repoWithForeignFile(): { name: string; url: string } {
        const name = `fleet${++repoCount}`;
        const url = server.createRepository(name);
        pushForeign(name, FOREIGN, "# another cluster\n", "other cluster: gotk-sync.yaml");
        return { name, url };
    }

    /** Someone else's commit on main, pushed locally to the bare repository. */
    function pushForeign(name: string, file: string, content: string, message: string): string {
        const work = fs.mkdtempSync(path.join(tmp, "foreign-"));
        bareGit("", ["clone", "-q", bare(name), work], tmp);
        fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
        fs.writeFileSync(path.join(work, file), content);
        bareGit("", ["add", file], work);
        bareGit("", ["commit", "-q", "-m", message], work);
        bareGit("", ["push", "-q", "origin", "HEAD:main"], work);
        return bareGit("", ["rev-parse", "HEAD"], work);
    }

    function inputs(url: string, files: GitFile[], key: KeyPair = writer): SshGitFilesInputs {
        return { url, branch: "main", files: files.map(packFile), privateKey: key.privateKey, knownHosts: server.knownHosts, commitMessagePrefix: "welkin-flux", fluxVersion: "v2.1.2" };
    }

    const subjects = (name: string, n: number) => bareGit(bare(name), ["log", `-${n}`, "--format=%s", "main"]).split("\n").reverse();
    const show = (name: string, file: string) => bareGit(bare(name), ["show", `main:${file}`]);
    const tree = (name: string) => bareGit(bare(name), ["ls-tree", "-r", "--name-only", "main"]).split("\n").filter((l) => l !== "");
    const commitCount = (name: string) => Number(bareGit(bare(name), ["rev-list", "--count", "main"]));

    it("create commits the files in order, one commit each, next to another cluster's file", async () => {
        const { name, url } = repoWithForeignFile();
        const res = await sshGitFilesProvider.create!(inputs(url, ours("dev")));
        const outs = res.outs as SshGitFilesOutputs;
        assert.deepStrictEqual(subjects(name, 4), [
            "other cluster: gotk-sync.yaml",
            "welkin-flux: clusters/dev/flux-system/gotk-components.yaml (Flux v2.1.2)",
            "welkin-flux: clusters/dev/flux-system/gotk-sync.yaml (Flux v2.1.2)",
            "welkin-flux: clusters/dev/flux-system/kustomization.yaml (Flux v2.1.2)",
        ]);
        const shas = bareGit(bare(name), ["log", "-3", "--format=%H", "main"]).split("\n").reverse();
        assert.deepStrictEqual(outs.commits.map((c) => c.commitSha), shas);
        assert.strictEqual(outs.headSha, shas[2]);
        assertNoContent(outs, ours("dev"));
        assert.strictEqual(show(name, FOREIGN), "# another cluster");
        assert.strictEqual(bareGit(bare(name), ["log", "-1", "--format=%an <%ae>", "main"]), "welkin-flux <welkin-flux@users.noreply.github.com>");

        // The same files again make no commit.
        const again = await sshGitFilesProvider.create!(inputs(url, ours("dev")));
        assert.strictEqual(commitCount(name), 4);
        assert.strictEqual((again.outs as SshGitFilesOutputs).headSha, shas[2]);
    });

    it("starts the branch in an empty repository", async () => {
        const name = `empty${++repoCount}`;
        const url = server.createRepository(name);
        await sshGitFilesProvider.create!(inputs(url, ours("dev")));
        assert.strictEqual(commitCount(name), 3);
        assert.deepStrictEqual(tree(name), ours("dev").map((f) => f.path));
    });

    it("update rewrites only our files and removes a dropped one; delete removes only ours", async () => {
        const { name, url } = repoWithForeignFile();
        const created = (await sshGitFilesProvider.create!(inputs(url, ours("dev")))).outs as SshGitFilesOutputs;
        const [components, sync] = ours("dev", "2");
        const news = inputs(url, [ours("dev")[0], sync]); // components unchanged, sync changed, kustomization dropped
        const updated = (await sshGitFilesProvider.update!("id", created, news))!.outs as SshGitFilesOutputs;
        assert.deepStrictEqual(subjects(name, 2), [
            "welkin-flux: clusters/dev/flux-system/gotk-sync.yaml (Flux v2.1.2)",
            "welkin-flux: remove clusters/dev/flux-system/kustomization.yaml (Flux v2.1.2)",
        ]);
        assert.strictEqual(commitCount(name), 6);
        assert.deepStrictEqual(tree(name).sort(), [FOREIGN, ours("dev")[0].path, sync.path].sort());
        assert.strictEqual(show(name, sync.path), "# sync 2");
        assert.strictEqual(updated.commits[0].commitSha, created.commits[2].commitSha, "unchanged file: head that has it");
        assert.notStrictEqual(components.content, ours("dev")[0].content);
        assertNoContent(updated, [ours("dev")[0], sync]);

        await sshGitFilesProvider.delete!("id", updated);
        assert.deepStrictEqual(tree(name), [FOREIGN]);
        assert.deepStrictEqual(subjects(name, 1), ["welkin-flux: remove clusters/dev/flux-system/gotk-components.yaml, clusters/dev/flux-system/gotk-sync.yaml (Flux v2.1.2)"]);
        // Nothing of ours left: delete again makes no commit.
        await sshGitFilesProvider.delete!("id", updated);
        assert.strictEqual(commitCount(name), 7);
    });

    it("a credentials-only change is an update that makes no commit", async () => {
        const { name, url } = repoWithForeignFile();
        const created = (await sshGitFilesProvider.create!(inputs(url, ours("dev")))).outs as SshGitFilesOutputs;
        const rotated = { ...inputs(url, ours("dev")), privateKey: stranger.privateKey };
        const updated = (await sshGitFilesProvider.update!("id", created, rotated))!.outs as SshGitFilesOutputs;
        assert.strictEqual(updated.privateKey, stranger.privateKey, "the new key is stored for delete and refresh");
        assert.deepStrictEqual(updated.commits, created.commits);
        assert.strictEqual(commitCount(name), 4);
    });

    it("a push racing ours is kept: our commits are redone on top of it, never forced", async () => {
        const { name, url } = repoWithForeignFile();
        let foreignSha = "";
        const attempts: number[] = [];
        const racing = makeSshGitFilesProvider({
            beforePush: (attempt) => {
                attempts.push(attempt);
                if (attempt === 1) {
                    foreignSha = pushForeign(name, "clusters/other/apps.yaml", "# racing\n", "other cluster: apps.yaml");
                }
            },
        });
        const outs = (await racing.create!(inputs(url, ours("dev")))).outs as SshGitFilesOutputs;
        assert.deepStrictEqual(attempts, [1, 2]);
        assert.deepStrictEqual(subjects(name, 5), [
            "other cluster: gotk-sync.yaml",
            "other cluster: apps.yaml",
            "welkin-flux: clusters/dev/flux-system/gotk-components.yaml (Flux v2.1.2)",
            "welkin-flux: clusters/dev/flux-system/gotk-sync.yaml (Flux v2.1.2)",
            "welkin-flux: clusters/dev/flux-system/kustomization.yaml (Flux v2.1.2)",
        ]);
        bareGit(bare(name), ["merge-base", "--is-ancestor", foreignSha, "main"]);
        assert.strictEqual(show(name, "clusters/other/apps.yaml"), "# racing");
        assert.strictEqual(outs.headSha, bareGit(bare(name), ["rev-parse", "main"]));
    });

    it("gives up with a clear error when the branch keeps moving", async () => {
        const { name, url } = repoWithForeignFile();
        const busy = makeSshGitFilesProvider({ beforePush: (attempt) => void pushForeign(name, `clusters/other/busy-${attempt}.yaml`, "x\n", `busy ${attempt}`) });
        await assert.rejects(busy.create!(inputs(url, ours("dev"))), /failed 5 times: each time someone else pushed to the branch first.*never forced/);
        assert.strictEqual(commitCount(name), 6, "the five foreign commits survive, none of ours");
    });

    it("a read-only key can clone but the server refuses its push", async () => {
        const { name, url } = repoWithForeignFile();
        const props: SshGitFilesOutputs = { ...inputs(url, [], reader), files: [{ path: FOREIGN, sha256: sha256Hex("") }], commits: [], headSha: "" };
        const read = await sshGitFilesProvider.read!("id", props);
        assert.deepStrictEqual((read.props as SshGitFilesOutputs).files, [{ path: FOREIGN, sha256: sha256Hex("# another cluster\n") }], "cloned with the read-only key");
        await assert.rejects(sshGitFilesProvider.create!(inputs(url, ours("dev"), reader)), (e: Error) => {
            assert.match(e.message, /read-only: push \(git-receive-pack\) refused/);
            assert.ok(e.message.includes(url), e.message);
            return true;
        });
        assert.strictEqual(commitCount(name), 1);
    });

    it("an unregistered key cannot even clone, and the error names the url without the key", async () => {
        const { url } = repoWithForeignFile();
        await assert.rejects(sshGitFilesProvider.create!(inputs(url, ours("dev"), stranger)), (e: Error) => {
            assert.match(e.message, /refused the SSH key \(Permission denied \(publickey\)\)/);
            assert.ok(e.message.includes(url), e.message);
            for (const line of stranger.privateKey.split("\n").filter((l) => l.length > 16 && !l.startsWith("-----"))) {
                assert.ok(!e.message.includes(line));
            }
            return true;
        });
    });

    it("a wrong known_hosts is a clear host key verification error", async () => {
        const { url } = repoWithForeignFile();
        const otherHost = keygen(tmp, "other-host").publicKey.split(" ").slice(0, 2).join(" ");
        const wrong = { ...inputs(url, ours("dev")), knownHosts: `[127.0.0.1]:${server.port} ${otherHost}\n` };
        await assert.rejects(sshGitFilesProvider.create!(wrong), (e: Error) => {
            assert.match(e.message, /host key verification failed: the git server's host key is not in knownHosts/);
            assert.ok(e.message.includes(url), e.message);
            return true;
        });
    });

    it("read reports drift of our files, and diff then sees a change", async () => {
        const { name, url } = repoWithForeignFile();
        const created = (await sshGitFilesProvider.create!(inputs(url, ours("dev")))).outs as SshGitFilesOutputs;
        const clean = (await sshGitFilesProvider.read!("id", created)).props as SshGitFilesOutputs;
        assert.deepStrictEqual(clean.files, created.files);
        assert.deepStrictEqual(clean.commits, created.commits);
        // Outputs a state from before digests holds: the same files, kept with their content.
        const legacy = (await sshGitFilesProvider.read!("id", { ...created, files: ours("dev") })).props as SshGitFilesOutputs;
        assert.deepStrictEqual([legacy.files, legacy.commits], [created.files, created.commits], "no drift, and the files recorded without content");

        pushForeign(name, ours("dev")[1].path, "# edited by hand\n", "hand edit");
        const drifted = (await sshGitFilesProvider.read!("id", created)).props as SshGitFilesOutputs;
        assert.deepStrictEqual(drifted.files[1], { path: ours("dev")[1].path, sha256: sha256Hex("# edited by hand\n") });
        assert.strictEqual(drifted.commits.length, 2);
        const diff = await sshGitFilesProvider.diff!("id", drifted, inputs(url, ours("dev")));
        assert.strictEqual(diff.changes, true);

        // The update puts our content back.
        await sshGitFilesProvider.update!("id", drifted, inputs(url, ours("dev")));
        assert.strictEqual(show(name, ours("dev")[1].path), "# sync 1");
    });
});

describe("SshGitFiles check, diff and helpers", () => {
    const good: SshGitFilesInputs = {
        url: "ssh://git@git.example.com:2222/fleet/infra.git",
        branch: "main",
        files: ours("dev").map(packFile),
        privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n",
        knownHosts: "[git.example.com]:2222 ssh-ed25519 AAAA",
        commitMessagePrefix: "welkin-flux",
        fluxVersion: "v2.1.2",
    };

    it("accepts ssh:// and scp-like URLs, and fills in the author", async () => {
        for (const url of [good.url, "git@github.com:org/repo.git", "ssh://127.0.0.1/srv/git/x.git"]) {
            const r = await sshGitFilesProvider.check!({}, { ...good, url });
            assert.deepStrictEqual(r.failures, [], url);
            assert.strictEqual((r.inputs as SshGitFilesInputs).authorName, "welkin-flux");
        }
    });

    it("rejects bad URLs, branches and file paths", () => {
        const reasons = (p: Partial<SshGitFilesInputs>) => inputProblems({ ...good, ...p }).map((f) => `${f.property}: ${f.reason}`);
        assert.match(reasons({ url: "https://github.com/org/repo.git" }).join(), /url: .*not an SSH git URL/);
        assert.match(reasons({ url: "/srv/git/repo.git" }).join(), /url: .*not an SSH git URL/);
        assert.match(reasons({ url: "-oProxyCommand=x@y:z" }).join(), /must not start with "-"/);
        assert.match(reasons({ branch: "" }).join(), /branch: branch is required/);
        assert.match(reasons({ branch: "a..b" }).join(), /not a valid git branch name/);
        assert.match(reasons({ files: [] }).join(), /at least one/);
        for (const p of ["/etc/passwd", "../x", "a/../../b", ".git/config", "a//b", "a/./b"]) {
            assert.match(reasons({ files: [packFile({ path: p, content: "" })] }).join(), /must be a relative path inside the repository/, p);
        }
        assert.match(reasons({ files: [good.files[0], good.files[0]] }).join(), /listed twice/);
        assert.deepStrictEqual(reasons({ files: UNKNOWN as unknown as PackedFile[], privateKey: UNKNOWN }), [], "unknowns at preview are not judged");
        const unknownParts = [UNKNOWN as unknown as PackedFile, { ...good.files[1], sha256: UNKNOWN }, { ...good.files[2], gzip: UNKNOWN }];
        assert.deepStrictEqual(reasons({ files: unknownParts }), [], "a file, or its sha256 or gzip, unknown at preview is not judged");
    });

    it("check fails, naming the file, when its gzip does not unzip to its sha256 or it lacks either; create refuses it", async () => {
        const [components, sync, kustomization] = good.files;
        const gzip = zlib.gzipSync(Buffer.from("# something else\n"), { level: 9 }).toString("base64");
        const truncated = components.gzip.slice(0, components.gzip.length / 2);
        const cases: [string, PackedFile, RegExp][] = [
            ["wrong content", { ...sync, gzip }, /file "clusters\/dev\/flux-system\/gotk-sync.yaml": its gzip unzips to content of sha256 [0-9a-f]{64}, not the sha256 [0-9a-f]{64} it carries/],
            ["wrong sha256", { ...sync, sha256: sha256Hex("x") }, /file "clusters\/dev\/flux-system\/gotk-sync.yaml": its gzip unzips to content of sha256/],
            ["corrupted gzip", { ...components, gzip: truncated }, /file "clusters\/dev\/flux-system\/gotk-components.yaml": its gzip does not unzip/],
            ["not gzip at all", { ...components, gzip: Buffer.from("plain text").toString("base64") }, /file "clusters\/dev\/flux-system\/gotk-components.yaml": its gzip does not unzip/],
            ["no sha256", { path: sync.path, gzip: sync.gzip } as PackedFile, /file "clusters\/dev\/flux-system\/gotk-sync.yaml" must carry sha256 .* and gzip/],
            ["no gzip", { path: sync.path, sha256: sync.sha256 } as PackedFile, /file "clusters\/dev\/flux-system\/gotk-sync.yaml" must carry sha256 .* and gzip/],
            ["plain content", { path: sync.path, content: "# sync\n" } as unknown as PackedFile, /file "clusters\/dev\/flux-system\/gotk-sync.yaml" must carry sha256/],
        ];
        for (const [what, bad, reason] of cases) {
            const files = bad.path === components.path ? [bad, sync, kustomization] : [components, bad, kustomization];
            const failures = (await sshGitFilesProvider.check!({}, { ...good, files })).failures!.filter((f) => f.property !== "");
            assert.strictEqual(failures.length, 1, `${what}: ${JSON.stringify(failures)}`);
            assert.strictEqual(failures[0].property, "files", what);
            assert.match(failures[0].reason, reason, what);
            // Nothing is cloned or committed: the file is refused before any git command runs.
            await assert.rejects(sshGitFilesProvider.create!({ ...good, files }), (e: Error) => reason.test(e.message), what);
        }
    });

    it("a state from before digests (outputs with each file's content) diffs and updates by sha256", async () => {
        // What the provider stored then: the inputs with {path, content} files, plus the commits.
        const commits = ours("dev").map((f, i) => ({ path: f.path, commitSha: `${i}`.repeat(40) }));
        const legacy = { ...good, files: ours("dev"), commits, headSha: commits[2].commitSha } as unknown as SshGitFilesOutputs;
        assert.deepStrictEqual(await sshGitFilesProvider.diff!("id", legacy, good), { changes: false, replaces: [], deleteBeforeReplace: false }, "same content: no change");
        const changed = await sshGitFilesProvider.diff!("id", legacy, { ...good, files: ours("dev", "2").map(packFile) });
        assert.deepStrictEqual([changed.changes, changed.replaces], [true, []], "other content: an update");
        const reordered = await sshGitFilesProvider.diff!("id", legacy, { ...good, files: [...good.files].reverse() });
        assert.strictEqual(reordered.changes, true, "the order is the commit order: another order is a change");
        // An update made for another reason (a rotated key) makes no commit (the url is not
        // reachable: a session would fail) and stores the files in the new form.
        const rotated = { ...good, privateKey: `${good.privateKey}x` };
        assert.strictEqual((await sshGitFilesProvider.diff!("id", legacy, rotated)).changes, true);
        const outs = (await sshGitFilesProvider.update!("id", legacy, rotated))!.outs as SshGitFilesOutputs;
        assertNoContent(outs, ours("dev"));
        assert.deepStrictEqual([outs.commits, outs.headSha, outs.privateKey], [commits, commits[2].commitSha, rotated.privateKey]);
        assert.deepStrictEqual(await sshGitFilesProvider.diff!("id", outs, rotated), { changes: false, replaces: [], deleteBeforeReplace: false }, "and the new form diffs the same");
    });

    it("the resource packs the files it is given (plain, Outputs, or one Output list): gunzip gives the content back, with its sha256", async () => {
        const big = `# gotk-components\n${"apiVersion: v1\nkind: ConfigMap\n".repeat(5000)}ünïcödé ✓\n`;
        const given: GitFile[] = [{ path: "clusters/dev/flux-system/gotk-components.yaml", content: big }, ...ours("dev").slice(1)];
        const roundTrip = (packed: PackedFile[]) => {
            assert.deepStrictEqual(packed.map((f) => Object.keys(f).sort()), given.map(() => ["gzip", "path", "sha256"]));
            assert.deepStrictEqual(
                packed.map((f) => ({ path: f.path, content: zlib.gunzipSync(Buffer.from(f.gzip, "base64")).toString("utf8") })),
                given,
            );
            assert.deepStrictEqual(packed.map((f) => f.sha256), given.map((f) => crypto.createHash("sha256").update(Buffer.from(f.content, "utf8")).digest("hex")));
            assert.ok(packed[0].gzip.length < big.length / 10, `gotk-components.yaml packs to ${packed[0].gzip.length} characters of ${big.length}`);
            assert.deepStrictEqual(inputProblems({ ...good, files: packed }), []);
        };

        const mocks = await useMocks();
        new SshGitFiles("dev-sync-files", {
            url: good.url,
            branch: "main",
            files: [pulumi.output(big).apply((content) => ({ path: given[0].path, content })), pulumi.output(given[1]), given[2]],
            privateKey: good.privateKey,
            knownHosts: good.knownHosts,
            commitMessagePrefix: "welkin-flux",
            fluxVersion: "v2.1.2",
        });
        await settle(mocks);
        const registered = mocks.find("pulumi-nodejs:dynamic/welkin-flux:SshGitFiles", "dev-sync-files");
        roundTrip(registered.inputs.files as PackedFile[]);
        assert.ok(!JSON.stringify(registered.inputs).includes("ünïcödé"), "no plain content in the inputs");

        roundTrip(await unwrap(pulumi.output(packFiles(pulumi.output(given)))));
    });

    it("fails check naming git, or ssh, and the fix when it is not on PATH", async () => {
        const saved = process.env.PATH;
        const onlyGit = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-path-"));
        fs.symlinkSync(childProcess.execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim(), path.join(onlyGit, "git"));
        try {
            process.env.PATH = path.join(onlyGit, "nothing-here");
            const none = await sshGitFilesProvider.check!({}, good);
            assert.strictEqual(none.failures!.length, 2);
            assert.match(none.failures![0].reason, /`git --version` failed .*git is needed.*apt-get install git openssh-client/);
            process.env.PATH = onlyGit;
            const noSsh = await sshGitFilesProvider.check!({}, good);
            assert.deepStrictEqual(noSsh.failures!.map((f) => f.reason.split(" failed")[0]), ["`ssh -V`"]);
            assert.match(noSsh.failures![0].reason, /apt-get install git openssh-client/);
        } finally {
            process.env.PATH = saved;
            fs.rmSync(onlyGit, { recursive: true, force: true });
        }
    });

    it("diff: url or branch replaces, files update, author/message settings are no change", async () => {
        const olds: SshGitFilesOutputs = { ...good, commits: [], headSha: "abc" };
        assert.deepStrictEqual(await sshGitFilesProvider.diff!("id", olds, { ...good }), { changes: false, replaces: [], deleteBeforeReplace: false });
        assert.deepStrictEqual((await sshGitFilesProvider.diff!("id", olds, { ...good, url: "git@x:y.git" })).replaces, ["url"]);
        assert.deepStrictEqual((await sshGitFilesProvider.diff!("id", olds, { ...good, branch: "prod" })).replaces, ["branch"]);
        const files = await sshGitFilesProvider.diff!("id", olds, { ...good, files: ours("dev", "2") });
        assert.deepStrictEqual([files.changes, files.replaces], [true, []]);
        assert.strictEqual((await sshGitFilesProvider.diff!("id", olds, { ...good, commitMessagePrefix: "chore", authorName: "x" })).changes, false);
        // A new key changes nothing in git, but must reach the stored outputs (delete only sees those).
        const key = await sshGitFilesProvider.diff!("id", olds, { ...good, privateKey: `${good.privateKey}x` });
        assert.deepStrictEqual([key.changes, key.replaces], [true, []]);
    });

    it("tells a moved branch from other push refusals, and explains SSH failures", () => {
        assert.ok(isStaleRejection("To ssh://h/r.git\n!\tHEAD:refs/heads/main\t[rejected] (fetch first)\nDone"));
        assert.ok(isStaleRejection(" ! [rejected]        HEAD -> main (non-fast-forward)"));
        assert.ok(!isStaleRejection("!\tHEAD:refs/heads/main\t[remote rejected] (pre-receive hook declined)"));
        assert.match(explainGitFailure("ssh://h/r.git", "fetching", "Host key verification failed.\nfatal: Could not read"), /^fetching ssh:\/\/h\/r.git failed: host key verification failed/);
    });

    it("the provider survives Pulumi's closure serialization (it is stored in state)", async () => {
        const serialized = await pulumi.runtime.serializeFunction(() => sshGitFilesProvider, { allowSecrets: true });
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "welkin-closure-")), "provider.js");
        fs.writeFileSync(file, serialized.text);
        try {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const provider = require(file).handler() as pulumi.dynamic.ResourceProvider;
            assert.deepStrictEqual((await provider.check!({}, good)).failures, []);
            assert.ok(!/require\("\.\.?\//.test(serialized.text), "no project modules required at run time");
        } finally {
            fs.rmSync(path.dirname(file), { recursive: true, force: true });
        }
    });
});
