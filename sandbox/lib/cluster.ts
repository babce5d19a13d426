// The sandbox cluster: etcd, kube-apiserver (RBAC, TLS, client certificates, loopback only),
// kube-controller-manager and kube-scheduler, the real HNC controller and kwok (simulated node
// and pods), with Welkin's platform RBAC applied. State lives in one folder: certificates,
// kubeconfigs, etcd data, logs and pid files.
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { createCa, createClientCert, createServingCert, Identity, kubeconfigFor } from "./pki";
import { emptyStateDir, freePort, startProcess, stopProcesses, waitFor } from "./processes";
import { binary, goModuleDir, missingSandboxBinaries, toolchainPart } from "./toolchain";
import { startWelkinGatekeeper } from "./welkinGatekeeper";
import {
    ADMIN,
    DEVELOPER,
    DEVELOPER_WITHOUT_CRDS,
    ExtraCrds,
    kwokNode,
    userCrdsResourceNameLimit,
    welkinPlatformObjects,
} from "./welkinPlatform";

export interface Sandbox {
    stateDir: string;
    server: string;
    /** Kubeconfig file per identity: admin (system:masters), developer, developer-nocrd. */
    kubeconfigs: Record<"admin" | "developer" | "developer-nocrd", string>;
}

export function kubectl(kubeconfig: string, args: string[], input?: string): string {
    return childProcess.execFileSync("kubectl", ["--kubeconfig", kubeconfig, ...args], {
        encoding: "utf8",
        input,
        stdio: ["pipe", "pipe", "pipe"],
        maxBuffer: 64 << 20,
    });
}

export function applyObjects(kubeconfig: string, objects: unknown[], extra: string[] = []): string {
    return kubectl(kubeconfig, ["apply", "--server-side", "--field-manager=welkin-sandbox", ...extra, "-f", "-"], objects.map((o) => yaml.dump(o)).join("---\n"));
}

/** HNC's CRDs, from the module the toolchain built hnc-manager from (its version: build.sh's manifest). */
function hncCrds(): string {
    const dir = path.join(goModuleDir("sigs.k8s.io/hierarchical-namespaces", toolchainPart("hnc").version), "config", "crd", "bases");
    if (!fs.existsSync(dir)) {
        throw new Error(`HNC CRDs not found in ${dir}: run sandbox/toolchain/build.sh hnc`);
    }
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".yaml"))
        .map((f) => fs.readFileSync(path.join(dir, f), "utf8"))
        .join("\n---\n");
}

export function defaultStateDir(): string {
    return path.resolve(__dirname, "..", "..", ".sandbox");
}

/** The sandbox's loopback ports, free when it starts. */
interface Ports {
    etcdClient: number;
    etcdPeer: number;
    api: number;
    hncMetrics: number;
    hncHealth: number;
    gatekeeper: { webhook: number; health: number; metricsSink: number };
}

async function freePorts(): Promise<Ports> {
    const [etcdClient, etcdPeer, api, hncMetrics, hncHealth, webhook, health, metricsSink] = await Promise.all(Array.from({ length: 8 }, () => freePort()));
    return { etcdClient, etcdPeer, api, hncMetrics, hncHealth, gatekeeper: { webhook, health, metricsSink } };
}

/**
 * Starts a sandbox in stateDir (emptied first): etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler, HNC and kwok, every one on 127.0.0.1 under the pid files stopSandbox stops,
 * then Welkin's platform objects and Welkin's admission (Gatekeeper with Welkin's policies).
 * Returns once the developer can work in production.
 */
export async function startSandbox(stateDir: string, log: (line: string) => void = (l) => console.error(l)): Promise<Sandbox> {
    const missing = missingSandboxBinaries();
    if (missing.length > 0) {
        throw new Error(`the sandbox toolchain is incomplete, missing: ${missing.join(", ")}. Run sandbox/toolchain/build.sh.`);
    }
    emptyStateDir(stateDir);
    const ports = await freePorts();
    const sandbox = writeCredentials(stateDir, `https://127.0.0.1:${ports.api}`, log);
    const admin = sandbox.kubeconfigs.admin;
    startEtcd(stateDir, ports, log);
    await startApiServer(stateDir, ports, admin, log);
    log("sandbox: kube-controller-manager, kube-scheduler");
    startControllerManagerAndScheduler(stateDir, admin);
    log("sandbox: HNC CRDs and controller, kwok node");
    await startHnc(stateDir, ports, admin);
    startKwok(stateDir, admin);
    log("sandbox: Welkin platform RBAC (production, staging, extra-workload-admins, crd-controller, user-crds)");
    await applyWelkinPlatform(stateDir, admin);
    log(`sandbox: Gatekeeper ${toolchainPart("gatekeeper").version} webhook on https://127.0.0.1:${ports.gatekeeper.webhook} with Welkin's templates, constraints and webhook configuration`);
    await startWelkinGatekeeper(stateDir, ports.gatekeeper, (objects) => applyObjects(admin, objects), (args, input) => kubectl(admin, args, input), admin);
    log(`sandbox: ready; developer kubeconfig ${sandbox.kubeconfigs.developer}`);
    return sandbox;
}

