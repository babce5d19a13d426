// One sandbox for one run — an end-to-end suite, the bench — in temporary folders: the sandbox
// (with its git server, the repository "fleet" and a deploy key registered writable, when the run
// needs git), the program's stacks on a backend of its own, and the failure of a test recorded.
// It says what is missing instead of starting; stop() always stops every process it started (all
// listen on 127.0.0.1 only) and removes what it wrote, keeping the sandbox's logs after a failure.
// test/support/sandboxFixture.ts hooks it into a mocha suite; the demo, which keeps its sandbox
// running between runs, starts it with startSandboxWithGit (sandboxWithGit.ts).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigMap, Stack } from "@pulumi/pulumi/automation";
import { kubectl, Sandbox, startSandbox, stopSandbox, tempStateDir } from "./cluster";
import { Author, commitAs, repositoryHead, RepositoryFile } from "./gitCommits";
import { GitServer, sshKeygen } from "./gitServer";
import { connectionConfig, PROGRAM_DIR, programStack, ProgramStackOptions, workspaceStack } from "./programStack";
import { FLEET, missingPrerequisites, Need, SANDBOX_CLUSTER, SandboxWithGit, startSandboxWithGit, startWelkinSandbox } from "./sandboxWithGit";
import { stopWhenOwnerDies } from "./processes";
import { toolchainPath } from "./toolchain";
import { ExtraCrds } from "./welkinPlatform";

export interface FixtureOptions {
    /** Names its temporary folder (<prefix>-XXXXXX) and the copy of the sandbox's logs after a failure (<prefix>-failure-XXXXXX). */
    prefix: string;
    /** What it needs beyond the sandbox's toolchain; "git" also starts the git server. */
    needs?: Need[];
    /** The deploy key's comment (default: the prefix). */
    keyComment?: string;
    extraCrds?: ExtraCrds[];
    /** Install openssh-server with apt-get when sshd is missing (default true; needs root). */
    installSshd?: boolean;
    /** The fixture's own lines (what it stopped); the sandbox's progress is not logged. */
    log?: (line: string) => void;
}

interface Running {
    work: string;
    sandbox: Sandbox;
    withGit?: SandboxWithGit;
}

/** A sandbox (and git server) of its own, in temporary folders, for one run. */
export class SandboxFixture {
    /** Set by a failed test or a failed start: stop() then keeps the sandbox's logs. */
    failed = false;
    private running?: Running;
    /** The state folder of every sandbox it starts, known before the sandbox starts: a failed start is stopped and removed too. */
    private readonly stateDirs = new Set<string>();
    private workDir?: string;
    /** The stack files its stacks wrote beside their programs (they hold encrypted sandbox credentials). */
    private readonly stackFiles = new Set<string>();
    private stopping?: Promise<string[]>;

    constructor(private readonly options: FixtureOptions) {}

    private get needs(): Need[] {
        return this.options.needs ?? [];
    }

    /** Why `who` cannot run here (see missingPrerequisites); undefined when it can. */
    missing(who: string): string | undefined {
        return missingPrerequisites(who, this.needs, this.options.installSshd);
    }

    async start(): Promise<void> {
        try {
            const work = fs.mkdtempSync(path.join(os.tmpdir(), `${this.options.prefix}-`));
            this.workDir = work;
            // The Automation API runs the `pulumi` it finds on this process's PATH: the toolchain's.
            process.env.PATH = toolchainPath();
            const stateDir = tempStateDir();
            this.stateDirs.add(stateDir);
            // Before anything starts: a run killed at any point leaves no sandbox behind.
            stopWhenOwnerDies(stateDir);
            if (this.needs.includes("git")) {
                const key = { file: path.join(work, "deploy_key"), comment: this.options.keyComment ?? this.options.prefix };
                const withGit = await startSandboxWithGit(stateDir, key, { extraCrds: this.options.extraCrds, installSshd: this.options.installSshd });
                this.running = { work, sandbox: withGit.sandbox, withGit };
            } else {
                this.running = { work, sandbox: await startWelkinSandbox(stateDir, { extraCrds: this.options.extraCrds }) };
            }
        } catch (e) {
            this.failed = true;
            throw e;
        }
    }

    private get live(): Running {
        if (this.running === undefined) {
            throw new Error("the sandbox fixture has not started (start() first)");
        }
        return this.running;
    }

    private get withGit(): SandboxWithGit {
        const g = this.live.withGit;
        if (g === undefined) {
            throw new Error(`the sandbox fixture ${this.options.prefix} runs no git server (needs: ["git"])`);
        }
        return g;
    }

    /** The run's temporary folder, removed by stop(). */
    get work(): string {
        return this.live.work;
    }
    /** The run's Pulumi backend (state/) and PULUMI_HOME (home/). */
    get pulumiDir(): string {
        return path.join(this.work, "pulumi");
    }
    get sandbox(): Sandbox {
        return this.live.sandbox;
    }
    get git(): GitServer {
        return this.withGit.git;
    }
    get repoUrl(): string {
        return this.withGit.repoUrl;
    }
    get keyFile(): string {
        return this.withGit.keyFile;
    }
    /** What a program on the sandbox is given of the repository "fleet": its URL, known_hosts and deploy key. */
    get gitTarget(): ProgramStackOptions["git"] {
        return { url: this.repoUrl, knownHosts: this.git.knownHosts, privateKeyFile: this.keyFile };
    }
    /** The bare repository `name` on the git server. */
    repository(name = FLEET): string {
        return this.git.repositoryDir(name);
    }

