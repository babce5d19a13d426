// The destroy-time teardown of Flux's objects, against a loopback API that keeps finalizers the
// way the API server does: a DELETE of an object with finalizers only marks it; it goes when the
// last finalizer is removed (by a controller, or by the teardown's PATCH).
import * as assert from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { tearDownFluxObjects, TeardownProps } from "../components/teardown/provider";
import { fluxKinds, ownSyncObjects } from "../components/teardown/resource";
import { resolveWelkinFluxConfig } from "../components/config";
import { tokenKubeconfig } from "./support/fakeKubeApi";

interface Obj {
    plural: string;
    namespace: string;
    name: string;
    finalizers: string[];
    deleting: boolean;
    suspended?: boolean;
    /** What its controller did when finalizing: pruned what it applied, or left it. */
    finalized?: "pruned" | "left";
}

class FinalizingApi {
    objects: Obj[] = [];
    requests: string[] = [];
    finalized: string[] = [];
    /** What a running controller does on each list: finalize objects being deleted. */
    controller = true;
    private server?: http.Server;

    async start(): Promise<string> {
        this.server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c) => (body += c));
            req.on("end", () => this.handle(req, res, body));
        });
        await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
        return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    }

    stop(): Promise<void> {
        return new Promise((r) => this.server!.close(() => r()));
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
        this.requests.push(`${req.method} ${req.url}${req.headers["content-type"] ? ` ${req.headers["content-type"]}` : ""}${body ? ` ${body}` : ""}`);
        const reply = (status: number, b: unknown) => {
            res.writeHead(status, { "Content-Type": "application/json" });
            res.end(JSON.stringify(b));
        };
        const list = /^\/apis\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(req.url ?? "");
        if (req.method === "GET" && list !== null) {
            if (list[3] === "externalartifacts") {
                return reply(404, { message: "the server could not find the requested resource" });
            }
            if (this.controller) {
                // Flux's controllers prune (or uninstall) on deletion unless the object is suspended.
                for (const o of this.objects.filter((x) => x.deleting)) {
                    this.finalized.push(`${o.plural}/${o.name}: ${o.suspended ? "left" : "pruned"}`);
                }
                this.objects = this.objects.filter((o) => !o.deleting);
            }
            const items = this.objects.filter((o) => o.plural === list[3]).map((o) => ({ metadata: { namespace: o.namespace, name: o.name, finalizers: o.finalizers } }));
            return reply(200, { items });
        }
        const one = /^\/apis\/[^/]+\/[^/]+\/namespaces\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(req.url ?? "");
        const o = one === null ? undefined : this.objects.find((x) => x.namespace === one[1] && x.plural === one[2] && x.name === one[3]);
        if (o === undefined) {
            return reply(404, { message: "not found" });
        }
        if (req.method === "DELETE") {
            o.deleting = true;
            if (o.finalizers.length === 0) {
                this.objects = this.objects.filter((x) => x !== o);
            }
            return reply(200, {});
        }
        if (req.method === "PATCH" && JSON.parse(body).spec?.suspend === true) {
            o.suspended = true;
            return reply(200, {});
        }
        if (req.method === "PATCH") {
            assert.deepStrictEqual(JSON.parse(body), { metadata: { finalizers: null } });
            o.finalizers = [];
            if (o.deleting) {
                this.objects = this.objects.filter((x) => x !== o);
            }
            return reply(200, {});
        }
        reply(405, {});
    }
}