/** The CA, the API server's certificate, a client certificate and kubeconfig per identity, and the server's URL (<stateDir>/server). */
function writeCredentials(stateDir: string, server: string, log: (line: string) => void): Sandbox {
    const pki = path.join(stateDir, "pki");
    log(`sandbox: certificates in ${pki}`);
    createCa(pki);
    createServingCert(pki);
    for (const id of [ADMIN, DEVELOPER, DEVELOPER_WITHOUT_CRDS]) {
        createClientCert(pki, id);
    }
    const kubeconfigs = {} as Sandbox["kubeconfigs"];
    for (const id of [ADMIN, DEVELOPER, DEVELOPER_WITHOUT_CRDS] as Identity[]) {
        const file = path.join(stateDir, `${id.name}.kubeconfig`);
        fs.writeFileSync(file, kubeconfigFor(pki, server, id), { mode: 0o600 });
        kubeconfigs[id.name as keyof Sandbox["kubeconfigs"]] = file;
    }
    fs.writeFileSync(path.join(stateDir, "server"), server);
    return { stateDir, server, kubeconfigs };
}

function startEtcd(stateDir: string, ports: Ports, log: (line: string) => void): void {
    log(`sandbox: etcd on 127.0.0.1:${ports.etcdClient}`);
    startProcess(stateDir, "etcd", binary("etcd"), [
        `--data-dir=${path.join(stateDir, "etcd")}`,
        `--listen-client-urls=http://127.0.0.1:${ports.etcdClient}`,
        `--advertise-client-urls=http://127.0.0.1:${ports.etcdClient}`,
        `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
        `--initial-cluster=default=http://127.0.0.1:${ports.etcdPeer}`,
        "--unsafe-no-fsync",
    ]);
}

async function startApiServer(stateDir: string, ports: Ports, admin: string, log: (line: string) => void): Promise<void> {
    const pki = path.join(stateDir, "pki");
    log(`sandbox: kube-apiserver on https://127.0.0.1:${ports.api} (RBAC)`);
    startProcess(stateDir, "kube-apiserver", binary("kube-apiserver"), [
        `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${ports.api}`,
        `--tls-cert-file=${path.join(pki, "apiserver.crt")}`,
        `--tls-private-key-file=${path.join(pki, "apiserver.key")}`,
        `--client-ca-file=${path.join(pki, "ca.crt")}`,
        "--authorization-mode=RBAC",
        `--service-account-key-file=${path.join(pki, "sa.key")}`,
        `--service-account-signing-key-file=${path.join(pki, "sa.key")}`,
        "--service-account-issuer=https://kubernetes.default.svc",
        "--service-cluster-ip-range=10.96.0.0/16",
    ]);
    await waitFor("kube-apiserver /readyz", () => kubectl(admin, ["get", "--raw", "/readyz"]).trim() === "ok", 60_000, path.join(stateDir, "logs", "kube-apiserver.log"));
}

function startControllerManagerAndScheduler(stateDir: string, admin: string): void {
    const pki = path.join(stateDir, "pki");
    startProcess(stateDir, "kube-controller-manager", binary("kube-controller-manager"), [
        `--kubeconfig=${admin}`,
        "--bind-address=127.0.0.1",
        "--secure-port=0",
        "--leader-elect=false",
        `--service-account-private-key-file=${path.join(pki, "sa.key")}`,
        `--root-ca-file=${path.join(pki, "ca.crt")}`,
        "--use-service-account-credentials=false",
        "--controllers=*",
    ]);
    startProcess(stateDir, "kube-scheduler", binary("kube-scheduler"), [`--kubeconfig=${admin}`, "--bind-address=127.0.0.1", "--secure-port=0", "--leader-elect=false"]);
}

