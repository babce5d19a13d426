// .github/workflows/pulumi.yml: the versions it runs, what runs with which secret, and the
// pull-request comment. The version steps and the skip step are run here, with a stand-in
// `pulumi` on PATH; the jobs' `if:` conditions are evaluated for a push and for pull requests from
// this repository, a fork, a deleted fork and Dependabot.
// WELKIN_FLUX_WORKFLOW=<file> runs these against another copy of the workflow (e.g. an older one
// from `git show`).
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { readmeSection } from "./support/readme";

const ROOT = path.resolve(__dirname, "..");
const WORKFLOW_FILE = process.env.WELKIN_FLUX_WORKFLOW ?? path.join(ROOT, ".github/workflows/pulumi.yml");

type Value = string | number | boolean | null | undefined | { [key: string]: Value } | Value[];
type Context = { [key: string]: Value };

interface Step {
    name?: string;
    id?: string;
    uses?: string;
    run?: string;
    shell?: string;
    with?: { [input: string]: Value };
    env?: { [name: string]: string };
}

interface Job {
    if?: string;
    environment?: Value;
    permissions?: Value;
    env?: { [name: string]: string };
    strategy?: { "max-parallel"?: number; "fail-fast"?: boolean; matrix?: { [key: string]: Value } };
    steps: Step[];
}

interface Workflow {
    on: { [event: string]: Value };
    permissions?: Value;
    env?: { [name: string]: string };
    jobs: { [id: string]: Job };
}

const workflow = yaml.load(fs.readFileSync(WORKFLOW_FILE, "utf8")) as Workflow;
const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> };

/**
 * The inputs of pulumi/actions, from its action.yml (v6; v7.0.0 changed only the runtime, node20
 * to node24). Every `with:` key must be one of these: a misspelt input is ignored by the runner.
 */
const PULUMI_ACTIONS_INPUTS = new Set([
    "command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir", "comment-on-pr", "comment-on-pr-number",
    "comment-on-summary", "github-token", "cloud-url", "secrets-provider", "parallel", "message", "config-map",
    "expect-no-changes", "diff", "replace", "target", "target-dependents", "policyPacks", "policyPackConfigs", "refresh",
    "upsert", "remove", "edit-pr-comment", "color", "exclude-protected", "plan", "suppress-outputs", "suppress-progress",
    "always-include-summary",
]);
/** The current major version of pulumi/actions (v7.0.0, May 2026: the node24 runtime). */
const PULUMI_ACTIONS_MAJOR = "v7";

// ---- the GitHub expressions this workflow uses: paths, strings, ==, !=, !, &&, ||, parentheses ----

function lookup(context: Context, dotted: string): Value {
    let value: Value = context;
    for (const key of dotted.split(".")) {
        if (value === null || value === undefined || typeof value !== "object" || Array.isArray(value)) return null;
        value = (value as { [key: string]: Value })[key];
    }
    return value ?? null;
}

/** Evaluates an expression; anything outside the small grammar above throws, so it is noticed. */
function evaluate(source: string, context: Context): Value {
    const text = source.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, "$1");
    const tokens = [...text.matchAll(/\s*('(?:[^']|'')*'|==|!=|&&|\|\||!|\(|\)|\[|\]|[A-Za-z_][\w.-]*)/gy)].map((m) => m[1]);
    assert.strictEqual(tokens.join("").replace(/\s/g, ""), text.replace(/\s/g, ""), `cannot evaluate ${source}`);
    let at = 0;
    const peek = () => tokens[at];
    const take = (expected?: string) => {
        const token = tokens[at++];
        if (expected !== undefined) assert.strictEqual(token, expected, `cannot evaluate ${source}`);
        return token;
    };
    const equal = (a: Value, b: Value) =>
        typeof a === "string" && typeof b === "string" ? a.toLowerCase() === b.toLowerCase() : (a ?? null) === (b ?? null);
    const primary = (): Value => {
        const token = take();
        assert.ok(token !== undefined, `cannot evaluate ${source}`);
        if (token === "(") {
            const value = or();
            take(")");
            return value;
        }
        if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
        if (token === "true" || token === "false") return token === "true";
        if (token === "null") return null;
        assert.ok(/^[A-Za-z_]/.test(token) && peek() !== "(" && peek() !== "[", `cannot evaluate ${source} (at ${token})`);
        return lookup(context, token);
    };
    const comparison = (): Value => {
        const left = primary();
        if (peek() === "==" || peek() === "!=") {
            const op = take();
            const right = primary();
            return op === "==" ? equal(left, right) : !equal(left, right);
        }
        return left;
    };
    const unary = (): Value => {
        if (peek() !== "!") return comparison();
        take();
        return !unary();
    };
    const and = (): Value => {
        let value = unary();
        while (peek() === "&&") {
            take();
            const right = unary();
            value = value ? right : value;
        }
        return value;
    };
    const or = (): Value => {
        let value = and();
        while (peek() === "||") {
            take();
            const right = and();
            value = value ? value : right;
        }
        return value;
    };
    const value = or();
    assert.strictEqual(at, tokens.length, `cannot evaluate ${source}`);
    return value;
}

