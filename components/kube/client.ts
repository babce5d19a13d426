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
    /** On a 401: what the API server refused and what to do (refusedCredentialsMessage). */
    refusedCredentials?: string;
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

function execCacheKey(conn: KubeConnection): string {
    return JSON.stringify([conn.server, conn.exec]);
}

/** Runs a client.authentication.k8s.io exec plugin as kubectl does, caching until expiry. */
function execCredential(conn: KubeConnection): Promise<ExecCredentialStatus> {
    const exec = conn.exec!;
    const key = execCacheKey(conn);
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

/** How long kubeRequest keeps trying while the API server restarts or sheds load (429/503). */
export const KUBE_RETRY_WINDOW_MS = 30_000;
/** The longest wait between two tries, whatever Retry-After asks for. */
const MAX_RETRY_WAIT_MS = 5_000;
/** A connection not made by then counts as refused: nothing was sent. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Silence this long after the request was sent: the answer is lost. */
const ANSWER_TIMEOUT_MS = 60_000;
/**
 * Connection errors of an API server that is restarting or behind a load balancer that lost its
 * backend; anything else (a certificate, DNS, a proxy's refusal) is not retried.
 */
const TRANSIENT_CODES = ["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNABORTED", "EHOSTUNREACH"];
/**
 * The methods repeated when the connection failed after the request was sent, i.e. it may have
 * been applied. GET and HEAD change nothing. A repeated DELETE answers 404, which every caller
 * takes as done. Our PUTs carry the resourceVersion they read (adminDelegation's read-modify-
 * write), so a repeat of an applied PUT answers 409 and the caller reads again and finds nothing
 * left to write. POST and PATCH are repeated only when nothing was sent (the connection was refused
 * or never made): a repeat of an applied POST could create twice, and a PATCH is not in general
 * idempotent. A 429 or 503 answer is repeated for every method: the API server (or the load
 * balancer in front of it) says it did not handle the request.
 */
const REPEATABLE_AFTER_SENDING = ["GET", "HEAD", "DELETE", "PUT"];

/** How kubeRequest waits between tries: a test seam. */
export interface KubeRetryTiming {
    /** Default KUBE_RETRY_WINDOW_MS. */
    windowMs?: number;
    wait?: (ms: number) => Promise<void>;
}

/** A try that got no answer. */
interface ConnectionFailure {
    /** What the API server did, for the final message: "refused connections (restarting?)". */
    fault: string;
    detail: string;
    code?: string;
    /** Whether the request may have reached the API server. */
    sent: boolean;
}

type Attempt = { res: KubeResponse } | { failure: ConnectionFailure };

/**
 * One API request; the body is parsed JSON (or the raw text when it is not JSON). What a
 * restarting or overloaded API server does (429, e.g. "storage is (re)initializing" just after a
 * CRD is created; 503; refused or dropped connections) is tried again after its Retry-After (at
 * most MAX_RETRY_WAIT_MS), as far as repeating is safe (REPEATABLE_AFTER_SENDING), for up to
 * KUBE_RETRY_WINDOW_MS; then, or when a repeat is not safe, it throws saying what the API server
 * did the whole time. One try waits at most CONNECT_TIMEOUT_MS to connect and ANSWER_TIMEOUT_MS
 * of silence for its answer, so a request ends within the window plus one try.
 * A 401 with an exec plugin runs the plugin again once, as kubectl does (its cached token may have
 * been revoked); a 401 that stays is returned, and kubeErrorMessage says what to do.
 */
export async function kubeRequest(
    conn: KubeConnection,
    method: string,
    apiPath: string,
    body?: unknown,
    contentType = "application/json",
    timing: KubeRetryTiming = {},
): Promise<KubeResponse> {
    const started = Date.now();
    const windowMs = timing.windowMs ?? KUBE_RETRY_WINDOW_MS;
    const faults: string[] = [];
    let credentialsRenewed = false;
    for (;;) {
        const attempt = await kubeRequestOnce(conn, method, apiPath, body, contentType);
        if ("res" in attempt && attempt.res.status === 401 && conn.exec !== undefined && !credentialsRenewed) {
            credentialsRenewed = true;
            execCache().delete(execCacheKey(conn));
            continue;
        }
        if ("res" in attempt && attempt.res.status !== 429 && attempt.res.status !== 503) {
            return attempt.res.status === 401 ? { ...attempt.res, refusedCredentials: refusedCredentialsMessage(conn) } : attempt.res;
        }
        const fault = "res" in attempt ? `answered ${attempt.res.status}` : attempt.failure.fault;
        if (!faults.includes(fault)) {
            faults.push(fault);
        }
        if ("failure" in attempt && !retriable(method, attempt.failure)) {
            throw new Error(notRepeatedMessage(conn, method, apiPath, attempt.failure));
        }
        const elapsed = Date.now() - started;
        if (elapsed >= windowMs) {
            const last = "res" in attempt ? kubeErrorMessage(attempt.res) : attempt.failure.detail;
            throw new Error(faultsMessage(conn, method, apiPath, faults, elapsed, last));
        }
        // The last try is made as the window ends.
        const asked = "res" in attempt ? Math.max(attempt.res.retryAfterSeconds ?? 1, 1) * 1000 : 1000;
        const pause = Math.min(asked, MAX_RETRY_WAIT_MS, windowMs - elapsed);
        await (timing.wait ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))))(pause);
    }
}