async function startHnc(stateDir: string, ports: Ports, admin: string): Promise<void> {
    kubectl(admin, ["apply", "--server-side", "-f", "-"], hncCrds());
    kubectl(admin, ["create", "namespace", "hnc-system"]);
    await waitFor("HNC CRDs established", () => kubectl(admin, ["get", "crd", "subnamespaceanchors.hnc.x-k8s.io", "-o", "jsonpath={.status.conditions[?(@.type=='Established')].status}"]) === "True", 30_000);
    startProcess(stateDir, "hnc-manager", binary("hnc-manager"), [
        `-kubeconfig=${admin}`,
        "-no-webhooks",
        "-enable-internal-cert-management=false",
        "-enable-stackdriver=false",
        `-metrics-addr=127.0.0.1:${ports.hncMetrics}`,
        `-health-probe-bind-address=127.0.0.1:${ports.hncHealth}`,
        "-excluded-namespace=kube-system",
        "-excluded-namespace=kube-public",
        "-excluded-namespace=kube-node-lease",
        "-excluded-namespace=hnc-system",
    ]);
}

function startKwok(stateDir: string, admin: string): void {
    // Node heartbeats. Without a config file kwok v0.6.1 has no node Lease duration (`kwok --help`
    // shows no default): no Lease, and its default status heartbeat stage does not keep up, so
    // kube-controller-manager's node lifecycle controller (--node-monitor-grace-period 50 s) set the
    // node NotReady every ~55 s and kwok set it Ready again ("all Nodes are not-Ready" in its log,
    // NodeNotReady events). With a Lease duration kwok does what a kubelet does: it renews the Lease
    // kube-node-lease/kwok-node-0 every duration/4 = 10 s, and each renewal counts as a heartbeat
    // (measured: renewals every 10 s, status every ~20 s, no NotReady in 150 s with the default
    // 50 s grace period). The fix is kwok's, not a longer grace period on the controller manager:
    // that would hide a missing heartbeat and would make the sandbox's timing differ from Welkin's.
    startProcess(stateDir, "kwok", binary("kwok"), [`--kubeconfig=${admin}`, "--manage-all-nodes=true", "--server-address=127.0.0.1:0", "--node-lease-duration-seconds=40"]);
    applyObjects(admin, [kwokNode()]);
}

/** Welkin's platform objects, then waits until HNC, the node and production's default ServiceAccount are there. */
async function applyWelkinPlatform(stateDir: string, admin: string): Promise<void> {
    const logs = path.join(stateDir, "logs");
    applyObjects(admin, welkinPlatformObjects().filter((o) => o.kind !== "HNCConfiguration"));
    await waitFor("HNC ready (HNCConfiguration accepted)", () => {
        applyObjects(admin, welkinPlatformObjects().filter((o) => o.kind === "HNCConfiguration"));
        return true;
    }, 30_000, path.join(logs, "hnc-manager.log"));
    await waitFor("kwok node Ready", () => kubectl(admin, ["get", "node", "kwok-node-0", "-o", "jsonpath={.status.conditions[?(@.type=='Ready')].status}"]) === "True", 60_000, path.join(logs, "kwok.log"));
    await waitFor("default ServiceAccount in production", () => kubectl(admin, ["get", "serviceaccount", "default", "-n", "production", "-o", "name"]).trim() !== "", 60_000, path.join(logs, "kube-controller-manager.log"));
}

/** A sandbox that `startSandbox` started in stateDir earlier (another process, e.g. a second demo run). */
export function openSandbox(stateDir: string): Sandbox {
    const kubeconfig = (name: string) => path.join(stateDir, `${name}.kubeconfig`);
    return {
        stateDir,
        server: fs.readFileSync(path.join(stateDir, "server"), "utf8").trim(),
        kubeconfigs: { admin: kubeconfig(ADMIN.name), developer: kubeconfig(DEVELOPER.name), "developer-nocrd": kubeconfig(DEVELOPER_WITHOUT_CRDS.name) },
    };
}

/** What the platform administrator does with `gatekeeper.allowUserCRDs.extraCRDs` (an empty list takes it back). */
export function setExtraCrds(sandbox: Sandbox, extraCRDs: ExtraCrds[]): void {
    applyObjects(sandbox.kubeconfigs.admin, [userCrdsResourceNameLimit(extraCRDs)]);
}

/** What the platform administrator does for a team that wants dedicated nodes: a labelled, tainted node (run by kwok). */
export function addNodeGroup(sandbox: Sandbox, name: string, label: { key: string; value: string }): void {
    applyObjects(sandbox.kubeconfigs.admin, [kwokNode(name, { labels: { [label.key]: label.value }, taints: [{ ...label, effect: "NoSchedule" }] })]);
}

export async function stopSandbox(stateDir: string): Promise<string[]> {
    return stopProcesses(stateDir);
}

export function tempStateDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "welkin-sandbox-"));
}
