// Faults around the component's own cluster clients (components/kube/client.ts): an API server
// that restarts (refuses or drops connections), sheds load (429/503) or stops accepting the
// developer's credentials (401), against loopback stand-ins; and the sandbox's fault proxy
// (sandbox/lib/faultProxy.ts) that the end-to-end suites put in front of the real API server.
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as https from "https";
import * as pulumi from "@pulumi/pulumi";
import { delegationProvider } from "../components/adminDelegation/provider";
import { kubeRequest } from "../components/kube/client";
import { connectionFromKubeconfig, KubeConnection } from "../components/kube/connection";
import { preflightProvider } from "../components/preflight/provider";
import { startFaultProxy } from "../sandbox/lib/faultProxy";
import { createCa, createServingCert } from "../sandbox/lib/pki";
import { FakeKubeApi, tokenKubeconfig } from "./support/fakeKubeApi";

const REVIEW = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
const review = { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { verb: "get", resource: "pods" } } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("kube client under API server faults (kube/client.ts)", () => {
    let api: FakeKubeApi;
    let server: string;
    let conn: KubeConnection;
    beforeEach(async () => {
        api = new FakeKubeApi();
        server = await api.start();
        conn = connectionFromKubeconfig(tokenKubeconfig(server, api.token));
    });
    afterEach(() => api.stop());

    /** Answers `status` for `seconds` from now. */
    function answerFor(status: number, seconds: number): void {
        const until = Date.now() + seconds * 1000;
        api.transientStatus = () => (Date.now() < until ? status : undefined);
    }

    /** Refuses connections for `seconds` from now (the port closed, then opened again); `back` resolves when it listens. */
    async function refuseFor(seconds: number): Promise<{ back: Promise<void> }> {
        await api.goDown();
        return { back: sleep(seconds * 1000).then(() => api.comeBack()) };
    }

    it("waits out 503 answers for 3 s, and a 429 for as long as its Retry-After asks, capped", async () => {
        answerFor(503, 3);
        const res = await kubeRequest(conn, "GET", "/version");
        assert.strictEqual(res.status, 200);
        assert.ok(api.requests.length >= 3, `tried again: ${api.requests.join(", ")}`);

        let tries = 0;
        api.transientStatus = () => (++tries <= 2 ? 429 : undefined);
        const waits: number[] = [];
        const capped = await kubeRequest(conn, "POST", REVIEW, review, undefined, { wait: async (ms) => void waits.push(ms) });
        assert.strictEqual(capped.status, 201, "a POST is repeated after a 429: the API server did not handle it");
        assert.deepStrictEqual(waits, [1000, 1000]);
    });

    it("caps the wait a Retry-After asks for", async () => {
        // The fake answers Retry-After: 1; a server asking for minutes is waited at most 5 s.
        let tries = 0;
        const slow = http.createServer((_req, res) => {
            res.writeHead(++tries === 1 ? 429 : 200, { "Retry-After": "120", "Content-Type": "application/json" });
            res.end("{}");
        });
        await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
        try {
            const waits: number[] = [];
            const slowConn = { server: `http://127.0.0.1:${(slow.address() as net.AddressInfo).port}` };
            assert.strictEqual((await kubeRequest(slowConn, "GET", "/version", undefined, undefined, { wait: async (ms) => void waits.push(ms) })).status, 200);
            assert.deepStrictEqual(waits, [5000]);
        } finally {
            slow.close();
        }
    });

    it("survives an API server that refuses connections for 3 s (restarting), for reads and for a POST that was never sent", async () => {
        const { back } = await refuseFor(3);
        const started = Date.now();
        const [version, post] = await Promise.all([kubeRequest(conn, "GET", "/version"), kubeRequest(conn, "POST", REVIEW, review)]);
        await back;
        assert.ok(Date.now() - started >= 2500, "the requests were made while it refused");
        assert.strictEqual(version.status, 200);
        assert.strictEqual(post.status, 201);
        assert.strictEqual(api.requests.filter((r) => r.startsWith("POST")).length, 1);
    });

    it("gives up after the bound, saying what the API server did the whole time and that re-running continues", async () => {
        answerFor(503, 600);
        await assert.rejects(
            kubeRequest(conn, "GET", "/version", undefined, undefined, { windowMs: 2000 }),
            (e: Error) => {
                assert.match(e.message, new RegExp(`^GET /version: the API server at ${server} answered 503 for 2 s \\(last: HTTP 503: the server is currently unable`));
                assert.match(e.message, /re-running the same `pulumi up` \(or `pulumi destroy`\) continues where this run stopped/);
                return true;
            },
        );

        api.transientStatus = undefined;
        await api.goDown();
        try {
            await assert.rejects(kubeRequest(conn, "DELETE", "/api/v1/namespaces/x", undefined, undefined, { windowMs: 2000 }), (e: Error) => {
                assert.match(e.message, new RegExp(`^DELETE /api/v1/namespaces/x: the API server at ${server} (dropped connections, then )?refused connections \\(restarting\\?\\) for 2 s \\(last: .*ECONNREFUSED`));
                return true;
            });
        } finally {
            await api.comeBack();
        }

        // Refused, then 503: both are told, in order.
        answerFor(503, 600);
        const { back } = await refuseFor(1.5);
        await assert.rejects(kubeRequest(conn, "GET", "/version", undefined, undefined, { windowMs: 3500 }), /refused connections \(restarting\?\), then answered 503 for [34] s/);
        await back;
    });

    it("repeats a read whose answer was lost, never a POST that reached the API server", async () => {
        let lost = 0;
        api.loseAnswer = (req) => req.method === "GET" && ++lost === 1;
        assert.strictEqual((await kubeRequest(conn, "GET", "/version")).status, 200);
        assert.deepStrictEqual(api.requests, ["GET /version", "GET /version"]);

        api.requests.length = 0;
        api.loseAnswer = (req) => req.method === "POST";
        await assert.rejects(kubeRequest(conn, "POST", REVIEW, review), (e: Error) => {
            assert.match(e.message, new RegExp(`^POST ${REVIEW}: the API server at ${server} dropped connections after the request was sent`));
            assert.match(e.message, /it may have been applied, so it was not repeated/);
            return true;
        });
        assert.deepStrictEqual(api.requests, [`POST ${REVIEW}`], "the API server saw the POST once");
    });

    it("repeats a PUT whose answer was lost: the repeat conflicts, and the delegation reads again and finds its work done", async () => {
        api.put("production", "extra-workload-admins", [{ kind: "User", name: "alice", apiGroup: "rbac.authorization.k8s.io" }]);
        let lost = 0;
        api.loseAnswer = (req) => req.method === "PUT" && ++lost === 1;
        const ours = { kind: "ServiceAccount", name: "kustomize-controller", namespace: "flux-system" };
        const props = { namespace: "production", roleBindingName: "extra-workload-admins", subjects: [ours], access: { kubeconfig: tokenKubeconfig(server, api.token) } };
        await delegationProvider.create!(props);
        assert.deepStrictEqual(api.subjects("production", "extra-workload-admins"), [{ kind: "User", name: "alice", apiGroup: "rbac.authorization.k8s.io" }, ours]);
        const path = "/apis/rbac.authorization.k8s.io/v1/namespaces/production/rolebindings/extra-workload-admins";
        assert.deepStrictEqual(api.requests, [`GET ${path}`, `PUT ${path}`, `PUT ${path}`, `GET ${path}`], "applied, repeated (409), read again, nothing left to write");
    });

    it("explains a 401 (expired token or certificate) with what to renew, at the providers' call sites", async () => {
        const expired = { kubeconfig: tokenKubeconfig(server, "expired") };
        const actionable = new RegExp(
            `the cluster at ${server} refused the kubeconfig's credentials \\(HTTP 401 Unauthorized; its token\\): log in again \\(e\\.g\\. \`kubectl oidc-login\` / renew the token or certificate\\) and re-run`,
        );
        const props = { namespace: "production", roleBindingName: "extra-workload-admins", subjects: [{ kind: "User", name: "x" }], access: expired };
        await assert.rejects(delegationProvider.create!(props), actionable);
        const plan = { parentNamespace: "production" } as never;
        const checked = await preflightProvider.check!({} as never, { plan, access: expired });
        assert.match(checked.failures![0].reason, actionable);
    });

    it("runs an exec plugin again once on a 401: its cached token may have been revoked", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-exec-"));
        try {
            const tokenFile = path.join(dir, "token");
            const plugin = path.join(dir, "credential");
            fs.writeFileSync(tokenFile, "revoked-later");
            // No expirationTimestamp: the answer is cached until something says it is stale.
            fs.writeFileSync(plugin, `#!/bin/sh\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$(cat ${tokenFile})"\n`, { mode: 0o755 });
            const execConn: KubeConnection = { server, exec: { command: plugin, args: ["get-token"], env: [], apiVersion: "client.authentication.k8s.io/v1" } };
            const setToken = (token: string) => ((api as { token: string }).token = token);
            setToken("revoked-later");
            assert.strictEqual((await kubeRequest(execConn, "GET", "/version")).status, 200);
            setToken("fresh");
            fs.writeFileSync(tokenFile, "fresh");
            assert.strictEqual((await kubeRequest(execConn, "GET", "/version")).status, 200, "the plugin was asked again");
            setToken("nobody-has-this");
            const refused = await kubeRequest(execConn, "GET", "/version");
            assert.strictEqual(refused.status, 401);
            assert.match(refused.refusedCredentials!, new RegExp(`its exec plugin \`${plugin} get-token\``));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("retries and explains from the provider code loaded from the state too (closure-serialized)", async () => {
        const serialized = await pulumi.runtime.serializeFunction(() => preflightProvider, { allowSecrets: true });
        const dir = fs.mkdtempSync(path.join(__dirname, "..", "node_modules", ".cache", "welkin-faults-"));
        try {
            fs.writeFileSync(path.join(dir, "provider.js"), serialized.text);
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const loaded = require(path.join(dir, "provider.js")).handler() as pulumi.dynamic.ResourceProvider;
            const plan = { parentNamespace: "production" } as never;
            answerFor(503, 2);
            const expired = await loaded.check!({} as never, { plan, access: { kubeconfig: tokenKubeconfig(server, "expired") } });
            assert.ok(api.requests.length >= 2, "the 503s were waited out");
            assert.match(expired.failures![0].reason, /refused the kubeconfig's credentials \(HTTP 401 Unauthorized; its token\): log in again/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("goes through the sandbox's fault proxy, and survives its refuse and drop windows", async () => {
        const proxy = await startFaultProxy({ host: "127.0.0.1", port: Number(new URL(server).port) });
        try {
            const viaProxy = { ...conn, server: `http://127.0.0.1:${proxy.port}` };
            assert.strictEqual((await kubeRequest(viaProxy, "GET", "/version")).status, 200);
            for (const window of [() => proxy.refuseFor(3), () => proxy.dropFor(3)]) {
                const started = Date.now();
                const passed = window();
                assert.strictEqual((await kubeRequest(viaProxy, "GET", "/version")).status, 200);
                assert.ok(Date.now() - started >= 2500, "the request was made during the window");
                await passed;
            }
        } finally {
            await proxy.stop();
        }
    });
});

describe("kube client over TLS under dropped connections", () => {
    it("repeats a POST whose connection closed before the TLS handshake ended: nothing was sent", async function () {
        this.timeout(60_000);
        const pki = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-faults-pki-"));
        createCa(pki);
        createServingCert(pki);
        let posts = 0;
        const tls = https.createServer({ cert: fs.readFileSync(path.join(pki, "apiserver.crt")), key: fs.readFileSync(path.join(pki, "apiserver.key")) }, (req, res) => {
            posts += req.method === "POST" ? 1 : 0;
            res.writeHead(201, { "Content-Type": "application/json" });
            res.end("{}");
        });
        await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
        const proxy = await startFaultProxy({ host: "127.0.0.1", port: (tls.address() as net.AddressInfo).port });
        try {
            const tlsConn: KubeConnection = { server: `https://127.0.0.1:${proxy.port}`, caData: fs.readFileSync(path.join(pki, "ca.crt"), "utf8") };
            const started = Date.now();
            const dropped = proxy.dropFor(2);
            assert.strictEqual((await kubeRequest(tlsConn, "POST", REVIEW, review)).status, 201);
            assert.ok(Date.now() - started >= 1500, "the POST was tried during the drop window");
            assert.strictEqual(posts, 1);
            await dropped;
        } finally {
            await proxy.stop();
            tls.close();
            tls.closeAllConnections();
            fs.rmSync(pki, { recursive: true, force: true });
        }
    });
});

describe("sandbox fault proxy (sandbox/lib/faultProxy.ts)", () => {
    let echo: net.Server;
    let echoPort: number;
    before(async () => {
        echo = net.createServer((s) => s.on("error", () => undefined).pipe(s));
        await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
        echoPort = (echo.address() as net.AddressInfo).port;
    });
    after(() => new Promise<void>((resolve) => echo.close(() => resolve())));

    /** Sends a line through the proxy: the echo, or the connection error's code. */
    function roundTrip(port: number): Promise<string> {
        return new Promise((resolve) => {
            const s = net.connect(port, "127.0.0.1");
            s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
            s.on("data", (d) => {
                resolve(d.toString());
                s.end();
            });
            s.on("close", () => resolve("closed"));
            s.write("ping");
        });
    }

    it("passes bytes through, refuses connections for the window, then passes again", async () => {
        const proxy = await startFaultProxy({ host: "127.0.0.1", port: echoPort });
        try {
            assert.strictEqual(await roundTrip(proxy.port), "ping");
            const open = net.connect(proxy.port, "127.0.0.1");
            const openClosed = new Promise<string>((resolve) => open.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "")).on("close", () => resolve("closed")));
            await new Promise((r) => open.on("connect", r));
            await sleep(100);
            const started = Date.now();
            const window = proxy.refuseFor(1);
            assert.match(await openClosed, /^(closed|ECONNRESET)$/, "open connections are closed");
            await sleep(100);
            assert.strictEqual(await roundTrip(proxy.port), "ECONNREFUSED");
            await window;
            assert.ok(Date.now() - started >= 1000);
            assert.strictEqual(await roundTrip(proxy.port), "ping");
        } finally {
            await proxy.stop();
        }
    });

    it("closes connections for the drop window, then passes again; stop ends a window at once", async () => {
        const proxy = await startFaultProxy({ host: "127.0.0.1", port: echoPort });
        const window = proxy.dropFor(1);
        assert.match(await roundTrip(proxy.port), /^(closed|ECONNRESET)$/);
        await window;
        assert.strictEqual(await roundTrip(proxy.port), "ping");
        const started = Date.now();
        const long = proxy.refuseFor(600);
        await sleep(50);
        await proxy.stop();
        await long;
        assert.ok(Date.now() - started < 5000);
        assert.strictEqual(await roundTrip(proxy.port), "ECONNREFUSED");
    });
});