function retriable(method: string, failure: ConnectionFailure): boolean {
    const transient = failure.code !== undefined && TRANSIENT_CODES.includes(failure.code);
    return transient && (!failure.sent || REPEATABLE_AFTER_SENDING.includes(method.toUpperCase()));
}

const RERUN = "Once it answers again, re-running the same `pulumi up` (or `pulumi destroy`) continues where this run stopped.";

/** The faults seen until the retry window passed. */
function faultsMessage(conn: KubeConnection, method: string, apiPath: string, faults: string[], elapsedMs: number, last: string): string {
    return `${method} ${apiPath}: the API server at ${conn.server} ${faults.join(", then ")} for ${Math.round(elapsedMs / 1000)} s (last: ${last}). ${RERUN}`;
}

/** A connection lost after the request was sent, for a method whose repeat is not safe. */
function notRepeatedMessage(conn: KubeConnection, method: string, apiPath: string, failure: ConnectionFailure): string {
    const transient = failure.code !== undefined && TRANSIENT_CODES.includes(failure.code);
    if (!transient) {
        return `${method} ${conn.server}${apiPath} failed: ${failure.detail}`;
    }
    return (
        `${method} ${apiPath}: the API server at ${conn.server} ${failure.fault} after the request was sent (${failure.detail}); ` +
        `it may have been applied, so it was not repeated. ${RERUN}`
    );
}

/** What the credentials are, as far as the connection knows: the user knows which to renew. */
function credentialsOf(conn: KubeConnection): string {
    if (conn.exec !== undefined) {
        return `the credentials of its exec plugin \`${[conn.exec.command, ...conn.exec.args].join(" ")}\``;
    }
    if (conn.tokenFile !== undefined) {
        return `the token in ${conn.tokenFile}`;
    }
    if (conn.token !== undefined) {
        return "its token";
    }
    return conn.clientCertData !== undefined ? "its client certificate" : "no credentials at all";
}

/**
 * What a 401 means (an expired token or certificate, a revoked login) and what to do: the one
 * wording of every call site, through kubeErrorMessage. Without the connection, without its details.
 */
