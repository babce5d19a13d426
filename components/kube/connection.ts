// How the component's own providers (the cluster resources: preflight, admin delegation, CRD
// storage, Flux objects teardown) reach the API server: the connection kubectl would use,
// resolved from a kubeconfig inside the provider when the engine asks it to act (see access.ts).
// Serialized into the state with them: Node built-ins, and js-yaml, a dependency of
// @pulumi/pulumi itself, so the dynamic-provider host can always load it.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as JsYaml from "js-yaml";

interface ExecCredentialCommand {
    command: string;
    args: string[];
    env: { name: string; value: string }[];
    apiVersion: string;
}

export interface KubeConnection {
    server: string;
    /** PEM of the cluster's CA. */
    caData?: string;
    insecureSkipTlsVerify?: boolean;
    tlsServerName?: string;
    clientCertData?: string;
    clientKeyData?: string;
    token?: string;
    /** Read at each request: in-cluster ServiceAccount tokens rotate. */
    tokenFile?: string;
    /** client.authentication.k8s.io exec plugin (e.g. kubelogin for Welkin's OIDC). */
    exec?: ExecCredentialCommand;
}

interface NamedEntry<T> {
    name: string;
    [key: string]: unknown;
    value?: T;
}

interface KubeconfigFile {
    "current-context"?: string;
    contexts?: (NamedEntry<never> & { context?: { cluster?: string; user?: string } })[];
    clusters?: (NamedEntry<never> & { cluster?: Record<string, unknown> })[];
    users?: (NamedEntry<never> & { user?: Record<string, unknown> })[];
}

/**
 * A kubeconfig that cannot be used, as an Error named KubeconfigError. Not a subclass of Error:
 * Pulumi's closure serializer turns `super(message)` into `Error.call(this, message)`, which
 * leaves the message out, so a provider run from the state would report "undefined".
 */
function kubeconfigError(message: string): Error {
    return Object.assign(new Error(message), { name: "KubeconfigError" });
}

function b64(text: unknown): string {
    return Buffer.from(String(text), "base64").toString("utf8");
}

function fileText(file: unknown, baseDir: string | undefined, what: string): string {
    const p = String(file);
    const resolved = path.isAbsolute(p) || baseDir === undefined ? p : path.join(baseDir, p);
    try {
        return fs.readFileSync(resolved, "utf8");
    } catch (e) {
        throw kubeconfigError(`kubeconfig ${what} file ${resolved} cannot be read: ${(e as Error).message}`);
    }
}

type ClusterEntry = Record<string, unknown> & { server: string };

/** The context's cluster and user entries (the user's may be empty). */
function selectContext(doc: KubeconfigFile, context: string | undefined): { cluster: ClusterEntry; userName?: string; user: Record<string, unknown> } {
    const contextName = context ?? doc["current-context"];
    if (!contextName) {
        throw kubeconfigError(`kubeconfig has no current-context: set kubeContext to one of its contexts.`);
    }
    const ctx = (doc.contexts ?? []).find((c) => c.name === contextName)?.context;
    if (ctx === undefined) {
        const known = (doc.contexts ?? []).map((c) => c.name).join(", ") || "none";
        throw kubeconfigError(`kubeconfig has no context "${contextName}" (contexts: ${known}): set kubeContext to one of them.`);
    }
    const cluster = (doc.clusters ?? []).find((c) => c.name === ctx.cluster)?.cluster;
    if (cluster === undefined || typeof cluster.server !== "string") {
        throw kubeconfigError(`kubeconfig context "${contextName}" names cluster "${ctx.cluster}", which has no server.`);
    }
    const user = (doc.users ?? []).find((u) => u.name === ctx.user)?.user ?? {};
    return { cluster: { ...cluster, server: cluster.server }, userName: ctx.user, user };
}

/** The server and how to trust it. */
function clusterSettings(cluster: ClusterEntry, baseDir: string | undefined): KubeConnection {
    const conn: KubeConnection = { server: cluster.server.replace(/\/+$/, "") };
    if (cluster["certificate-authority-data"] !== undefined) {
        conn.caData = b64(cluster["certificate-authority-data"]);
    } else if (cluster["certificate-authority"] !== undefined) {
        conn.caData = fileText(cluster["certificate-authority"], baseDir, "certificate-authority");
    }
    if (cluster["insecure-skip-tls-verify"] === true) {
        conn.insecureSkipTlsVerify = true;
    }
    if (typeof cluster["tls-server-name"] === "string") {
        conn.tlsServerName = cluster["tls-server-name"];
    }
    return conn;
}

