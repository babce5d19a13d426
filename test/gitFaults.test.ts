// Faults around the SSH git target (issue 19, part 3, the git side), each against a real sshd +
// git-shell on loopback (sandbox/lib/gitServer.ts) with its outcome asserted and the recovery
// shown: the server down during the commits, a teammate pushing in a loop while we push, a
// protected branch, two stacks sharing one repository at the same moment, and the deploy key
// removed from the server. The provider's functions are called directly: no Pulumi engine.
import * as assert from "assert";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MAX_PUSH_ATTEMPTS } from "../components/gitTarget/commitFiles";
import { GitFile, packFile, SshGitFilesInputs, SshGitFilesOutputs } from "../components/gitTarget/inputs";
import { makeSshGitFilesProvider, sshGitFilesProvider } from "../components/gitTarget/sshGitFilesProvider";
import { GitServer, SSHD, sshBanner, startGitServer } from "../sandbox/lib/gitServer";
import { gitServerOrSkip } from "./support/gitServerSuite";
import { startProcess, stopNamedProcesses, waitFor } from "../sandbox/lib/processes";

interface KeyPair {
    file: string;
    privateKey: string;
    publicKey: string;
}

/** Our three files; gotk-components.yaml is large, as Flux's is, so "whole" means something. */
const ours = (cluster: string, v = "1"): GitFile[] => [
    {
        path: `clusters/${cluster}/flux-system/gotk-components.yaml`,
        content: Array.from({ length: 4000 }, (_, i) => `# components ${cluster} ${v} line ${i}\n`).join(""),
    },
    { path: `clusters/${cluster}/flux-system/gotk-sync.yaml`, content: `# sync ${cluster} ${v}\n` },
    { path: `clusters/${cluster}/flux-system/kustomization.yaml`, content: `# kustomization ${cluster} ${v}\n` },
];
const FOREIGN = "clusters/other/flux-system/gotk-sync.yaml";
const FOREIGN_CONTENT = "# another cluster\n";

function keygen(dir: string, name: string): KeyPair {
    const file = path.join(dir, name);
    childProcess.execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", file]);
    return { file, privateKey: fs.readFileSync(file, "utf8"), publicKey: fs.readFileSync(`${file}.pub`, "utf8") };
}

const TEAMMATE_ENV = {
    ...process.env,
    GIT_AUTHOR_NAME: "teammate",
    GIT_AUTHOR_EMAIL: "teammate@example.com",
    GIT_COMMITTER_NAME: "teammate",
    GIT_COMMITTER_EMAIL: "teammate@example.com",
    GIT_CONFIG_GLOBAL: os.devNull,
    GIT_CONFIG_NOSYSTEM: "1",
};

