// Welkin's admission in the sandbox: real OPA Gatekeeper (build.sh gatekeeper) with Welkin's own
// ConstraintTemplates, Constraints and webhook configuration, rendered by
// welkin-gatekeeper-render (build.sh policy-render) from Welkin's charts in the upstream reference
// data (../shared/upstream/welkin/gatekeeper, read here, never copied) with Welkin's default
// config, and from Gatekeeper's own chart in the Go module the binary was built from.
import * as childProcess from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as os from "os";
import * as path from "path";
import { KubeObject } from "../../components/kube/object";
import { startProcess, waitFor } from "./processes";
import { binary, goModuleDir, toolchainPart } from "./toolchain";

export const WELKIN_GATEKEEPER_DIR = path.resolve(__dirname, "..", "..", "..", "shared", "upstream", "welkin", "gatekeeper");
export const GATEKEEPER_NAMESPACE = "gatekeeper-system";
const GATEKEEPER_POD = "gatekeeper-controller-manager-sandbox";

/**
 * What the sandbox's platform administrator sets where Welkin's config says `set-me`
 * (`opa.imageRegistry.URL`): Welkin's example registry and its cert-manager exception, plus
 * Flux's registry, allowed as the README asks administrators to.
 */
export const SANDBOX_ALLOWED_REGISTRIES = ["harbor.example.com", "quay.io/jetstack/cert-manager-acmesolver", "ghcr.io/fluxcd/"];

/** The Go module the gatekeeper binary was built from: its CRDs and its Helm chart. */
function gatekeeperModuleDir(): string {
    const dir = goModuleDir("github.com/open-policy-agent/gatekeeper/v3", toolchainPart("gatekeeper").version);
    if (!fs.existsSync(dir)) {
        throw new Error(`Gatekeeper's module is not in ${dir}: run sandbox/toolchain/build.sh gatekeeper`);
    }
    return dir;
}

function upstreamDir(): string {
    if (!fs.existsSync(path.join(WELKIN_GATEKEEPER_DIR, "helmfile.d"))) {
        throw new Error(`Welkin's Gatekeeper policies are read from ${WELKIN_GATEKEEPER_DIR} (the upstream reference data beside the checkout), which is missing`);
    }
    return WELKIN_GATEKEEPER_DIR;
}

export interface WelkinGatekeeper {
    /** ConstraintTemplates, Constraints and Gatekeeper's sync Config: what admission evaluates. */
    templates: KubeObject[];
    constraints: KubeObject[];
    config: KubeObject[];
    /** Gatekeeper as Welkin deploys it (its Deployments, webhook configurations), when asked for. */
    gatekeeper: KubeObject[];
}

/**
 * Welkin's policies with its default config for a workload cluster, the registry list set to
 * `allowedRegistries`; with `withGatekeeper`, Gatekeeper's own chart with Welkin's values too.
 */
