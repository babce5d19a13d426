// A deliberately small Kubernetes REST client for the component's own dynamic providers, the
// cluster resources (clusterResource.ts): the preflight (preflight/kubePreflightApi.ts), the
// admin delegation, the CRD storage and the Flux objects teardown. Their code is serialized into
// the Pulumi state and run from there, so it uses Node built-ins only: no package has to be
// resolvable when `pulumi destroy` runs it a year later.
import * as childProcess from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import { KubeConnection } from "./connection";

interface KubeResponse {
    status: number;
    body: unknown;
    /** The Retry-After header of a 429 or 503, when given. */
    retryAfterSeconds?: number;
}

interface ExecCredentialStatus {
    token?: string;
    clientCertificateData?: string;
    clientKeyData?: string;
    expirationTimestamp?: string;
}

type ExecCache = Map<string, { status: ExecCredentialStatus; expires: number }>;

/**
 * The exec plugins' answers of this process. On globalThis, not in a module variable: Pulumi's
 * closure serializer would store a Map as a plain object with Map's methods, which throw when
 * called, so a provider run from the state could not use an exec plugin at all.
 */
function execCache(): ExecCache {
    const holder = globalThis as { welkinFluxExecCache?: ExecCache };
    holder.welkinFluxExecCache ??= new Map();
    return holder.welkinFluxExecCache;
}

/** Runs a client.authentication.k8s.io exec plugin as kubectl does, caching until expiry. */
function execCredential(conn: KubeConnection): Promise<ExecCredentialStatus> {
    const exec = conn.exec!;
    const key = JSON.stringify([conn.server, exec]);
    const cached = execCache().get(key);
    if (cached !== undefined && cached.expires > Date.now() + 10_000) {
        return Promise.resolve(cached.status);
    }
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const e of exec.env) {
        env[e.name] = e.value;
    }
    env.KUBERNETES_EXEC_INFO = JSON.stringify({
        apiVersion: exec.apiVersion,
        kind: "ExecCredential",
        spec: { interactive: false },
    });
    return new Promise((resolve, reject) => {
        childProcess.execFile(exec.command, exec.args, { env, timeout: 120_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
            if (err) {
                reject(new Error(`kubeconfig exec plugin "${exec.command}" failed: ${err.message}${stderr ? `: ${stderr.trim()}` : ""}`));
                return;
            }
            try {
                const status = (JSON.parse(stdout) as { status?: ExecCredentialStatus }).status ?? {};
                const expires = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : Number.MAX_SAFE_INTEGER;
                execCache().set(key, { status, expires });
                resolve(status);
            } catch (e) {
                reject(new Error(`kubeconfig exec plugin "${exec.command}" printed no ExecCredential JSON: ${(e as Error).message}`));
            }
        });
    });
}

/**
 * One API request; the body is parsed JSON (or the raw text when it is not JSON). A 429 (e.g.
 * "storage is (re)initializing" just after a CRD is created) is retried after its Retry-After,
 * for up to 30 s.
 */
export async function kubeRequest(conn: KubeConnection, method: string, apiPath: string, body?: unknown, contentType = "application/json"): Promise<KubeResponse> {
    const deadline = Date.now() + 30_000;
    for (;;) {
        const res = await kubeRequestOnce(conn, method, apiPath, body, contentType);
        if (res.status !== 429 || Date.now() > deadline) {
            return res;
        }
        await new Promise((r) => setTimeout(r, Math.min(Math.max(res.retryAfterSeconds ?? 1, 1), 5) * 1000));
    }
}

/** The credentials of one request: a token file is read each time, an exec plugin asked (or its cached answer). */
async function credentials(conn: KubeConnection): Promise<{ token?: string; cert?: string; key?: string }> {
    let token = conn.tokenFile !== undefined ? fs.readFileSync(conn.tokenFile, "utf8").trim() : conn.token;
    let cert = conn.clientCertData;
    let key = conn.clientKeyData;
    if (conn.exec !== undefined) {
        const cred = await execCredential(conn);
        token = cred.token ?? token;
        cert = cred.clientCertificateData ?? cert;
        key = cred.clientKeyData ?? key;
    }
    return { token, cert, key };
}

async function kubeRequestOnce(conn: KubeConnection, method: string, apiPath: string, body: unknown, contentType: string): Promise<KubeResponse> {
    const url = new URL(conn.server + apiPath);
    const headers: Record<string, string> = { Accept: "application/json" };
    const { token, cert, key } = await credentials(conn);
    if (token !== undefined) {
        headers.Authorization = `Bearer ${token}`;
    }
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) {
        headers["Content-Type"] = contentType;
        headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    const options: https.RequestOptions = {
        method,
        headers,
        timeout: 60_000,
        ca: conn.caData,
        cert,
        key,
        rejectUnauthorized: conn.insecureSkipTlsVerify !== true,
        servername: conn.tlsServerName,
    };
    const transport = url.protocol === "http:" ? http : https;
    return new Promise((resolve, reject) => {
        const req = transport.request(url, options, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
                const text = Buffer.concat(chunks).toString("utf8");
                let parsed: unknown = text;
                try {
                    parsed = text === "" ? undefined : JSON.parse(text);
                } catch {
                    // Not JSON (e.g. a proxy's error page): keep the text for the error message.
                }
                const retryAfter = Number(res.headers["retry-after"]);
                resolve({ status: res.statusCode ?? 0, body: parsed, ...(Number.isFinite(retryAfter) ? { retryAfterSeconds: retryAfter } : {}) });
            });
        });
        req.on("timeout", () => req.destroy(new Error(`${method} ${url.href} timed out`)));
        req.on("error", (e) => reject(new Error(`${method} ${url.href} failed: ${e.message}`)));
        if (payload !== undefined) {
            req.write(payload);
        }
        req.end();
    });
}

/** The API path of a RoleBinding. */
export function roleBindingPath(namespace: string, name: string): string {
    return `/apis/rbac.authorization.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/rolebindings/${encodeURIComponent(name)}`;
}

/** The Status message of an error response, for error messages. */
export function kubeErrorMessage(res: KubeResponse): string {
    const b = res.body as { message?: string } | string | undefined;
    const message = typeof b === "object" && b !== null && b.message ? b.message : String(b ?? "").slice(0, 500);
    return `HTTP ${res.status}: ${message}`;
}