/** git without SSH, straight on the server's bare repository or a local clone of it; output untrimmed. */
function gitRaw(args: string[], cwd?: string): string {
    return childProcess.execFileSync("git", args, { cwd, env: TEAMMATE_ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
}

/**
 * A teammate pushing commits to main in a tight loop, through the bare repository: commit, push,
 * and on a rejection (ours got there first) `git pull --rebase` and push again, as a person does.
 * Each commit adds one file teammate/<n>.txt and is logged in pushed.log once it is on the server.
 * It stops, with every commit it made pushed, once the stop file exists.
 */
const TEAMMATE_LOOP = `
set -u
work=$1; stop=$2; log=$3; n=0
cd "$work" || exit 2
while [ ! -e "$stop" ]; do
    n=$((n+1))
    printf 'teammate commit %s\\n' "$n" > "teammate/$n.txt"
    git add "teammate/$n.txt" && git commit -q -m "teammate $n" || exit 3
    until git push -q origin HEAD:main 2>/dev/null; do
        git pull -q --rebase origin main || exit 4
    done
    echo "$n" >> "$log"
done
`;

describe("SshGitFiles under git faults", function () {
    this.timeout(180_000);
    let tmp: string;
    let server: GitServer;
    let writer: KeyPair;
    let repoCount = 0;

    before(async function () {
        this.timeout(600_000);
        ({ tmp, server } = await gitServerOrSkip(this, "welkin-git-faults-", (t) => path.join(t, "shared")));
        writer = keygen(tmp, "writer");
        server.addKey(writer.publicKey, { write: true });
    });

    after(async () => {
        await server?.stop();
        if (tmp !== undefined) {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    /** A repository on `on` whose main branch already holds another cluster's file. */
    function repoWithForeignFile(on: GitServer = server): { bare: string; url: string } {
        const name = `fleet${++repoCount}`;
        const url = on.createRepository(name);
        const bare = on.repositoryDir(name);
        const work = fs.mkdtempSync(path.join(tmp, "foreign-"));
        gitRaw(["clone", "-q", bare, work]);
        fs.mkdirSync(path.dirname(path.join(work, FOREIGN)), { recursive: true });
        fs.writeFileSync(path.join(work, FOREIGN), FOREIGN_CONTENT);
        gitRaw(["add", FOREIGN], work);
        gitRaw(["commit", "-q", "-m", "other cluster: gotk-sync.yaml"], work);
        gitRaw(["push", "-q", "origin", "HEAD:main"], work);
        return { bare, url };
    }

    function inputs(url: string, files: GitFile[], opts: { key?: KeyPair; on?: GitServer; branch?: string } = {}): SshGitFilesInputs {
        return {
            url,
            branch: opts.branch ?? "main",
            files: files.map(packFile),
            privateKey: (opts.key ?? writer).privateKey,
            knownHosts: (opts.on ?? server).knownHosts,
            commitMessagePrefix: "welkin-flux",
            fluxVersion: "v2.1.2",
        };
    }

    const tree = (bare: string, branch = "main") => gitRaw(["--git-dir", bare, "ls-tree", "-r", "--name-only", branch]).split("\n").filter((l) => l !== "");
    const commitCount = (bare: string, branch = "main") => Number(gitRaw(["--git-dir", bare, "rev-list", "--count", branch]).trim());
    const subjects = (bare: string, branch = "main") => gitRaw(["--git-dir", bare, "log", "--reverse", "--format=%s", branch]).trim().split("\n");

    /** Each file byte for byte as we asked for it. */
    function assertWhole(bare: string, files: GitFile[], branch = "main"): void {
        for (const f of files) {
            assert.strictEqual(gitRaw(["--git-dir", bare, "cat-file", "blob", `${branch}:${f.path}`]), f.content, `${f.path} on ${branch} is not whole`);
        }
    }

    /** Every commit of ours touches exactly the one file its message names, or removes only files of ours. */
    function assertOursTouchOnlyOurs(bare: string, ourPaths: string[]): void {
        const log = gitRaw(["--git-dir", bare, "log", "--format=%x00%an%x01%s", "--name-only", "main"]);
        for (const entry of log.split("\0").filter((e) => e.trim() !== "")) {
            const [head, ...rest] = entry.split("\n");
            const [author, subject] = head.split("\x01");
            const touched = rest.filter((l) => l !== "");
            if (author !== "welkin-flux") {
                continue;
            }
            const named = subject.match(/^welkin-flux: (\S+) \(Flux v2\.1\.2\)$/);
            assert.ok(named !== null, `unexpected commit of ours: ${subject}`);
            assert.deepStrictEqual(touched, [named[1]], `commit "${subject}" touches ${touched.join(", ")}`);
            assert.ok(ourPaths.includes(named[1]), `commit "${subject}" is not for one of ${ourPaths.join(", ")}`);
        }
    }

    describe("the git server down during the commits", () => {
        let downDir: string;
        let down: GitServer;
        const RESTARTED = "git-sshd-restarted";

        before(async function () {
            if (tmp === undefined) {
                this.skip();
            }
            downDir = path.join(tmp, "down");
            down = await startGitServer(downDir);
            down.addKey(writer.publicKey, { write: true });
        });

        after(async () => {
            await stopNamedProcesses(downDir, [RESTARTED]);
            await down?.stop();
        });

        const stop = () => stopNamedProcesses(downDir, ["git-sshd", RESTARTED]);

        /** The same sshd, config and port again, as after the server's restart. */
        async function restart(): Promise<void> {
            startProcess(downDir, RESTARTED, SSHD, ["-D", "-e", "-f", path.join(down.dir, "sshd_config")]);
            await waitFor(`git server sshd on 127.0.0.1:${down.port} again`, () => sshBanner(down.port), 15_000);
        }

        function assertUnreachableMessage(e: Error): true {
            assert.ok(e.message.includes(`127.0.0.1 port ${down.port}`), `names the host and port: ${e.message}`);
            assert.match(e.message, /cannot reach the git server/);
            assert.match(e.message, /[Nn]othing was pushed/);
            assert.match(e.message, /re-running `pulumi up` retries/);
            assert.match(e.message, /Connection refused/, "keeps what ssh said");
            return true;
        }

        it("fails naming host and port, pushes nothing, and the same update succeeds once the server is back", async () => {
            const { bare, url } = repoWithForeignFile(down);
            const created = (await sshGitFilesProvider.create!(inputs(url, ours("dev"), { on: down }))).outs as SshGitFilesOutputs;
            const before = commitCount(bare);
            const news = inputs(url, ours("dev", "2"), { on: down });

            // Down before we start: the fetch cannot connect.
            await stop();
            assert.ok(!(await sshBanner(down.port)), "the server is down");
            await assert.rejects(sshGitFilesProvider.update!("id", created, news), assertUnreachableMessage);
            assert.strictEqual(commitCount(bare), before);

            // Down between our commits and our push: the commits were made, the push cannot connect.
            await restart();
            let stoppedAt = 0;
            const dropsBeforePush = makeSshGitFilesProvider({
                beforePush: async (attempt) => {
                    stoppedAt = attempt;
                    await stop();
                },
            });
            await assert.rejects(dropsBeforePush.update!("id", created, news), assertUnreachableMessage);
            assert.strictEqual(stoppedAt, 1, "the failure to connect is not retried as a moved branch");
            assert.strictEqual(commitCount(bare), before, "nothing was pushed");
            assertWhole(bare, ours("dev", "1"));

            // Recovery: the server back, the same update.
            await restart();
            const updated = (await sshGitFilesProvider.update!("id", created, news))!.outs as SshGitFilesOutputs;
            assertWhole(bare, ours("dev", "2"));
            assert.strictEqual(gitRaw(["--git-dir", bare, "cat-file", "blob", `main:${FOREIGN}`]), FOREIGN_CONTENT);
            assert.strictEqual(commitCount(bare), before + 3);
            assert.strictEqual(updated.headSha, gitRaw(["--git-dir", bare, "rev-parse", "main"]).trim());
            assert.ok(!JSON.stringify(updated).includes("# components dev 2 line 3999"), "the outputs keep no file content");
        });
    });

    describe("a teammate pushing to the same branch while we commit", () => {
        interface Teammate {
            work: string;
            stopFile: string;
            log: string;
            exited: Promise<number>;
            pushed(): number;
            stop(): Promise<number>;
        }

        /** Starts the teammate's loop and waits until it is in full swing (a few pushes made). */
        async function startTeammate(bare: string): Promise<Teammate> {
            const dir = fs.mkdtempSync(path.join(tmp, "teammate-"));
            const work = path.join(dir, "work");
            gitRaw(["clone", "-q", bare, work]);
            fs.mkdirSync(path.join(work, "teammate"));
            const stopFile = path.join(dir, "stop");
            const log = path.join(dir, "pushed.log");
            const child = childProcess.spawn("sh", ["-c", TEAMMATE_LOOP, "teammate", work, stopFile, log], { env: TEAMMATE_ENV, stdio: "ignore" });
            const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? 1)));
            const pushed = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter((l) => l !== "").length : 0);
            const stop = () => {
                fs.writeFileSync(stopFile, "");
                return exited;
            };
            try {
                await waitFor("the teammate's first pushes", () => pushed() >= 3, 30_000);
            } catch (e) {
                child.kill();
                throw e;
            }
            return { work, stopFile, log, exited, pushed, stop };
        }

        /** Every commit the teammate pushed is on main, once, with its file whole. */
        function assertTeammateKept(bare: string, t: Teammate): void {
            const n = t.pushed();
            const theirs = subjects(bare).filter((s) => s.startsWith("teammate "));
            assert.deepStrictEqual(
                theirs,
                Array.from({ length: n }, (_, i) => `teammate ${i + 1}`),
            );
            gitRaw(["--git-dir", bare, "merge-base", "--is-ancestor", gitRaw(["rev-parse", "HEAD"], t.work).trim(), "main"]);
            for (let i = 1; i <= n; i++) {
                assert.strictEqual(gitRaw(["--git-dir", bare, "cat-file", "blob", `main:teammate/${i}.txt`]), `teammate commit ${i}\n`);
            }
        }

        it("a burst of pushes in a tight loop: our tries outlast it, every commit of theirs is kept, our files whole", async () => {
            const { bare, url } = repoWithForeignFile();
            const teammate = await startTeammate(bare);
            // The loop pushes every few tens of milliseconds, far faster than one try of ours (a
            // fetch and a push over SSH): no try can win while it runs. It stops after BURST_MS,
            // a burst shorter than the waits between our tries add up to.
            const BURST_MS = 7_000;
            const attempts: { attempt: number; at: number; theirs: number }[] = [];
            const started = Date.now();
            const pushedBefore = teammate.pushed();
            const burst = setTimeout(() => void teammate.stop(), BURST_MS);
            let outs: SshGitFilesOutputs;
            try {
                const racing = makeSshGitFilesProvider({ beforePush: (attempt) => void attempts.push({ attempt, at: Date.now() - started, theirs: teammate.pushed() }) });
                outs = (await racing.create!(inputs(url, ours("dev")))).outs as SshGitFilesOutputs;
            } finally {
                clearTimeout(burst);
                assert.strictEqual(await teammate.stop(), 0, "the teammate's loop ends cleanly, its last commit pushed");
            }
            console.log(`      tries (ms since start, teammate pushes so far): ${attempts.map((a) => `#${a.attempt} ${a.at} ms ${a.theirs}`).join(", ")}; teammate pushed ${teammate.pushed() - pushedBefore} during our create`);

            assert.ok(attempts.length > 1, "our first try lost the race (else there was no race)");
            assert.ok(attempts.length <= MAX_PUSH_ATTEMPTS);
            assert.ok(teammate.pushed() - pushedBefore >= 10, "the teammate kept pushing during our create");
            assertTeammateKept(bare, teammate);
            assertWhole(bare, ours("dev"));
            assert.strictEqual(gitRaw(["--git-dir", bare, "cat-file", "blob", `main:${FOREIGN}`]), FOREIGN_CONTENT);
            // Our three commits went up in one push: consecutive, on top of the teammate's latest at that time.
            const all = subjects(bare);
            const first = all.indexOf(`welkin-flux: ${ours("dev")[0].path} (Flux v2.1.2)`);
            assert.deepStrictEqual(
                all.slice(first, first + 3),
                ours("dev").map((f) => `welkin-flux: ${f.path} (Flux v2.1.2)`),
            );
            assert.strictEqual(all.filter((s) => s.startsWith("welkin-flux:")).length, 3);
            gitRaw(["--git-dir", bare, "merge-base", "--is-ancestor", outs!.headSha, "main"]);
            assertOursTouchOnlyOurs(bare, ours("dev").map((f) => f.path));
        });

        it("a teammate who never stops: we give up after the tries, having waited between them, with nothing of ours half pushed", async () => {
            const { bare, url } = repoWithForeignFile();
            const teammate = await startTeammate(bare);
            const attempts: number[] = [];
            const started = Date.now();
            let failure: Error | undefined;
            try {
                const racing = makeSshGitFilesProvider({ beforePush: (attempt) => void attempts.push(attempt) });
                await racing.create!(inputs(url, ours("dev"))).catch((e: Error) => (failure = e));
            } finally {
                assert.strictEqual(await teammate.stop(), 0);
            }
            const seconds = (Date.now() - started) / 1000;
            console.log(`      gave up after ${attempts.length} tries in ${seconds.toFixed(1)} s`);
            assert.ok(failure !== undefined, "cannot win against a pusher faster than one try");
            assert.match(failure.message, new RegExp(`failed ${MAX_PUSH_ATTEMPTS} times: each time someone else pushed to the branch first`));
            assert.deepStrictEqual(attempts, Array.from({ length: MAX_PUSH_ATTEMPTS }, (_, i) => i + 1));
            // The waits between tries span at least 7.5 s (0.5 + 1 + 2 + 4), whatever the machine's speed.
            assert.ok(seconds >= 7.5, `the tries spanned ${seconds} s`);
            assertTeammateKept(bare, teammate);
            assert.deepStrictEqual(
                subjects(bare).filter((s) => s.startsWith("welkin-flux:")),
                [],
            );
        });
    });

    describe("a push always rejected, as on a protected branch", () => {
        const HOOKS: { name: string; script: string; gitSays: RegExp }[] = [
            {
                // What GitHub prints for a protected branch, from a pre-receive hook as GitLab and Gitea use.
                name: "pre-receive",
                script: `#!/bin/sh
while read old new ref; do
    if [ "$ref" = refs/heads/main ]; then
        echo "error: GH006: Protected branch update failed for $ref." >&2
        echo "error: Changes must be made through a pull request." >&2
        exit 1
    fi
done
`,
                gitSays: /\(pre-receive hook declined\)/,
            },
            {
                name: "update",
                script: `#!/bin/sh
if [ "$1" = refs/heads/main ]; then
    echo "GitLab: You are not allowed to push code to protected branches on this project." >&2
    exit 1
fi
`,
                gitSays: /\(hook declined\)/,
            },
        ];

        for (const hook of HOOKS) {
            it(`fails naming the branch and what to allow, keeping the server's words (${hook.name} hook); then pushes to an unprotected branch, or to main once allowed`, async () => {
                const { bare, url } = repoWithForeignFile();
                const hookFile = path.join(bare, "hooks", hook.name);
                fs.writeFileSync(hookFile, hook.script, { mode: 0o755 });
                const before = commitCount(bare);
                const tries: number[] = [];
                const counting = makeSshGitFilesProvider({ beforePush: (attempt) => void tries.push(attempt) });

                await assert.rejects(counting.create!(inputs(url, ours("dev"))), (e: Error) => {
                    assert.match(e.message, /the server refused to update branch "main"/);
                    assert.match(e.message, /protected/);
                    assert.match(e.message, /write access/);
                    assert.match(e.message, /branch protection rule that lets (the|this) key push/);
                    assert.match(e.message, /`repository\.branch`/);
                    assert.match(e.message, hook.gitSays, "keeps git's words");
                    assert.match(e.message, hook.name === "pre-receive" ? /GH006: Protected branch update failed for refs\/heads\/main/ : /not allowed to push code to protected branches/, "keeps the server's words");
                    assert.ok(e.message.includes(url));
                    return true;
                });
                assert.deepStrictEqual(tries, [1], "a refusal is not retried as a moved branch");
                assert.strictEqual(commitCount(bare), before, "main unchanged");

                // Recovery 1: repository.branch pointed at a branch the key may push to.
                await sshGitFilesProvider.create!(inputs(url, ours("dev"), { branch: "flux" }));
                assertWhole(bare, ours("dev"), "flux");
                assert.strictEqual(commitCount(bare), before, "main still unchanged");

                // Recovery 2: the administrator lets the key push to main.
                fs.rmSync(hookFile);
                await sshGitFilesProvider.create!(inputs(url, ours("dev")));
                assertWhole(bare, ours("dev"));
                assert.deepStrictEqual(tree(bare).sort(), [FOREIGN, ...ours("dev").map((f) => f.path)].sort());
            });
        }
    });

    describe("two stacks sharing one repository", () => {
        // A pre-receive hook that takes two seconds, as a hosted server's checks may: both pushes get
        // the same head advertised, and the server takes one and refuses the other's ref update
        // ("cannot lock ref ... is at X but expected Y"). It logs what each push expected to replace.
        const SLOW_PRE_RECEIVE = `#!/bin/sh
while read old new ref; do echo "$old $ref" >> "$(dirname "$0")/../pre-receive.log"; done
sleep 2
`;
        for (const slowHook of [false, true]) {
            it(`commit at the same moment${slowHook ? " through a pre-receive hook that takes two seconds" : ""}: both succeed, each cluster's files whole, neither touches the other's or a foreign file`, async () => {
                const { bare, url } = repoWithForeignFile();
                if (slowHook) {
                    fs.writeFileSync(path.join(bare, "hooks", "pre-receive"), SLOW_PRE_RECEIVE, { mode: 0o755 });
                }
                // Both fetch the same head, make their commits, then push at the same instant, so
                // one of them always finds the branch moved.
                let release: () => void = () => undefined;
                const bothReady = new Promise<void>((resolve) => (release = resolve));
                let ready = 0;
                const triesOf: Record<string, number[]> = { a: [], b: [] };
                const stack = (cluster: string) =>
                    makeSshGitFilesProvider({
                        beforePush: async (attempt) => {
                            triesOf[cluster].push(attempt);
                            if (attempt === 1) {
                                if (++ready === 2) {
                                    release();
                                }
                                await bothReady;
                            }
                        },
                    });
                const [a, b] = await Promise.all([stack("a").create!(inputs(url, ours("a"))), stack("b").create!(inputs(url, ours("b")))]);
                console.log(`      tries: a ${JSON.stringify(triesOf.a)}, b ${JSON.stringify(triesOf.b)}`);
                assert.ok(triesOf.a.length + triesOf.b.length >= 3, "one of them found the branch moved and tried again");
                if (slowHook) {
                    const expected = fs.readFileSync(path.join(bare, "pre-receive.log"), "utf8").split("\n").slice(0, 2);
                    assert.strictEqual(expected[0], expected[1], "both first pushes reached the server expecting the same head: one lost on the server's ref lock");
                }

                assertWhole(bare, ours("a"));
                assertWhole(bare, ours("b"));
                assert.strictEqual(gitRaw(["--git-dir", bare, "cat-file", "blob", `main:${FOREIGN}`]), FOREIGN_CONTENT);
                assert.deepStrictEqual(tree(bare).sort(), [FOREIGN, ...ours("a").map((f) => f.path), ...ours("b").map((f) => f.path)].sort());
                assert.strictEqual(commitCount(bare), 7);
                assertOursTouchOnlyOurs(bare, [...ours("a"), ...ours("b")].map((f) => f.path));
                for (const r of [a, b]) {
                    gitRaw(["--git-dir", bare, "merge-base", "--is-ancestor", (r.outs as SshGitFilesOutputs).headSha, "main"]);
                }

                // And both update at the same moment, unsynchronized, as two `pulumi up`s started together.
                const olds = [a.outs as SshGitFilesOutputs, b.outs as SshGitFilesOutputs];
                await Promise.all([
                    sshGitFilesProvider.update!("id", olds[0], inputs(url, ours("a", "2"))),
                    sshGitFilesProvider.update!("id", olds[1], inputs(url, ours("b", "2"))),
                ]);
                assertWhole(bare, ours("a", "2"));
                assertWhole(bare, ours("b", "2"));
                assert.strictEqual(gitRaw(["--git-dir", bare, "cat-file", "blob", `main:${FOREIGN}`]), FOREIGN_CONTENT);
                assert.strictEqual(commitCount(bare), 13);
                assertOursTouchOnlyOurs(bare, [...ours("a"), ...ours("b")].map((f) => f.path));
            });
        }
    });

    describe("the deploy key removed from the server between runs", () => {
        it("the next update fails naming the key and saying to register or rotate it; with the key back, or rotated, it succeeds", async () => {
            const { bare, url } = repoWithForeignFile();
            const deployKey = keygen(tmp, "flux-dev");
            server.addKey(deployKey.publicKey, { write: true });
            const created = (await sshGitFilesProvider.create!(inputs(url, ours("dev"), { key: deployKey }))).outs as SshGitFilesOutputs;
            const before = commitCount(bare);
            const fingerprint = childProcess.execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", `${deployKey.file}.pub`], { encoding: "utf8" }).split(" ")[1];
            assert.match(fingerprint, /^SHA256:/);

            server.removeKey(deployKey.publicKey);
            const news = inputs(url, ours("dev", "2"), { key: deployKey });
            await assert.rejects(sshGitFilesProvider.update!("id", created, news), (e: Error) => {
                assert.ok(e.message.includes(fingerprint), `names the key's fingerprint ${fingerprint}: ${e.message}`);
                assert.match(e.message, /flux-dev/, "names the key's comment");
                assert.match(e.message, /register/);
                assert.match(e.message, /rotate/);
                assert.match(e.message, /Permission denied \(publickey\)/, "keeps what ssh said");
                assert.ok(!e.message.includes(deployKey.privateKey.split("\n")[1]), "no fragment of the key");
                return true;
            });
            assert.strictEqual(commitCount(bare), before);

            // Recovery 1: the key registered again; the same update.
            server.addKey(deployKey.publicKey, { write: true });
            const updated = (await sshGitFilesProvider.update!("id", created, news))!.outs as SshGitFilesOutputs;
            assertWhole(bare, ours("dev", "2"));

            // Recovery 2: a rotated key, registered, replaces the removed one (an update that only changes the key makes no commit).
            server.removeKey(deployKey.publicKey);
            const rotated = keygen(tmp, "flux-dev-rotated");
            server.addKey(rotated.publicKey, { write: true });
            const withNewKey = (await sshGitFilesProvider.update!("id", updated, inputs(url, ours("dev", "2"), { key: rotated })))!.outs as SshGitFilesOutputs;
            await sshGitFilesProvider.update!("id", withNewKey, inputs(url, ours("dev", "3"), { key: rotated }));
            assertWhole(bare, ours("dev", "3"));
            assert.strictEqual(gitRaw(["--git-dir", bare, "cat-file", "blob", `main:${FOREIGN}`]), FOREIGN_CONTENT);
        });
    });
});