export function renderWelkinGatekeeper(allowedRegistries: string[], withGatekeeper = false): WelkinGatekeeper {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-gatekeeper-"));
    try {
        const override = path.join(dir, "registries.yaml");
        fs.writeFileSync(override, yaml.dump({ opa: { imageRegistry: { URL: allowedRegistries } } }));
        const chart = withGatekeeper ? ["--gatekeeper-chart", path.join(gatekeeperModuleDir(), "manifest_staging", "charts", "gatekeeper")] : [];
        const out = childProcess.execFileSync(binary("welkin-gatekeeper-render"), ["--values", override, ...chart, upstreamDir()], { encoding: "utf8", maxBuffer: 64 << 20 });
        const docs = (yaml.loadAll(out) as (KubeObject | null)[]).filter((d): d is KubeObject => d !== null);
        const group = (o: KubeObject) => o.apiVersion.split("/")[0];
        return {
            templates: docs.filter((d) => group(d) === "templates.gatekeeper.sh"),
            constraints: docs.filter((d) => group(d) === "constraints.gatekeeper.sh"),
            config: docs.filter((d) => group(d) === "config.gatekeeper.sh"),
            gatekeeper: docs.filter((d) => (d.metadata.labels as Record<string, string> | undefined)?.app === "gatekeeper"),
        };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

interface ManagerTemplate {
    metadata?: { labels?: Record<string, string> };
    spec?: { serviceAccountName?: string; containers?: { name: string; image?: string; args?: string[] }[] };
}

/** The pod template of Gatekeeper's webhook Deployment as Welkin renders it. */
function managerTemplate(gatekeeper: KubeObject[]): ManagerTemplate {
    const manager = gatekeeper.find((o) => o.kind === "Deployment" && o.metadata.name === "gatekeeper-controller-manager");
    const template = (manager?.spec as { template?: ManagerTemplate } | undefined)?.template;
    if (template?.spec?.containers?.[0] === undefined) {
        throw new Error("Gatekeeper's chart rendered no gatekeeper-controller-manager Deployment with a container");
    }
    return template;
}

/**
 * The Pod the webhook process stands for (kwok runs it on its node). Gatekeeper writes its status
 * objects owned by its own Pod: with Gatekeeper's fake pod (`--debug-use-fake-pod`) the owner does
 * not exist, the garbage collector deletes each status as Gatekeeper writes it, and that loop
 * (hundreds of writes a minute) slowed every foreground deletion in the cluster.
 */
function managerPod(gatekeeper: KubeObject[]): KubeObject {
    const template = managerTemplate(gatekeeper);
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: GATEKEEPER_POD, namespace: GATEKEEPER_NAMESPACE, labels: template.metadata?.labels ?? {} },
        spec: {
            nodeName: "kwok-node-0",
            serviceAccountName: template.spec?.serviceAccountName,
            automountServiceAccountToken: false,
            containers: (template.spec?.containers ?? []).map((c) => ({ name: c.name, image: c.image })),
        },
    };
}

/** The flags of Gatekeeper's webhook Deployment as Welkin renders it, less those the sandbox sets itself. */
function welkinWebhookArgs(gatekeeper: KubeObject[]): string[] {
    const args = managerTemplate(gatekeeper).spec?.containers?.[0]?.args ?? [];
    // Listeners, certificates and metrics are the sandbox's; the mutation webhook is left out
    // (Welkin's mutations come from its pod-security chart, which is not rendered).
    const sandboxOwned = /^--(port|host|health-addr|prometheus-port|metrics-backend|metrics-addr|disable-cert-rotation|cert-dir)=|^--operation=mutation-webhook$/;
    return args.filter((a) => !sandboxOwned.test(a));
}

/** Gatekeeper's validating webhooks as Welkin configures them, called on loopback with the sandbox CA. */
function webhookConfiguration(gatekeeper: KubeObject[], port: number, caBundle: string): KubeObject {
    const vwc = structuredClone(gatekeeper.find((o) => o.kind === "ValidatingWebhookConfiguration"));
    if (vwc === undefined) {
        throw new Error("Gatekeeper's chart rendered no ValidatingWebhookConfiguration");
    }
    for (const w of (vwc as unknown as { webhooks: { clientConfig: { service?: { path: string }; url?: string; caBundle?: string } }[] }).webhooks) {
        const webhookPath = w.clientConfig.service?.path ?? "/v1/admit";
        w.clientConfig = { url: `https://127.0.0.1:${port}${webhookPath}`, caBundle };
    }
    return vwc;
}

export interface GatekeeperPorts {
    webhook: number;
    health: number;
    /** Nothing listens here: Gatekeeper's metrics go nowhere (its Prometheus exporter would listen on every interface). */
    metricsSink: number;
}

/**
 * Gatekeeper's CRDs, its webhook on 127.0.0.1 (the API server's serving certificate, which names
 * 127.0.0.1, signed by the sandbox CA), Welkin's templates, then its constraints and sync config
 * once Gatekeeper made their CRDs, then the webhook configuration. Returns once a Deployment
 * without requests is denied by the webhook.
 */
