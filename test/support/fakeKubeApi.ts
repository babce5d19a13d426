// A loopback stand-in for the two RoleBinding calls the delegation provider makes, with the
// API server's optimistic concurrency: a PUT whose resourceVersion is stale gets 409 Conflict.
import * as http from "http";
import { AddressInfo } from "net";
import { RoleBindingDocument } from "../../components/adminDelegation/subjects";

export class FakeKubeApi {
    readonly bindings = new Map<string, RoleBindingDocument>();
    readonly requests: string[] = [];
    /** GET /version answer. */
    gitVersion = "v1.32.2";
    /** Namespaces that exist, with their annotations. */
    readonly namespaces = new Map<string, Record<string, string>>();
    /** SelfSubjectAccessReview answers: allowed unless this returns false. */
    allow: (attrs: Record<string, string>) => boolean = () => true;
    /** Gatekeeper K8sAllowedRepos constraints, or an HTTP status to answer instead. */
    allowedRepos: unknown[] | number = 404;
    /** Runs once per PUT before it is applied: lets a test change the object "concurrently". */
    beforeWrite?: (key: string) => void;
    /** A restarting or overloaded API server's answer (e.g. 503) instead of handling the request, while this returns one. */
    transientStatus?: (req: http.IncomingMessage) => number | undefined;
    /** Handles the request, then drops the connection instead of answering: the client cannot know it was applied. */
    loseAnswer?: (req: http.IncomingMessage) => boolean;
    private server?: http.Server;
    private version = 100;
    private port = 0;

    constructor(readonly token = "test-token") {}

    put(namespace: string, name: string, subjects?: RoleBindingDocument["subjects"]): void {
        this.bindings.set(`${namespace}/${name}`, {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name, namespace, resourceVersion: String(++this.version), annotations: { "helm.sh/resource-policy": "keep" } },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
            ...(subjects === undefined ? {} : { subjects }),
        });
    }

    /** Someone else's edit: bumps the resourceVersion like the API server does. */
    edit(key: string, change: (rb: RoleBindingDocument) => void): void {
        const rb = this.bindings.get(key)!;
        change(rb);
        rb.metadata.resourceVersion = String(++this.version);
    }

    subjects(namespace: string, name: string) {
        return this.bindings.get(`${namespace}/${name}`)?.subjects;
    }

    async start(): Promise<string> {
        this.server = http.createServer((req, res) => this.handle(req, res));
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        this.port = (this.server.address() as AddressInfo).port;
        return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    }

    /** Stops listening and drops every connection: clients are refused, as by a restarting API server. */
    async goDown(): Promise<void> {
        const closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
        this.server!.closeAllConnections();
        await closed;
    }

    /** Listens again on the same port. */
    async comeBack(): Promise<void> {
        await new Promise<void>((resolve) => this.server!.listen(this.port, "127.0.0.1", resolve));
    }

    async stop(): Promise<void> {
        await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    }

    private reply(res: http.ServerResponse, status: number, body: unknown): void {
        if (this.loseAnswer?.(res.req)) {
            res.socket?.destroy();
            return;
        }
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(body));
    }

    /** The reads and access reviews preflight makes. */
    private handleReadOnly(req: http.IncomingMessage, res: http.ServerResponse): boolean {
        const url = req.url ?? "";
        if (req.method === "GET" && url === "/version") {
            this.reply(res, 200, { gitVersion: this.gitVersion });
            return true;
        }
        const ns = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(url);
        if (req.method === "GET" && ns !== null) {
            const annotations = this.namespaces.get(ns[1]);
            if (annotations === undefined) {
                this.reply(res, 404, { kind: "Status", reason: "NotFound", message: `namespaces "${ns[1]}" not found` });
            } else {
                this.reply(res, 200, { metadata: { name: ns[1], annotations } });
            }
            return true;
        }
        if (req.method === "GET" && url === "/apis/constraints.gatekeeper.sh/v1beta1/k8sallowedrepos") {
            if (typeof this.allowedRepos === "number") {
                this.reply(res, this.allowedRepos, { kind: "Status", message: "constraints not available" });
            } else {
                this.reply(res, 200, { items: this.allowedRepos });
            }
            return true;
        }
        if (req.method === "POST" && url === "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews") {
            let body = "";
            req.on("data", (c) => (body += c));
            req.on("end", () => {
                const review = JSON.parse(body) as { spec: { resourceAttributes: Record<string, string> } };
                this.reply(res, 201, { ...review, status: { allowed: this.allow(review.spec.resourceAttributes) } });
            });
            return true;
        }
        return false;
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
        this.requests.push(`${req.method} ${req.url}`);
        const transient = this.transientStatus?.(req);
        if (transient !== undefined) {
            res.writeHead(transient, { "Content-Type": "application/json", "Retry-After": "1" });
            res.end(JSON.stringify({ kind: "Status", code: transient, message: "the server is currently unable to handle the request" }));
            return;
        }
        if (req.headers.authorization !== `Bearer ${this.token}`) {
            return this.reply(res, 401, { kind: "Status", message: "Unauthorized" });
        }
        if (this.handleReadOnly(req, res)) {
            return;
        }
        const m = /^\/apis\/rbac\.authorization\.k8s\.io\/v1\/namespaces\/([^/]+)\/rolebindings\/([^/]+)$/.exec(req.url ?? "");
        if (m === null) {
            // Loud failure for anything the provider is not expected to call.
            return this.reply(res, 501, { kind: "Status", message: `fake API does not implement ${req.method} ${req.url}` });
        }
        const key = `${m[1]}/${m[2]}`;
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
            const current = this.bindings.get(key);
            if (req.method === "GET") {
                return current ? this.reply(res, 200, current) : this.reply(res, 404, { kind: "Status", reason: "NotFound", message: `rolebindings "${m[2]}" not found` });
            }
            if (req.method === "PUT") {
                this.beforeWrite?.(key);
                const latest = this.bindings.get(key);
                if (latest === undefined) {
                    return this.reply(res, 404, { kind: "Status", reason: "NotFound", message: "not found" });
                }
                const incoming = JSON.parse(body) as RoleBindingDocument;
                if (incoming.metadata.resourceVersion !== latest.metadata.resourceVersion) {
                    return this.reply(res, 409, {
                        kind: "Status",
                        reason: "Conflict",
                        message: `Operation cannot be fulfilled on rolebindings.rbac.authorization.k8s.io "${m[2]}": the object has been modified`,
                    });
                }
                incoming.metadata.resourceVersion = String(++this.version);
                this.bindings.set(key, incoming);
                return this.reply(res, 200, incoming);
            }
            return this.reply(res, 405, { kind: "Status", message: `method ${req.method} not allowed` });
        });
    }
}

/** A kubeconfig text for a server and a bearer token: what the providers get as `access.kubeconfig`. */
export function tokenKubeconfig(server: string, token: string): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        "current-context": "t",
        contexts: [{ name: "t", context: { cluster: "c", user: "u" } }],
        clusters: [{ name: "c", cluster: { server } }],
        users: [{ name: "u", user: { token } }],
    });
}