/** A string with `${{ }}` in it, as the runner expands it (null and undefined become ""). */
function expand(template: string, context: Context): string {
    return template.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) => {
        const value = evaluate(expression, context);
        return value === null || value === undefined ? "" : String(value);
    });
}

// ---- events ----

const REPOSITORY = "example-org/welkin-flux";

function event(name: "push" | "pull_request", headRepository: string | null, actor = "alice"): Context {
    const pullRequest = name === "pull_request" ? { number: 7, head: { repo: headRepository === null ? null : { full_name: headRepository } } } : null;
    return { github: { event_name: name, repository: REPOSITORY, actor, ref: name === "push" ? "refs/heads/main" : "refs/pull/7/merge", event: { pull_request: pullRequest } } };
}

const PUSH = event("push", null);
const OWN_BRANCH = event("pull_request", REPOSITORY);
const PULL_REQUESTS_WITHOUT_SECRETS: [string, Context][] = [
    ["a fork", event("pull_request", "someone/welkin-flux")],
    ["a deleted fork", event("pull_request", null)],
    ["Dependabot", event("pull_request", REPOSITORY, "dependabot[bot]")],
];

function runs(job: Job, context: Context): boolean {
    return job.if === undefined ? true : Boolean(evaluate(job.if, context));
}

function jobsRunningOn(context: Context): string[] {
    return Object.entries(workflow.jobs)
        .filter(([, job]) => runs(job, context))
        .map(([id]) => id);
}

// ---- jobs and steps ----

const isPulumiAction = (step: Step) => (step.uses ?? "").startsWith("pulumi/actions@");

function commandStep(job: Job): Step | undefined {
    return job.steps.find((s) => isPulumiAction(s) && s.with?.command !== undefined);
}

function jobRunning(command: string): [string, Job] {
    const found = Object.entries(workflow.jobs).filter(([, job]) => commandStep(job)?.with?.command === command);
    assert.strictEqual(found.length, 1, `one job runs pulumi ${command}`);
    return found[0];
}

const pulumiJobs = () => Object.entries(workflow.jobs).filter(([, job]) => commandStep(job) !== undefined);

/** The values of the matrix's keys, over its plain axes and its `include` entries. */
function matrixValues(job: Job, key: string): string[] {
    const matrix = job.strategy?.matrix ?? {};
    const axis = Array.isArray(matrix[key]) ? (matrix[key] as Value[]) : [];
    const included = Array.isArray(matrix.include) ? (matrix.include as { [key: string]: Value }[]).map((entry) => entry[key]) : [];
    return [...axis, ...included].filter((v): v is string => typeof v === "string");
}

/** The secrets a job can read: its own references and the workflow's env, `secrets[matrix.x]` resolved. */
function secretsOf(job: Job, where: unknown = { workflowEnv: workflow.env, job }): Set<string> {
    const text = JSON.stringify(where);
    const names = new Set([...text.matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]));
    for (const m of text.matchAll(/secrets\[\s*matrix\.([A-Za-z_][\w-]*)\s*\]/g)) {
        const values = matrixValues(job, m[1]);
        assert.ok(values.length > 0, `secrets[matrix.${m[1]}]: the matrix has no ${m[1]}`);
        values.forEach((v) => names.add(v));
    }
    assert.ok(!/secrets\[(?!\s*matrix\.)/.test(text), "a secret is looked up by a name this test cannot resolve");
    return names;
}

/** The workflow token's permissions in a job. */
function permissionsOf(job: Job): Value {
    return job.permissions ?? workflow.permissions ?? "default (may be write-all)";
}

// ---- running steps ----

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-flux-workflow-"));

function readOutputs(file: string): Record<string, string> {
    const outputs: Record<string, string> = {};
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        const eq = line.indexOf("=");
        if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1);
    }
    return outputs;
}