export async function startWelkinGatekeeper(stateDir: string, ports: GatekeeperPorts, apply: (objects: unknown[]) => void, kubectl: (args: string[], input?: string) => string, admin: string): Promise<void> {
    const rendered = renderWelkinGatekeeper(SANDBOX_ALLOWED_REGISTRIES, true);
    const crdDir = path.join(gatekeeperModuleDir(), "manifest_staging", "charts", "gatekeeper", "crds");
    kubectl(["apply", "--server-side", "-f", "-"], fs.readdirSync(crdDir).map((f) => fs.readFileSync(path.join(crdDir, f), "utf8")).join("\n---\n"));
    apply([{ apiVersion: "v1", kind: "Namespace", metadata: { name: GATEKEEPER_NAMESPACE, labels: { "admission.gatekeeper.sh/ignore": "no-self-managing" } } }]);
    await waitFor("Gatekeeper CRDs established", () => kubectl(["get", "crd", "constrainttemplates.templates.gatekeeper.sh", "-o", "jsonpath={.status.conditions[?(@.type=='Established')].status}"]) === "True", 30_000);
    apply([...rendered.gatekeeper.filter((o) => o.kind === "ServiceAccount" && o.metadata.namespace === GATEKEEPER_NAMESPACE), managerPod(rendered.gatekeeper)]);

    const certs = path.join(stateDir, "gatekeeper", "certs");
    fs.mkdirSync(certs, { recursive: true });
    const pki = path.join(stateDir, "pki");
    fs.copyFileSync(path.join(pki, "apiserver.crt"), path.join(certs, "tls.crt"));
    fs.copyFileSync(path.join(pki, "apiserver.key"), path.join(certs, "tls.key"));
    fs.copyFileSync(path.join(pki, "ca.crt"), path.join(certs, "ca.crt"));
    startProcess(
        stateDir,
        "gatekeeper",
        binary("gatekeeper"),
        [
            ...welkinWebhookArgs(rendered.gatekeeper),
            // Welkin's audit Deployment makes the constraints' CRDs from the templates; the
            // sandbox runs no audit (it only reports on what is already admitted), so this does.
            "--operation=generate",
            `--kubeconfig=${admin}`,
            "--host=127.0.0.1",
            `--port=${ports.webhook}`,
            `--cert-dir=${certs}`,
            "--disable-cert-rotation=true",
            `--health-addr=127.0.0.1:${ports.health}`,
            "--metrics-addr=0",
            "--metrics-backend=opentelemetry",
            `--otlp-endpoint=127.0.0.1:${ports.metricsSink}`,
            "--otlp-metric-interval=24h",
            `--api-cache-dir=${path.join(stateDir, "gatekeeper", "cache")}`,
        ],
        { POD_NAMESPACE: GATEKEEPER_NAMESPACE, POD_NAME: GATEKEEPER_POD },
    );
    const logFile = path.join(stateDir, "logs", "gatekeeper.log");
    apply(rendered.templates);
    const constraintCrds = rendered.constraints.map((c) => `${c.kind.toLowerCase()}.constraints.gatekeeper.sh`);
    await waitFor(
        `Gatekeeper's constraint CRDs (${constraintCrds.length}) established`,
        () => constraintCrds.every((crd) => kubectl(["get", "crd", crd, "--ignore-not-found", "-o", "jsonpath={.status.conditions[?(@.type=='Established')].status}"]) === "True"),
        90_000,
        logFile,
    );
    apply([...rendered.constraints, ...rendered.config]);
    apply([webhookConfiguration(rendered.gatekeeper, ports.webhook, fs.readFileSync(path.join(pki, "ca.crt")).toString("base64"))]);
    await waitFor("Gatekeeper denies a Deployment without requests (Welkin's resource-requests)", () => deniesProbe(kubectl), 90_000, logFile);
}

/** A Deployment in production without requests, created with a server-side dry run: denied once Gatekeeper enforces. */
function deniesProbe(kubectl: (args: string[], input?: string) => string): boolean {
    const probe = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "gatekeeper-probe", namespace: "production" },
        spec: {
            selector: { matchLabels: { app: "gatekeeper-probe" } },
            template: { metadata: { labels: { app: "gatekeeper-probe" } }, spec: { containers: [{ name: "probe", image: "harbor.example.com/probe:v1" }] } },
        },
    };
    try {
        kubectl(["create", "--dry-run=server", "-f", "-"], yaml.dump(probe));
        return false;
    } catch (e) {
        return /elastisys-require-resource-requests/.test(String((e as { stderr?: string }).stderr ?? e));
    }
}