describe("Flux objects teardown (destroy)", function () {
    this.timeout(20_000);
    const config = resolveWelkinFluxConfig("f", { clusterName: "dev", repository: { owner: "o", name: "fleet" }, fluxVersion: "v2.9.4" });
    let api: FinalizingApi;
    let props: TeardownProps;
    const obj = (plural: string, namespace: string, name: string): Obj => ({ plural, namespace, name, finalizers: ["finalizers.fluxcd.io"], deleting: false });

    beforeEach(async () => {
        api = new FinalizingApi();
        const server = await api.start();
        props = { kinds: fluxKinds("v2.9.4"), own: ownSyncObjects(config), timeoutSeconds: 1, access: { kubeconfig: tokenKubeconfig(server, "t") } };
        api.objects = [
            obj("gitrepositories", "flux-system", "fleet-repo"),
            obj("kustomizations", "flux-system", "fleet-repo"),
            obj("kustomizations", "flux-system", "team-a-roles"),
            obj("helmreleases", "production", "web"),
        ];
    });
    afterEach(() => api.stop());

    it("covers every namespaced kind of the release, at its storage version", () => {
        const kinds = fluxKinds("v2.9.4").map((k) => `${k.plural}.${k.group}/${k.version}`);
        assert.strictEqual(kinds.length, 14);
        assert.ok(kinds.includes("kustomizations.kustomize.toolkit.fluxcd.io/v1"));
        assert.ok(kinds.includes("externalartifacts.source.toolkit.fluxcd.io/v1"));
        assert.strictEqual(fluxKinds("v2.1.2").length, 13);
    });

    it("suspends and deletes every Flux object, the component's own sync objects suspended before anything is deleted; the running controllers finalize them without pruning", async () => {
        const cleared = await tearDownFluxObjects(props, () => new Promise((r) => setTimeout(r, 10)));
        assert.deepStrictEqual(cleared, []);
        assert.deepStrictEqual(api.objects, []);
        assert.deepStrictEqual(api.finalized.sort(), ["gitrepositories/fleet-repo: left", "helmreleases/web: left", "kustomizations/fleet-repo: left", "kustomizations/team-a-roles: left"]);
        // The component's own Kustomization is suspended before the first delete: deleted unsuspended, it would prune the controllers.
        const firstDelete = api.requests.findIndex((r) => r.startsWith("DELETE"));
        const ownSuspended = api.requests.indexOf('PATCH /apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/fleet-repo application/merge-patch+json {"spec":{"suspend":true}}');
        assert.ok(ownSuspended >= 0 && ownSuspended < firstDelete, api.requests.join("\n"));
        // A plain delete (no propagationPolicy): nothing waits for the garbage collector.
        assert.ok(api.requests.includes("DELETE /apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/fleet-repo"));
        assert.ok(api.requests.includes('PATCH /apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/team-a-roles application/merge-patch+json {"spec":{"suspend":true}}'));
        assert.ok(!api.requests.some((r) => r.includes('"finalizers"')), "no finalizer may be removed while the controllers do it");
        assert.ok(api.requests.includes("DELETE /apis/helm.toolkit.fluxcd.io/v2/namespaces/production/helmreleases/web"));
    });

    it("removes the finalizers itself when no controller does, after the timeout, so destroy completes", async () => {
        api.controller = false;
        const start = Date.now();
        const cleared = await tearDownFluxObjects(props, () => new Promise((r) => setTimeout(r, 100)));
        assert.ok(Date.now() - start >= 1000);
        assert.deepStrictEqual(cleared.sort(), ["gitrepositories/flux-system/fleet-repo", "helmreleases/production/web", "kustomizations/flux-system/fleet-repo", "kustomizations/flux-system/team-a-roles"]);
        assert.deepStrictEqual(api.objects, []);
        assert.ok(api.requests.includes('PATCH /apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/team-a-roles application/merge-patch+json {"metadata":{"finalizers":null}}'));
    });

    it("names the kind when it may not list it", async () => {
        props.kinds = [{ group: "example.com", version: "v1", plural: "forbidden" }];
        const server = http.createServer((_req, res) => {
            res.writeHead(403, { "Content-Type": "application/json" });
            res.end(JSON.stringify({ message: 'forbidden.example.com is forbidden: User "dev" cannot list resource "forbidden"' }));
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        props.access = { kubeconfig: tokenKubeconfig(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, "t") };
        try {
            await assert.rejects(tearDownFluxObjects(props), /cannot list forbidden\.example\.com to remove Flux's objects before its controllers: HTTP 403/);
        } finally {
            await new Promise((r) => server.close(r));
        }
    });
});