/** Runs a `shell: node {0}` step in the repository root, as the runner would after npm ci; its outputs. */
function runNodeStep(step: Step): Record<string, string> {
    assert.strictEqual(step.shell, "node {0}", `step ${step.id ?? step.name} is not a node step this test can run`);
    const script = path.join(scratch, `${step.id}.js`);
    const output = path.join(scratch, `${step.id}.out`);
    fs.writeFileSync(script, step.run ?? "");
    fs.writeFileSync(output, "");
    execFileSync(process.execPath, [script], { cwd: ROOT, env: { ...process.env, GITHUB_OUTPUT: output }, stdio: ["ignore", "ignore", "inherit"] });
    return readOutputs(output);
}

/** Runs a bash `run:` step with `pulumi` on PATH replaced by a stand-in that records its arguments. */
function runBashStep(step: Step, context: Context, extraEnv: Record<string, string> = {}): { pulumiCalls: string[]; stdout: string } {
    assert.ok(step.shell === undefined || step.shell === "bash", `step ${step.name} is not a bash step`);
    const bin = path.join(scratch, "bin");
    const calls = path.join(scratch, "pulumi-calls");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "$*" >> "${calls}"\n`, { mode: 0o755 });
    fs.writeFileSync(calls, "");
    const env: Record<string, string> = { ...(process.env as Record<string, string>), ...extraEnv, PATH: `${bin}:${process.env.PATH}` };
    for (const [name, value] of Object.entries(step.env ?? {})) env[name] = expand(String(value), context);
    const stdout = execFileSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run ?? ""], { cwd: scratch, env, encoding: "utf8" });
    return { pulumiCalls: fs.readFileSync(calls, "utf8").split("\n").filter((l) => l !== ""), stdout };
}

const STEP_OUTPUT = /^\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}$/;

/** Where a `${{ steps.x.outputs.y }}` comes from: the step, run here; a version written in is refused. */
function stepOutput(job: Job, value: Value, what: string): { step: Step; output: string; value: string } {
    const m = STEP_OUTPUT.exec(String(value));
    assert.ok(m, `${what} is ${JSON.stringify(value)}: written into the workflow it drifts from package.json; it must be the output of a step that reads package.json`);
    const step = job.steps.find((s) => s.id === m[1]);
    assert.ok(step, `${what}: no step ${m[1]}`);
    const outputs = runNodeStep(step);
    assert.ok(m[2] in outputs, `${what}: step ${m[1]} sets no output ${m[2]}`);
    return { step, output: m[2], value: outputs[m[2]] };
}

/** package.json's exact pin of a devDependency (the version npm ci installs, with the lockfile). */
function pin(name: string): string {
    const version = packageJson.devDependencies[name];
    assert.ok(/^\d+\.\d+\.\d+$/.test(version), `package.json pins ${name} exactly`);
    return version;
}

// ---- the tests ----

describe("the pull-request workflow (.github/workflows/pulumi.yml)", () => {
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("installs the Pulumi CLI of @pulumi/pulumi, read from package.json, in every job that runs pulumi", () => {
        for (const [id, job] of pulumiJobs()) {
            // pulumi/actions installs the CLI at every step (a range if not told otherwise), setup-pulumi once.
            const installers = job.steps.filter((s) => isPulumiAction(s) || (s.uses ?? "").startsWith("pulumi/setup-pulumi@"));
            for (const step of installers) {
                const version = stepOutput(job, step.with?.["pulumi-version"], `${id}: ${step.name ?? step.uses}'s pulumi-version`);
                assert.strictEqual(version.value, pin("@pulumi/pulumi"), `${id}: the CLI is @pulumi/pulumi's version`);
            }
        }
    });

    it("installs the provider plugins of the installed @pulumi/* packages, before pulumi runs", () => {
        const providers = Object.keys(packageJson.devDependencies).filter((name) => name.startsWith("@pulumi/") && name !== "@pulumi/pulumi");
        assert.ok(providers.length > 0);
        const expected = providers.map((name) => `plugin install resource ${name.slice("@pulumi/".length)} ${pin(name)}`).sort();
        for (const [id, job] of pulumiJobs()) {
            const index = job.steps.findIndex((s) => (s.run ?? "").includes("pulumi plugin install"));
            assert.ok(index >= 0, `${id}: a step installs the provider plugins`);
            const step = job.steps[index];
            assert.ok(!/\d+\.\d+\.\d+/.test(step.run ?? ""), `${id}: the plugin versions are not written into the step:\n${step.run}`);
            const cli = job.steps.findIndex((s) => isPulumiAction(s) && s.with?.command === undefined);
            assert.ok(cli >= 0 && cli < index && index < job.steps.indexOf(commandStep(job)!), `${id}: the plugins are installed after the CLI and before pulumi runs`);
            const outputs: Context = {};
            for (const [name, value] of Object.entries(step.env ?? {})) {
                const m = STEP_OUTPUT.exec(String(value));
                if (m) outputs[m[1]] = { outputs: { [m[2]]: stepOutput(job, value, `${id}: ${name}`).value } };
            }
            const { pulumiCalls } = runBashStep(step, { steps: outputs });
            assert.deepStrictEqual(pulumiCalls.sort(), expected, `${id}: the plugins are the installed packages' versions`);
        }
    });

    it("previews without a deployment environment, so no approval is waited for", () => {
        const [id, preview] = jobRunning("preview");
        assert.strictEqual(preview.environment, undefined, `${id} has environment: ${JSON.stringify(preview.environment)}`);
    });

    it("previews only pull requests from this repository's branches; the others get one line saying why", () => {
        assert.ok(!("pull_request_target" in workflow.on), "pull_request_target would run the pull request's code with the secrets");
        assert.ok("pull_request" in workflow.on);
        const [previewId] = jobRunning("preview");
        assert.deepStrictEqual(jobsRunningOn(OWN_BRANCH), [previewId], "a pull request from a branch here is previewed, and only that");
        for (const [who, context] of PULL_REQUESTS_WITHOUT_SECRETS) {
            const running = jobsRunningOn(context);
            assert.ok(!running.includes(previewId), `a pull request from ${who} is not previewed`);
            assert.strictEqual(running.length, 1, `one job answers a pull request from ${who}: ${running.join(", ")}`);
            const skip = workflow.jobs[running[0]];
            assert.deepStrictEqual([...secretsOf(skip)], [], `${running[0]} uses no secrets`);
            assert.ok(skip.steps.every((s) => s.uses === undefined), `${running[0]} runs no action`);
            const summary = path.join(scratch, "summary.md");
            fs.writeFileSync(summary, "");
            for (const step of skip.steps) {
                const { pulumiCalls } = runBashStep(step, context, { GITHUB_REPOSITORY: REPOSITORY, GITHUB_STEP_SUMMARY: summary });
                assert.deepStrictEqual(pulumiCalls, []);
            }
            const lines = fs.readFileSync(summary, "utf8").split("\n").filter((l) => l.trim() !== "");
            assert.strictEqual(lines.length, 1, `one line in the run's summary for ${who}:\n${lines.join("\n")}`);
            assert.match(lines[0], /preview/i);
            const head = lookup(context, "github.event.pull_request.head.repo.full_name");
            if (typeof head === "string" && head !== REPOSITORY) assert.ok(lines[0].includes(head), `the line names ${head}: ${lines[0]}`);
        }
    });

    it("keeps the admin GitHub token and the environments' secrets out of the preview", () => {
        const [, preview] = jobRunning("preview");
        const [, up] = jobRunning("up");
        const previewSecrets = secretsOf(preview);
        for (const secret of ["WELKIN_FLUX_GITHUB_TOKEN", "KUBECONFIG"]) assert.ok(!previewSecrets.has(secret), `the preview can read ${secret}`);
        assert.match(String(commandStep(preview)!.env?.GITHUB_TOKEN), /^\$\{\{\s*secrets\.WELKIN_FLUX_PREVIEW_GITHUB_TOKEN\s*\}\}$/, "the preview's github provider reads with the read-only token");
        assert.match(String(commandStep(up)!.env?.GITHUB_TOKEN), /^\$\{\{\s*secrets\.WELKIN_FLUX_GITHUB_TOKEN\s*\}\}$/, "up's github provider has the admin token");
        for (const kubeconfig of matrixValues(preview, "kubeconfig")) assert.match(kubeconfig, /^PREVIEW_KUBECONFIG_[A-Z]+$/);
        assert.deepStrictEqual(matrixValues(preview, "stack").map((s) => `PREVIEW_KUBECONFIG_${s.toUpperCase()}`), matrixValues(preview, "kubeconfig"));
    });

    it("gives the secrets to the steps that use them, never to the whole workflow or a whole job", () => {
        assert.deepStrictEqual([...secretsOf({ steps: [] }, workflow.env ?? {})], [], "the workflow's env has secrets");
        for (const [id, job] of Object.entries(workflow.jobs)) {
            assert.deepStrictEqual([...secretsOf(job, job.env ?? {})], [], `${id}'s env has secrets`);
            for (const step of job.steps.filter((s) => /\bnpm (ci|install)\b/.test(s.run ?? ""))) {
                assert.deepStrictEqual([...secretsOf(job, step)], [], `${id}: npm runs with secrets`);
            }
        }
    });

    it("deploys with up after a push to main: each stack under its environment, one at a time, dev → staging → production, with a read-only workflow token", () => {
        const [id, up] = jobRunning("up");
        assert.deepStrictEqual(workflow.on.push, { branches: ["main"] });
        assert.deepStrictEqual(jobsRunningOn(PUSH), [id], "a push runs up, and only up");
        for (const [, context] of [["own", OWN_BRANCH], ...PULL_REQUESTS_WITHOUT_SECRETS] as [string, Context][]) assert.ok(!runs(up, context), "a pull request never runs up");
        assert.strictEqual(up.environment, "${{ matrix.stack }}");
        assert.strictEqual(up.strategy?.["max-parallel"], 1);
        assert.strictEqual(up.strategy?.["fail-fast"], true);
        assert.deepStrictEqual(up.strategy?.matrix, { stack: ["dev", "staging", "production"] });
        assert.deepStrictEqual(
            Object.entries(workflow.jobs).filter(([, job]) => job.environment !== undefined).map(([jobId]) => jobId),
            [id],
            "only up runs under an environment",
        );
        assert.deepStrictEqual(permissionsOf(up), { contents: "read" }, "up's workflow token reads the repository and nothing more");
    });

    it("posts one pull-request comment per stack, edited in place, with the summary and without the manifests' bodies", () => {
        const [, preview] = jobRunning("preview");
        const inputs = commandStep(preview)!.with ?? {};
        const yes = (name: string) => assert.ok(inputs[name] === true || inputs[name] === "true", `${name}: true`);
        yes("comment-on-pr");
        yes("edit-pr-comment");
        yes("always-include-summary");
        assert.ok(inputs.diff === undefined || inputs.diff === false || inputs.diff === "false", "no diff in the comment (gotk-components.yaml and the CRDs)");
        assert.deepStrictEqual(permissionsOf(preview), { contents: "read", "pull-requests": "write" }, "the preview's workflow token may comment and read, no more");
    });

    it("names each stack with its organisation and logs in to the backend given as cloud-url", () => {
        for (const [id, job] of pulumiJobs()) {
            const inputs = commandStep(job)!.with ?? {};
            const [org, stack, ...rest] = String(inputs["stack-name"]).split("/");
            assert.ok(rest.length === 0 && /\S/.test(org ?? "") && stack === "${{ matrix.stack }}", `${id}: stack-name is <organisation>/\${{ matrix.stack }}: ${inputs["stack-name"]}`);
            assert.ok(typeof inputs["cloud-url"] === "string" && inputs["cloud-url"] !== "", `${id}: the backend is the action's cloud-url`);
            for (const s of job.steps) assert.ok(!("PULUMI_BACKEND_URL" in (s.env ?? {})), `${id}: the backend is given as cloud-url, not PULUMI_BACKEND_URL`);
            assert.ok(!("PULUMI_BACKEND_URL" in (job.env ?? {})) && !("PULUMI_BACKEND_URL" in (workflow.env ?? {})), `${id}: the backend is given as cloud-url, not PULUMI_BACKEND_URL`);
        }
    });

    it(`uses pulumi/actions@${PULUMI_ACTIONS_MAJOR}, with only the inputs its action.yml defines`, () => {
        for (const [id, job] of Object.entries(workflow.jobs)) {
            for (const step of job.steps.filter(isPulumiAction)) {
                assert.strictEqual(step.uses, `pulumi/actions@${PULUMI_ACTIONS_MAJOR}`, `${id}`);
                const unknown = Object.keys(step.with ?? {}).filter((input) => !PULUMI_ACTIONS_INPUTS.has(input));
                assert.deepStrictEqual(unknown, [], `${id}: pulumi/actions has no input ${unknown.join(", ")}`);
            }
        }
    });

    it("is described by the README: every secret and variable it reads is named there", () => {
        const section = readmeSection("## Pull-request previews and deploys (GitHub Actions)");
        const named = new Set([...section.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]));
        const text = JSON.stringify(workflow);
        const read = new Set([...Object.values(workflow.jobs).flatMap((job) => [...secretsOf(job)]), ...[...text.matchAll(/vars\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1])]);
        read.delete("GITHUB_TOKEN"); // the workflow's own token, which is not configured
        assert.deepStrictEqual([...read].filter((name) => !named.has(name)).sort(), [], "named in the README");
    });
});
