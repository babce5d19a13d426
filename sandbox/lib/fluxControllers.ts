// Flux's real source-controller and kustomize-controller (built by the toolchain), run out of
// cluster against the sandbox the way their Deployments run them on Welkin: each with a token of
// its own ServiceAccount in flux-system (never the admin's certificate), namespace-scoped, with
// the arguments of the Deployment the component applied (which the render tests hold equal to
// `kubectl kustomize` of the committed files). Only what cannot work outside a pod changes:
// listening addresses move to loopback ports, /data to a folder, and events are not sent to a
// notification-controller that does not run here, and no leader election (one process each).
// So what lets them work — or what they find Forbidden — is Welkin's Roles, crd-controller and the
// component's admin delegation.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { kubectl, Sandbox } from "./cluster";
import { alive, freePort, startProcess, stopNamedProcesses, waitFor } from "./processes";
import { findBinary, toolchainPart } from "./toolchain";

/** The controllers the sandbox can run (the toolchain's `flux` parts). */
export const SANDBOX_FLUX_CONTROLLERS = ["source-controller", "kustomize-controller"] as const;
export type SandboxFluxController = (typeof SANDBOX_FLUX_CONTROLLERS)[number];

/** "binary (build.sh part)" for each controller not built yet; empty when they can run. */
export function missingFluxControllerBinaries(): string[] {
    return SANDBOX_FLUX_CONTROLLERS.filter((c) => findBinary(c) === undefined).map((c) => `${c} (sandbox/toolchain/build.sh flux)`);
}

/** The toolchain's controller versions, e.g. "source-controller v1.9.4". */
export function fluxControllerVersions(): string[] {
    return SANDBOX_FLUX_CONTROLLERS.map((c) => `${c} ${toolchainPart(c).version}`);
}

interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: { fieldRef?: { fieldPath: string } };
}

interface LiveDeployment {
    spec: { template: { spec: { serviceAccountName: string; containers: { args?: string[]; env?: EnvVar[] }[] } } };
}

export interface RunningFluxController {
    name: SandboxFluxController;
    serviceAccount: string;
    args: string[];
    log: string;
}

/** The container's environment as the kubelet would give it (fieldRefs resolved; resource refs dropped). */
function containerEnv(env: EnvVar[], namespace: string, podName: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of env) {
        if (e.value !== undefined) {
            out[e.name] = e.value;
        } else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.namespace") {
            out[e.name] = namespace;
        } else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.name") {
            out[e.name] = podName;
        }
        // resourceFieldRef (GOMAXPROCS, GOMEMLIMIT from limits): no pod limits out of cluster.
    }
    return out;
}

/** $(VAR) references in args, expanded as the kubelet does. */
function expand(arg: string, env: Record<string, string>): string {
    return arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
}

/** A kubeconfig that authenticates as the ServiceAccount with a token from the TokenRequest API. */
function serviceAccountKubeconfig(sandbox: Sandbox, namespace: string, serviceAccount: string): string {
    const admin = yaml.load(fs.readFileSync(sandbox.kubeconfigs.admin, "utf8")) as { clusters: { cluster: Record<string, string> }[] };
    const token = kubectl(sandbox.kubeconfigs.admin, ["create", "token", serviceAccount, "-n", namespace, "--duration=24h"]).trim();
    return yaml.dump({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "sandbox", cluster: admin.clusters[0].cluster }],
        users: [{ name: serviceAccount, user: { token } }],
        contexts: [{ name: serviceAccount, context: { cluster: "sandbox", user: serviceAccount, namespace } }],
        "current-context": serviceAccount,
    });
}

