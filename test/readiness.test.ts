// FluxControllersReadiness (components/readiness/): beside the kubernetes provider's bounded
// waits on the controllers' Deployments, it fails a few seconds before the bound naming why each
// Deployment that is not available is not: the pod conditions and container states the provider's
// "Minimum number of live Pods was not attained" leaves out. Against a loopback stand-in of the
// two endpoints it reads, answering with objects shaped as kube-apiserver's (the scheduler's and
// the kubelet's messages are the real ones).
import * as assert from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { awaitControllers, makeReadinessProvider, ReadinessProps, reasonsOf, rolledOut } from "../components/readiness/provider";
import { watchSeconds } from "../components/readiness/resource";
import { tokenKubeconfig } from "./support/fakeKubeApi";

type Obj = Record<string, unknown>;

const NAMES = ["source-controller", "kustomize-controller"];

function deployment(name: string, o: { generation?: number; available?: number; conditions?: Obj[] } = {}): Obj {
    const generation = o.generation ?? 1;
    return {
        metadata: { name, generation },
        spec: { replicas: 1, selector: { matchLabels: { app: name } } },
        status: { observedGeneration: generation, updatedReplicas: o.available ?? 1, availableReplicas: o.available ?? 1, conditions: o.conditions ?? [] },
    };
}

const UNSCHEDULABLE = {
    metadata: { name: "kustomize-controller-5d8f7-abcde" },
    status: {
        conditions: [
            {
                type: "PodScheduled",
                status: "False",
                reason: "Unschedulable",
                message: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
            },
        ],
    },
};

/** The Deployments and pods endpoints of flux-system; `deployments` may change between requests. */
class ControllersApi {
    deployments = new Map<string, Obj>();
    pods = new Map<string, Obj[]>();
    requests = 0;
    private server?: http.Server;

    async start(): Promise<string> {
        this.server = http.createServer((req, res) => {
            this.requests++;
            const url = new URL(req.url ?? "", "http://x");
            const dep = /^\/apis\/apps\/v1\/namespaces\/flux-system\/deployments\/([^/]+)$/.exec(url.pathname);
            let status = 404;
            let body: unknown = { kind: "Status", code: 404 };
            if (dep !== null && this.deployments.has(dep[1])) {
                [status, body] = [200, this.deployments.get(dep[1])];
            } else if (url.pathname === "/api/v1/namespaces/flux-system/pods") {
                const app = (url.searchParams.get("labelSelector") ?? "").replace(/^app=/, "");
                [status, body] = [200, { items: this.pods.get(app) ?? [] }];
            }
            res.writeHead(status, { "Content-Type": "application/json" });
            res.end(JSON.stringify(body));
        });
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    }

    stop(): Promise<void> {
        return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    }
}