export function refusedCredentialsMessage(conn?: KubeConnection): string {
    const which = conn === undefined ? "" : `; ${credentialsOf(conn)}`;
    return (
        `the cluster${conn === undefined ? "" : ` at ${conn.server}`} refused the kubeconfig's credentials (HTTP 401 Unauthorized${which}): ` +
        `log in again (e.g. \`kubectl oidc-login\` / renew the token or certificate) and re-run`
    );
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

/** One try: the answer, or how the connection failed and whether the request may have been sent. */
async function kubeRequestOnce(conn: KubeConnection, method: string, apiPath: string, body: unknown, contentType: string): Promise<Attempt> {
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
        timeout: ANSWER_TIMEOUT_MS,
        ca: conn.caData,
        cert,
        key,
        rejectUnauthorized: conn.insecureSkipTlsVerify !== true,
        servername: conn.tlsServerName,
        // A kept-alive socket may have been closed by a restarting API server without us knowing
        // yet: a request written to it fails as if the API server had taken it. Harmless for
        // what is repeated anyway; the others get a connection of their own, so "not sent" is known.
        ...(REPEATABLE_AFTER_SENDING.includes(method.toUpperCase()) ? {} : { agent: false }),
    };
    const secure = url.protocol !== "http:";
    const transport = secure ? https : http;
    return new Promise((resolve) => {
        // Node writes the request once the connection (and the TLS handshake) is made; until then
        // the API server cannot have seen it. A kept-alive socket counts as sent.
        let sent = false;
        let connectTimer: NodeJS.Timeout | undefined;
        const fail = (e: Error & { code?: string }) => {
            clearTimeout(connectTimer);
            resolve({ failure: { fault: faultOf(e.code), detail: e.message, sent, ...(e.code !== undefined ? { code: e.code } : {}) } });
        };
        const req = transport.request(url, options, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("error", fail);
            res.on("end", () => {
                const text = Buffer.concat(chunks).toString("utf8");
                let parsed: unknown = text;
                try {
                    parsed = text === "" ? undefined : JSON.parse(text);
                } catch {
                    // Not JSON (e.g. a proxy's error page): keep the text for the error message.
                }
                const retryAfter = Number(res.headers["retry-after"]);
                resolve({ res: { status: res.statusCode ?? 0, body: parsed, ...(Number.isFinite(retryAfter) ? { retryAfterSeconds: retryAfter } : {}) } });
            });
        });
        req.on("socket", (socket) => {
            if (!socket.connecting) {
                sent = true;
                return;
            }
            connectTimer = setTimeout(() => req.destroy(Object.assign(new Error(`no connection within ${CONNECT_TIMEOUT_MS / 1000} s`), { code: "ETIMEDOUT" })), CONNECT_TIMEOUT_MS);
            socket.once(secure ? "secureConnect" : "connect", () => {
                clearTimeout(connectTimer);
                sent = true;
            });
        });
        req.on("timeout", () => req.destroy(Object.assign(new Error(`no answer within ${ANSWER_TIMEOUT_MS / 1000} s`), { code: "ETIMEDOUT" })));
        req.on("error", fail);
        if (payload !== undefined) {
            req.write(payload);
        }
        req.end();
    });
}

/** What the API server did, in words, by the connection error's code. */
function faultOf(code: string | undefined): string {
    switch (code) {
        case "ECONNREFUSED":
            return "refused connections (restarting?)";
        case "ETIMEDOUT":
            return "did not answer";
        case "ECONNRESET":
        case "EPIPE":
        case "ECONNABORTED":
            return "dropped connections";
        default:
            return `could not be reached (${code ?? "no error code"})`;
    }
}

/** The API path of a RoleBinding. */
export function roleBindingPath(namespace: string, name: string): string {
    return `/apis/rbac.authorization.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/rolebindings/${encodeURIComponent(name)}`;
}

/** The Status message of an error response, for error messages. */
export function kubeErrorMessage(res: KubeResponse): string {
    const b = res.body as { message?: string } | string | undefined;
    const message = typeof b === "object" && b !== null && b.message ? b.message : String(b ?? "").slice(0, 500);
    if (res.status === 401) {
        return `HTTP ${res.status}: ${message}: ${res.refusedCredentials ?? refusedCredentialsMessage()}`;
    }
    return `HTTP ${res.status}: ${message}`;
}