/** The Deployment's args with what only works inside a pod moved to this machine. */
function outOfClusterArgs(args: string[], ports: { storage: number; metrics: number; health: number }, storageDir: string): string[] {
    const replaced: Record<string, string | null> = {
        // No notification-controller runs here (nor cluster DNS): events stay in the API only.
        "--events-addr": null,
        // controller-runtime finds the Lease's namespace only in a pod's ServiceAccount mount; one
        // process per controller needs no election (the tests check the Lease rights instead).
        "--enable-leader-election": null,
        "--storage-path": storageDir,
        // kustomize-controller downloads artifacts from the advertised address: keep both on loopback.
        "--storage-adv-addr": `127.0.0.1:${ports.storage}`,
        "--storage-addr": `127.0.0.1:${ports.storage}`,
        "--metrics-addr": `127.0.0.1:${ports.metrics}`,
        "--health-addr": `127.0.0.1:${ports.health}`,
    };
    const out: string[] = [];
    for (const arg of args) {
        const flag = arg.split("=")[0];
        if (!(flag in replaced)) {
            out.push(arg);
        }
    }
    for (const [flag, value] of Object.entries(replaced)) {
        const wanted = flag === "--storage-path" || flag === "--storage-adv-addr" || flag === "--storage-addr";
        // The storage flags only exist on source-controller.
        if (value !== null && (!wanted || args.some((a) => a.startsWith("--storage-")))) {
            out.push(`${flag}=${value}`);
        }
    }
    return out;
}

/**
 * Starts the controllers as the Deployments in `namespace` describe them; they run in the
 * sandbox's process group (sandbox:down and stopSandbox stop them) until stopFluxControllers.
 */
export async function startFluxControllers(sandbox: Sandbox, namespace = "flux-system"): Promise<RunningFluxController[]> {
    const missing = missingFluxControllerBinaries();
    if (missing.length > 0) {
        throw new Error(`the Flux controllers are not built: ${missing.join(", ")}`);
    }
    const running: RunningFluxController[] = [];
    for (const name of SANDBOX_FLUX_CONTROLLERS) {
        const deployment = JSON.parse(kubectl(sandbox.kubeconfigs.admin, ["get", "deployment", name, "-n", namespace, "-o", "json"])) as LiveDeployment;
        const pod = deployment.spec.template.spec;
        const container = pod.containers[0];
        const env = containerEnv(container.env ?? [], namespace, `${name}-sandbox`);
        const dir = path.join(sandbox.stateDir, "flux", name);
        fs.mkdirSync(path.join(dir, "data"), { recursive: true });
        const kubeconfig = path.join(dir, "kubeconfig");
        fs.writeFileSync(kubeconfig, serviceAccountKubeconfig(sandbox, namespace, pod.serviceAccountName), { mode: 0o600 });
        const [storage, metrics, health] = [await freePort(), await freePort(), await freePort()];
        const args = outOfClusterArgs((container.args ?? []).map((a) => expand(a, env)), { storage, metrics, health }, path.join(dir, "data"));
        const pid = startProcess(sandbox.stateDir, `flux-${name}`, findBinary(name)!, args, { ...env, KUBECONFIG: kubeconfig, HOME: dir });
        const log = path.join(sandbox.stateDir, "logs", `flux-${name}.log`);
        await waitFor(`${name} healthy`, async () => (await fetch(`http://127.0.0.1:${health}/readyz`).then((r) => r.ok).catch(() => false)), 60_000, log);
        const controller: RunningFluxController = { name, serviceAccount: pod.serviceAccountName, args, log };
        fs.writeFileSync(path.join(dir, "running.json"), JSON.stringify({ pid, controller }));
        running.push(controller);
    }
    return running;
}

/** The controllers an earlier startFluxControllers (maybe another process) left running. */
export function runningFluxControllers(sandbox: Sandbox): RunningFluxController[] {
    return SANDBOX_FLUX_CONTROLLERS.flatMap((name) => {
        const file = path.join(sandbox.stateDir, "flux", name, "running.json");
        if (!fs.existsSync(file)) {
            return [];
        }
        const { pid, controller } = JSON.parse(fs.readFileSync(file, "utf8")) as { pid: number; controller: RunningFluxController };
        return alive(pid) ? [controller] : [];
    });
}

/** Stops the controllers started by startFluxControllers (the rest of the sandbox keeps running). */
export async function stopFluxControllers(sandbox: Sandbox): Promise<void> {
    await stopNamedProcesses(sandbox.stateDir, SANDBOX_FLUX_CONTROLLERS.map((c) => `flux-${c}`));
}

/**
 * What the kubelet would do: stops each controller once its Deployment is deleted (or being
 * deleted), so a `destroy` meets what it meets on Welkin, where the pods go with their Deployment.
 */