/** The user's credentials: client certificate, token (or its file), exec plugin. */
function userCredentials(user: Record<string, unknown>, userName: string | undefined, baseDir: string | undefined): Partial<KubeConnection> {
    const creds: Partial<KubeConnection> = {};
    if (user["client-certificate-data"] !== undefined) {
        creds.clientCertData = b64(user["client-certificate-data"]);
    } else if (user["client-certificate"] !== undefined) {
        creds.clientCertData = fileText(user["client-certificate"], baseDir, "client-certificate");
    }
    if (user["client-key-data"] !== undefined) {
        creds.clientKeyData = b64(user["client-key-data"]);
    } else if (user["client-key"] !== undefined) {
        creds.clientKeyData = fileText(user["client-key"], baseDir, "client-key");
    }
    if (typeof user.token === "string") {
        creds.token = user.token;
    } else if (typeof user.tokenFile === "string") {
        creds.tokenFile = path.isAbsolute(user.tokenFile) || baseDir === undefined ? user.tokenFile : path.join(baseDir, user.tokenFile);
    }
    const exec = user.exec as Record<string, unknown> | undefined;
    if (exec !== undefined) {
        creds.exec = {
            command: String(exec.command),
            args: Array.isArray(exec.args) ? exec.args.map(String) : [],
            env: Array.isArray(exec.env) ? (exec.env as { name: string; value: string }[]) : [],
            apiVersion: String(exec.apiVersion ?? "client.authentication.k8s.io/v1"),
        };
    }
    if (user["auth-provider"] !== undefined) {
        throw kubeconfigError(
            `kubeconfig user "${userName}" uses the removed auth-provider mechanism: switch it to an exec credential ` +
                `plugin (for Welkin's OIDC: kubectl oidc-login, as in the kubeconfig Welkin hands out).`,
        );
    }
    return creds;
}

/**
 * The connection of one context of a kubeconfig. `baseDir` resolves relative file paths, as
 * kubectl resolves them against the kubeconfig file's folder.
 */
export function connectionFromKubeconfig(text: string, context?: string, baseDir?: string): KubeConnection {
    // Required here, not imported at the top: this code is serialized into the state with the
    // dynamic providers, and Pulumi's closure serializer cannot capture js-yaml's module object
    // (it is a dependency of @pulumi/pulumi, so the provider host can always require it).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const yaml = require("js-yaml") as typeof JsYaml;
    let doc: KubeconfigFile;
    try {
        doc = (yaml.load(text) ?? {}) as KubeconfigFile;
    } catch (e) {
        throw kubeconfigError(`kubeconfig is not valid YAML: ${(e as Error).message}`);
    }
    const { cluster, userName, user } = selectContext(doc, context);
    return { ...clusterSettings(cluster, baseDir), ...userCredentials(user, userName, baseDir) };
}

/** The ServiceAccount connection of a process running in a pod. */
function inClusterConnection(env: NodeJS.ProcessEnv = process.env): KubeConnection | undefined {
    const dir = "/var/run/secrets/kubernetes.io/serviceaccount";
    if (env.KUBERNETES_SERVICE_HOST === undefined || !fs.existsSync(path.join(dir, "token"))) {
        return undefined;
    }
    const host = env.KUBERNETES_SERVICE_HOST.includes(":") ? `[${env.KUBERNETES_SERVICE_HOST}]` : env.KUBERNETES_SERVICE_HOST;
    return {
        server: `https://${host}:${env.KUBERNETES_SERVICE_PORT ?? "443"}`,
        caData: fs.readFileSync(path.join(dir, "ca.crt"), "utf8"),
        tokenFile: path.join(dir, "token"),
    };
}

/**
 * The connection kubectl would use: the given kubeconfig text, else the first file of
 * $KUBECONFIG that exists, else ~/.kube/config, else the in-cluster ServiceAccount.
 */
export function resolveKubeConnection(kubeconfig: string | undefined, context: string | undefined, env: NodeJS.ProcessEnv = process.env): KubeConnection {
    if (kubeconfig !== undefined) {
        return connectionFromKubeconfig(kubeconfig, context);
    }
    const candidates = env.KUBECONFIG
        ? env.KUBECONFIG.split(path.delimiter).filter((p) => p !== "")
        : [path.join(env.HOME ?? os.homedir(), ".kube", "config")];
    for (const file of candidates) {
        if (fs.existsSync(file)) {
            return connectionFromKubeconfig(fs.readFileSync(file, "utf8"), context, path.dirname(file));
        }
    }
    const inCluster = context === undefined ? inClusterConnection(env) : undefined;
    if (inCluster !== undefined) {
        return inCluster;
    }
    throw kubeconfigError(
        `no kubeconfig: WelkinFlux's preflight and admin delegation looked at ${candidates.join(", ")}. Pass the ` +
            `kubeconfig (the kubernetes provider's) as WelkinFlux's kubeconfig argument, or set KUBECONFIG.`,
    );
}