describe("FluxControllersReadiness: why a controller is not available, before the bound", () => {
    const api = new ControllersApi();
    let props: ReadinessProps;
    const quick = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 20)));
    before(async () => {
        props = {
            namespace: "flux-system",
            deployments: NAMES.map((name) => ({ name, template: { spec: { containers: [{ name: "manager" }] } } })),
            timeoutSeconds: 1,
            readinessTimeout: "30s",
            access: { kubeconfig: tokenKubeconfig(await api.start(), "t") },
        };
    });
    after(() => api.stop());
    beforeEach(() => {
        api.deployments.clear();
        api.pods.clear();
        api.requests = 0;
    });

    it("watches a few seconds less than readinessTimeout, so its reason comes before the provider's error", () => {
        assert.strictEqual(watchSeconds("5m"), 295);
        assert.strictEqual(watchSeconds("30s"), 25);
        assert.strictEqual(watchSeconds("1m30s"), 85);
    });

    it("returns once every Deployment exists and has rolled out, with their generations", async () => {
        let polls = 0;
        const wait = async () => {
            // The Deployments appear while it watches, as when the kubernetes provider creates them beside it.
            if (++polls === 2) {
                NAMES.forEach((n) => api.deployments.set(n, deployment(n, { generation: 3 })));
            }
        };
        assert.deepStrictEqual(await awaitControllers({ ...props, timeoutSeconds: 30 }, undefined, wait), { "source-controller": 3, "kustomize-controller": 3 });
    });

    it("fails naming the Deployment, its pod and the scheduler's reason when no node accepts the pods", async () => {
        api.deployments.set("source-controller", deployment("source-controller"));
        api.deployments.set("kustomize-controller", deployment("kustomize-controller", { available: 0, conditions: [{ type: "Available", status: "False", reason: "MinimumReplicasUnavailable" }] }));
        api.pods.set("kustomize-controller", [UNSCHEDULABLE]);
        await assert.rejects(awaitControllers(props, undefined, quick), (e: Error) => {
            assert.strictEqual(
                e.message,
                "Flux's controllers did not become available within readinessTimeout (30s):\n" +
                    `  - Deployment flux-system/kustomize-controller: pod kustomize-controller-5d8f7-abcde cannot be scheduled (Unschedulable): ${UNSCHEDULABLE.status.conditions[0].message}\n` +
                    "Fix the cause and run `pulumi up` again; where images only pull slowly, raise readinessTimeout.",
            );
            return true;
        });
    });

    it("names pods the ReplicaSet could not create, images that cannot be pulled, crashing containers, and a Deployment never made", () => {
        const failedCreate = deployment("x", {
            available: 0,
            conditions: [{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: 'pods "x-1" is forbidden: error looking up service account flux-system/x: serviceaccount "x" not found' }],
        });
        assert.deepStrictEqual(reasonsOf(failedCreate as never, []), ['FailedCreate: pods "x-1" is forbidden: error looking up service account flux-system/x: serviceaccount "x" not found']);
        const pulling = { metadata: { name: "x-1" }, status: { containerStatuses: [{ name: "manager", state: { waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "ghcr.io/fluxcd/x:v1"' } } }] } };
        assert.deepStrictEqual(reasonsOf(deployment("x", { available: 0 }) as never, [pulling]), ['pod x-1, container manager: ImagePullBackOff: Back-off pulling image "ghcr.io/fluxcd/x:v1"']);
        const crashing = { metadata: { name: "x-1" }, status: { containerStatuses: [{ name: "manager", restartCount: 4, state: { terminated: { reason: "Error", exitCode: 1 } } }] } };
        assert.deepStrictEqual(reasonsOf(deployment("x", { available: 0 }) as never, [crashing]), ["pod x-1, container manager: terminated (Error 1), 4 restarts"]);
        const creating = { metadata: { name: "x-1" }, status: { containerStatuses: [{ name: "manager", state: { waiting: { reason: "ContainerCreating" } } }] } };
        assert.deepStrictEqual(reasonsOf(deployment("x", { available: 0 }) as never, [creating]), ["its pods are not ready yet (they may still be pulling their images)"]);
        assert.match(reasonsOf(undefined, [])[0], /the Deployment does not exist/);
    });

    it("on a change of pod template, waits for the new spec (a newer generation) before it calls a Deployment ready", () => {
        const old = deployment("x", { generation: 4 });
        assert.strictEqual(rolledOut(old as never, 4), false, "the old spec, still rolled out, is not the new one");
        assert.strictEqual(rolledOut(deployment("x", { generation: 5 }) as never, 4), true);
        assert.strictEqual(rolledOut(deployment("x", { generation: 5, available: 0 }) as never, 4), false);
        const observing = { ...deployment("x", { generation: 5 }), status: { observedGeneration: 4, updatedReplicas: 1, availableReplicas: 1 } };
        assert.strictEqual(rolledOut(observing as never, 4), false, "not yet observed by the Deployment controller");
    });

    it("acts only when the pod templates change: not for new credentials or another readinessTimeout alone", async () => {
        const provider = makeReadinessProvider(quick);
        const stored = { ...props, generations: { "source-controller": 1, "kustomize-controller": 1 } };
        const newTimeout = { ...props, readinessTimeout: "10m", timeoutSeconds: 595 };
        assert.strictEqual((await provider.diff!("id", stored, newTimeout)).changes, true);
        const { outs } = await provider.update!("id", stored, newTimeout);
        assert.strictEqual(api.requests, 0, "nothing asked of the cluster");
        assert.deepStrictEqual(outs.generations, stored.generations);
        assert.strictEqual((await provider.diff!("id", stored, { ...props })).changes, false);
    });
});