export function stopControllersWithTheirDeployments(sandbox: Sandbox, controllers: RunningFluxController[], namespace = "flux-system"): { stopped: string[]; end(): void } {
    const stopped: string[] = [];
    const timer = setInterval(() => {
        for (const c of controllers.filter((x) => !stopped.includes(x.name))) {
            let gone: boolean;
            try {
                const out = kubectl(sandbox.kubeconfigs.admin, ["get", "deployment", c.name, "-n", namespace, "--ignore-not-found", "-o", "jsonpath={.metadata.name}/{.metadata.deletionTimestamp}"]);
                gone = out.trim() === "" || !out.trim().endsWith("/");
            } catch {
                gone = false; // the API did not answer: decide on the next tick
            }
            if (gone) {
                stopped.push(c.name);
                void stopNamedProcesses(sandbox.stateDir, [`flux-${c.name}`]);
            }
        }
    }, 1000);
    return { stopped, end: () => clearInterval(timer) };
}

/** Every line of the controllers' logs where RBAC refused them (`... is forbidden: User "..." cannot ...`). */
export function forbiddenLines(controllers: RunningFluxController[]): string[] {
    return controllers.flatMap((c) =>
        fs.existsSync(c.log)
            ? fs
                  .readFileSync(c.log, "utf8")
                  .split("\n")
                  .filter((l) => /is forbidden: User /.test(l))
                  .map((l) => `${c.name}: ${l}`)
            : [],
    );
}

export interface FluxObjectStatus {
    name: string;
    ready: string;
    /** Ready condition's message, as `flux get` shows it. */
    message: string;
    /** The artifact or last applied revision, e.g. main@sha1:… */
    revision: string;
    suspended: boolean;
    /** Every condition, `Type=Status: message`, for diagnostics. */
    conditions: string[];
}

/** kubectl's fully qualified resource name for the kind. */
function fluxResource(kind: "gitrepository" | "kustomization"): string {
    return `${kind}.${kind === "gitrepository" ? "source" : "kustomize"}.toolkit.fluxcd.io`;
}

/** What `flux get sources git` / `flux get kustomizations` show for one object. */
export function fluxStatus(kubeconfig: string, kind: "gitrepository" | "kustomization", name: string, namespace = "flux-system"): FluxObjectStatus {
    const o = JSON.parse(kubectl(kubeconfig, ["get", fluxResource(kind), name, "-n", namespace, "-o", "json"])) as {
        spec: { suspend?: boolean };
        status?: { conditions?: { type: string; status: string; message: string }[]; artifact?: { revision: string }; lastAppliedRevision?: string };
    };
    const ready = o.status?.conditions?.find((c) => c.type === "Ready");
    return {
        name,
        ready: ready?.status ?? "Unknown",
        message: ready?.message ?? "",
        revision: (kind === "gitrepository" ? o.status?.artifact?.revision : o.status?.lastAppliedRevision) ?? "",
        suspended: o.spec.suspend === true,
        conditions: (o.status?.conditions ?? []).map((c) => `${c.type}=${c.status}: ${c.message}`),
    };
}

/** Waits until the object is Ready=True at a revision that satisfies `revision` (default: any). */
export async function waitForFluxReady(
    kubeconfig: string,
    kind: "gitrepository" | "kustomization",
    name: string,
    timeoutMs: number,
    revision: (r: string) => boolean = () => true,
    logFile?: string,
): Promise<FluxObjectStatus> {
    let last: FluxObjectStatus | undefined;
    await waitFor(
        `${kind} ${name} Ready`,
        () => {
            try {
                last = fluxStatus(kubeconfig, kind, name);
            } catch {
                return false;
            }
            return last.ready === "True" && revision(last.revision);
        },
        timeoutMs,
        logFile,
    ).catch((e: Error) => {
        throw new Error(`${e.message}; last status: ${JSON.stringify(last)}`);
    });
    return last!;
}

/** What `flux reconcile source git <name>` does: asks for a fetch now instead of at the next interval. */
export function requestReconcile(kubeconfig: string, kind: "gitrepository" | "kustomization", name: string, namespace = "flux-system"): void {
    kubectl(kubeconfig, ["annotate", "--overwrite", fluxResource(kind), name, "-n", namespace, `reconcile.fluxcd.io/requestedAt=${new Date().toISOString()}`]);
}

/** `flux get`-style table lines for objects. */
export function fluxGetTable(rows: FluxObjectStatus[]): string {
    const header = ["NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE"];
    const cells = rows.map((r) => [r.name, r.revision, String(r.suspended), r.ready, r.message]);
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    return [header, ...cells].map((row) => row.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}
