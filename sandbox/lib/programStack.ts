// A stack of the real program (index.ts in the repository root) on the sandbox, as an application
// developer runs it: the developer's kubeconfig, the sandbox git server's URL and host key, a
// deploy key registered with the server, and a local file backend. Shared by `npm run demo` and
// the end-to-end tests, which drive the real Pulumi engine and kubernetes provider through the
// Automation API.
import * as childProcess from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ConfigMap, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { binary, toolchainPath } from "./toolchain";

export const PROGRAM_DIR = path.resolve(__dirname, "..", "..");
export const PASSPHRASE = "welkin-sandbox";

export interface ProgramStackOptions {
    stackName: string;
    /** Holds the file backend (state/) and PULUMI_HOME (home/). */
    pulumiDir: string;
    kubeconfigFile: string;
    git: { url: string; knownHosts: string; privateKeyFile: string };
    clusterName: string;
    /** Further settings of Pulumi.yaml, e.g. { parentNamespace: "staging" }. */
    settings?: Record<string, string | { secret: string }>;
    /** Settings that are lists or objects (e.g. { patches: [...] }), set path by path. */
    structured?: Record<string, unknown>;
}

/** The environment the engine runs in: the toolchain first on PATH, no network lookups. */
export function engineEnv(pulumiDir: string): Record<string, string> {
    fs.mkdirSync(path.join(pulumiDir, "state"), { recursive: true });
    fs.mkdirSync(path.join(pulumiDir, "home"), { recursive: true });
    return {
        PATH: toolchainPath(),
        PULUMI_HOME: path.join(pulumiDir, "home"),
        PULUMI_BACKEND_URL: `file://${path.join(pulumiDir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        // Plugins come from the toolchain on PATH; nothing may be downloaded.
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        // The bench's floor programs are compiled by the language host's ts-node, as a user's
        // program is; like ours (program/compileCache.js), without type-checking them.
        PULUMI_NODEJS_TSCONFIG_PATH: path.join(PROGRAM_DIR, "tsconfig.pulumi.json"),
    };
}

/** `pulumi package get-schema <plugin executable>` with the toolchain's CLI: the schema as the engine reads it from the plugin. */
export function pluginSchemaFromCli(plugin: string, pulumiDir: string): string {
    return childProcess.execFileSync(binary("pulumi"), ["package", "get-schema", plugin], {
        cwd: pulumiDir,
        env: { ...process.env, ...engineEnv(pulumiDir) },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 64 << 20,
    });
}

/**
 * Creates (or selects) the stack and sets its settings; the stack file is git-ignored. The Stack
 * is for settings, outputs, previews and refreshes: run ups and destroys with upWithPreview and
 * destroyWithPreview, as users do (the Automation API's up() and destroy() skip the preview, where
 * the kubernetes provider's dry runs find what a fresh environment refuses).
 */
export async function programStack(o: ProgramStackOptions): Promise<Stack> {
    const config: ConfigMap = {
        ...connectionConfig(o),
        // The sandbox's key is registered writable: welkin-flux pushes with it.
        deployKeyWritable: { value: "true" },
    };
    for (const [k, v] of Object.entries(o.settings ?? {})) {
        config[k] = typeof v === "string" ? { value: v } : { value: v.secret, secret: true };
    }
    const stack = await workspaceStack(PROGRAM_DIR, o.stackName, o.pulumiDir, config);
    if (o.structured !== undefined) {
        // As a user sets a list of objects: `pulumi config set --path 'patches[0].patch' ...`.
        await stack.setAllConfig(configPaths(o.structured, ""), true);
    }
    return stack;
}

/**
 * The settings every program on the sandbox takes (this repository's, the YAML example): the
 * cluster's name, the git repository with its host key, the deploy key and the kubeconfig, the
 * last two secret.
 */
export function connectionConfig(o: Pick<ProgramStackOptions, "clusterName" | "git" | "kubeconfigFile">): ConfigMap {
    return {
        clusterName: { value: o.clusterName },
        gitUrl: { value: o.git.url },
        knownHosts: { value: o.git.knownHosts },
        deployKeyPrivateKey: { value: fs.readFileSync(o.git.privateKeyFile, "utf8"), secret: true },
        kubeconfig: { value: fs.readFileSync(o.kubeconfigFile, "utf8"), secret: true },
    };
}

/**
 * Creates (or selects) the stack of the program in workDir on the backend in pulumiDir, with the
 * engine's environment, and sets `config`; the stack file is written beside the program.
 */
export async function workspaceStack(workDir: string, stackName: string, pulumiDir: string, config: ConfigMap): Promise<Stack> {
    const env = engineEnv(pulumiDir);
    // The Automation API runs the `pulumi` it finds on this process's PATH.
    process.env.PATH = env.PATH;
    const stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir }, { envVars: env });
    if (Object.keys(config).length > 0) {
        await stack.setAllConfig(config);
    }
    return stack;
}

/** Every leaf of a structured setting as a `--path` key: `patches[0].target.kind`. */
function configPaths(value: unknown, prefix: string): ConfigMap {
    if (Array.isArray(value)) {
        return Object.assign({}, ...value.map((v, i) => configPaths(v, `${prefix}[${i}]`)));
    }
    if (typeof value === "object" && value !== null) {
        return Object.assign({}, ...Object.entries(value).map(([k, v]) => configPaths(v, prefix === "" ? k : `${prefix}.${k}`)));
    }
    return { [prefix]: { value: String(value) } };
}

/** The stack file setConfig wrote beside the program (holds encrypted sandbox credentials). */
export function removeStackFile(stackName: string): void {
    fs.rmSync(path.join(PROGRAM_DIR, `Pulumi.${stackName}.yaml`), { force: true });
}

export interface CliRun {
    stdout: string;
    stderr: string;
    code: number;
}

export interface CliRunOptions {
    onOutput?: (text: string) => void;
    args?: string[];
    /** The program's folder; default this repository's program. */
    cwd?: string;
}

/**
 * `pulumi up --yes` of the stack with the CLI, as users run it: with its preview. (The Automation
 * API's up() always passes --skip-preview, which would hide exactly the preview defects users meet.)
 */
export function upWithPreview(stackName: string, pulumiDir: string, opts: CliRunOptions = {}): Promise<CliRun> {
    return withPreview("up", stackName, pulumiDir, opts);
}

/** `pulumi destroy --yes` with its preview, as users run it (the Automation API's destroy() skips it too). */
export function destroyWithPreview(stackName: string, pulumiDir: string, opts: CliRunOptions = {}): Promise<CliRun> {
    return withPreview("destroy", stackName, pulumiDir, opts);
}

function withPreview(command: "up" | "destroy", stackName: string, pulumiDir: string, opts: CliRunOptions): Promise<CliRun> {
    return new Promise((resolve) => {
        const child = childProcess.spawn("pulumi", [command, "--yes", "--non-interactive", "--color=never", "--stack", stackName, ...(opts.args ?? [])], {
            cwd: opts.cwd ?? PROGRAM_DIR,
            env: { ...process.env, ...engineEnv(pulumiDir) },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => {
            stdout += d.toString();
            opts.onOutput?.(d.toString());
        });
        child.stderr.on("data", (d: Buffer) => {
            stderr += d.toString();
            opts.onOutput?.(d.toString());
        });
        child.on("close", (code) => resolve({ stdout, stderr, code: code ?? 1 }));
    });
}