    /** kubectl as the platform administrator (system:masters). */
    admin(args: string[], input?: string): string {
        return kubectl(this.sandbox.kubeconfigs.admin, args, input);
    }
    /** kubectl as the application developer. */
    dev(args: string[], input?: string): string {
        return kubectl(this.sandbox.kubeconfigs.developer, args, input);
    }
    /** The Flux CRDs installed, as crd names ("customresourcedefinition.apiextensions.k8s.io/…"). */
    fluxCrds(): string[] {
        return this.admin(["get", "crd", "-o", "name"])
            .split("\n")
            .filter((c) => c.includes("toolkit.fluxcd.io"));
    }

    /** Commits to the repository "fleet" as `author` (not welkin-flux); returns the new head. */
    commit(author: Author, files: RepositoryFile[], message: string): string {
        return commitAs(this.repository(), this.work, author, files, message);
    }
    head(): string {
        return repositoryHead(this.repository());
    }
    /** Another deploy key in the run's folder (not registered); returns its private key file. */
    newKey(name: string, comment: string): string {
        const file = path.join(this.work, name);
        sshKeygen(file, comment);
        return file;
    }

    /**
     * A stack of this repository's program on the sandbox, pointed at the repository "fleet" with
     * the deploy key; by default the cluster SANDBOX_CLUSTER as the developer. stop() removes its file.
     */
    programStack(stackName: string, o: Pick<ProgramStackOptions, "settings" | "structured"> & { cluster?: { name: string; kubeconfigFile: string } } = {}): Promise<Stack> {
        this.stackFiles.add(path.join(PROGRAM_DIR, `Pulumi.${stackName}.yaml`));
        const cluster = o.cluster ?? { name: SANDBOX_CLUSTER, kubeconfigFile: this.sandbox.kubeconfigs.developer };
        return programStack({ stackName, pulumiDir: this.pulumiDir, kubeconfigFile: cluster.kubeconfigFile, git: this.gitTarget, clusterName: cluster.name, settings: o.settings, structured: o.structured });
    }
    /** A stack of the program in workDir on the run's backend with `config`; stop() removes its file. */
    workspaceStack(workDir: string, stackName: string, config: ConfigMap): Promise<Stack> {
        this.stackFiles.add(path.join(workDir, `Pulumi.${stackName}.yaml`));
        return workspaceStack(workDir, stackName, this.pulumiDir, config);
    }
    /** The settings every program on the sandbox takes, for the cluster SANDBOX_CLUSTER and the repository at `url`. */
    connectionConfig(url = this.repoUrl): ConfigMap {
        return connectionConfig({ clusterName: SANDBOX_CLUSTER, git: { ...this.gitTarget, url }, kubeconfigFile: this.sandbox.kubeconfigs.developer });
    }

    /** A second sandbox (another Welkin environment) while `use` runs; stopped and removed after, whatever happens. */
    async anotherSandbox<T>(use: (sandbox: Sandbox) => Promise<T>): Promise<T> {
        const stateDir = tempStateDir();
        this.stateDirs.add(stateDir);
        stopWhenOwnerDies(stateDir);
        try {
            return await use(await startSandbox(stateDir, () => undefined));
        } finally {
            await stopSandbox(stateDir);
            fs.rmSync(stateDir, { recursive: true, force: true });
            this.stateDirs.delete(stateDir);
        }
    }

    /** Stops every sandbox and git server it started and removes its folders and stack files; once, however often called. */
    stop(): Promise<string[]> {
        this.stopping ??= this.cleanUp();
        return this.stopping;
    }

    /** Stops on SIGINT and SIGTERM too, then exits 130: for a command (the bench), where no test runner cleans up. */
    stopOnSignals(): void {
        const onSignal = (signal: NodeJS.Signals) => {
            this.options.log?.(`${signal}: stopping the sandbox`);
            void this.stop().finally(() => process.exit(130));
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
    }

    private async cleanUp(): Promise<string[]> {
        for (const file of this.stackFiles) {
            fs.rmSync(file, { force: true });
        }
        const stopped: string[] = [];
        for (const stateDir of this.stateDirs) {
            if (this.failed) {
                this.keepLogs(stateDir);
            }
            stopped.push(...(await stopSandbox(stateDir)));
            fs.rmSync(stateDir, { recursive: true, force: true });
        }
        if (stopped.length > 0) {
            this.options.log?.(`stopped the sandbox: ${stopped.join(", ")}`);
        }
        if (this.workDir !== undefined) {
            fs.rmSync(this.workDir, { recursive: true, force: true });
        }
        return stopped;
    }

    /** What the control plane logged, for the failure to be understood. */
    private keepLogs(stateDir: string): void {
        const logs = path.join(stateDir, "logs");
        if (fs.existsSync(logs)) {
            const kept = fs.mkdtempSync(path.join(os.tmpdir(), `${this.options.prefix}-failure-`));
            fs.cpSync(logs, kept, { recursive: true });
            console.log(`    sandbox logs kept in ${kept}`);
        }
    }
}
