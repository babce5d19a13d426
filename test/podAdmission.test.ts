// FluxPodAdmission (components/podAdmission/): before the controllers' Deployments are applied,
// one pod of each is offered to the API server as a server-side dry run, and a refusal fails the
// up at once with the API server's reason and what to do, instead of a 5-minute wait that says
// only "Minimum number of live Pods was not attained". Against a loopback stand-in of the pods
// endpoint that answers as kube-apiserver does (the messages are the real ones, seen on the
// sandbox and in Gatekeeper's documentation).
import * as assert from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { resolveWelkinFluxConfig } from "../components/config";
import { checkPodAdmission, podAdmissionProvider, PodAdmissionProps, refusalAdvice } from "../components/podAdmission/provider";
import { controllerPods } from "../components/podAdmission/resource";
import { renderFluxManifests } from "../components/render/fluxManifests";
import { tokenKubeconfig } from "./support/fakeKubeApi";

interface Seen {
    method: string;
    url: string;
    body: { metadata: { generateName: string; namespace: string; labels?: Record<string, string> }; spec: { serviceAccountName?: string; containers: unknown[] } };
}

/** The pods endpoint: `answer` decides each dry run; every request is recorded. */
class PodsEndpoint {
    readonly seen: Seen[] = [];
    answer: (body: Seen["body"]) => { status: number; message?: string } = () => ({ status: 201 });
    private server?: http.Server;

    async start(): Promise<string> {
        this.server = http.createServer((req, res) => {
            let text = "";
            req.on("data", (c: Buffer) => (text += c.toString()));
            req.on("end", () => {
                const body = JSON.parse(text) as Seen["body"];
                this.seen.push({ method: req.method ?? "", url: req.url ?? "", body });
                const { status, message } = this.answer(body);
                res.writeHead(status, { "Content-Type": "application/json" });
                res.end(JSON.stringify(status < 300 ? { kind: "Pod", metadata: { name: `${body.metadata.generateName}abcde` } } : { kind: "Status", status: "Failure", message, code: status }));
            });
        });
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    }

    stop(): Promise<void> {
        return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    }
}

const SA_MISSING = (sa: string) =>
    `pods "${sa}-" is forbidden: error looking up service account flux-system/${sa}: serviceaccount "${sa}" not found`;
const GATEKEEPER_DENIED =
    'admission webhook "validation.gatekeeper.sh" denied the request: [elastisys-require-resource-requests] Container "manager" has no resource requests';

describe("FluxPodAdmission: the controllers' pods offered to the API server before their Deployments", () => {
    const config = resolveWelkinFluxConfig("flux", { clusterName: "dev", repository: { owner: "acme", name: "fleet" } });
    const pods = controllerPods(renderFluxManifests(config).installObjects);
    const endpoint = new PodsEndpoint();
    let props: PodAdmissionProps;
    before(async () => {
        props = { namespace: "flux-system", pods, access: { kubeconfig: tokenKubeconfig(await endpoint.start(), "t") } };
    });
    after(() => endpoint.stop());
    beforeEach(() => {
        endpoint.seen.length = 0;
        endpoint.answer = () => ({ status: 201 });
    });

    it("offers one pod of each Deployment as a dry run, with its template's labels, spec and ServiceAccount, and passes when all are admitted", async () => {
        await checkPodAdmission(props);
        assert.deepStrictEqual(
            endpoint.seen.map((s) => [s.method, s.url, s.body.metadata.generateName]).sort((a, b) => a[2].localeCompare(b[2])),
            ["helm-controller", "kustomize-controller", "notification-controller", "source-controller"].map((d) => ["POST", "/api/v1/namespaces/flux-system/pods?dryRun=All", `${d}-`]),
        );
        const kustomize = endpoint.seen.find((s) => s.body.metadata.generateName === "kustomize-controller-")!;
        assert.strictEqual(kustomize.body.spec.serviceAccountName, "kustomize-controller");
        assert.strictEqual(kustomize.body.metadata.labels?.app, "kustomize-controller");
        assert.strictEqual(kustomize.body.spec.containers.length, 1);
    });

    it("fails naming each refused Deployment, the API server's reason and the recovery, when a ServiceAccount the state holds is gone", async () => {
        endpoint.answer = (b) => (b.spec.serviceAccountName === "kustomize-controller" ? { status: 403, message: SA_MISSING("kustomize-controller") } : { status: 201 });
        await assert.rejects(checkPodAdmission(props), (e: Error) => {
            assert.strictEqual(
                e.message,
                "Flux's controllers cannot start; nothing of them was applied:\n" +
                    `  - the pods of Deployment flux-system/kustomize-controller would be refused (HTTP 403: ${SA_MISSING("kustomize-controller")}): ` +
                    "its ServiceAccount is not in the cluster. If it is one of Flux's, the stack's state holds it though the cluster does not " +
                    '(a run was interrupted, or someone deleted it): recover as the README says under "Recovering from an interrupted run" ' +
                    "(`pulumi up --refresh`). If a patch names it, create it or fix the patch.",
            );
            return true;
        });
    });

    it("says what to change when an admission policy or a quota refuses the pods, and keeps the API server's message", () => {
        assert.match(refusalAdvice(GATEKEEPER_DENIED)!, /admission policies refuse it: change the patch that causes it \(`patches`\)/);
        assert.match(refusalAdvice('pods "x-" is forbidden: exceeded quota: compute, requested: requests.cpu=100m, used: requests.cpu=2, limited: requests.cpu=2')!, /ResourceQuota has no room/);
        assert.strictEqual(refusalAdvice("something else entirely"), undefined);
    });

    it("cannot ask when RBAC refuses the dry run itself, and then leaves the verdict to the Deployments' bounded wait", async () => {
        endpoint.answer = () => ({ status: 403, message: 'pods is forbidden: User "dev@example.com" cannot create resource "pods" in API group "" in the namespace "flux-system"' });
        await checkPodAdmission(props);
        assert.strictEqual(endpoint.seen.length, pods.length);
    });

    it("asks again on update only when the pod templates change (a patch), not for new credentials alone", async () => {
        await podAdmissionProvider.update!("id", props, { ...props, access: { ...props.access, context: "t" } });
        assert.strictEqual(endpoint.seen.length, 0);
        const patched = { ...props, pods: props.pods.map((p) => ({ ...p, template: { ...p.template, spec: { ...p.template.spec, priorityClassName: "x" } } })) };
        assert.deepStrictEqual(await podAdmissionProvider.diff!("id", props, patched), { changes: true, replaces: [], deleteBeforeReplace: false });
        await podAdmissionProvider.update!("id", props, patched);
        assert.strictEqual(endpoint.seen.length, pods.length);
    });
});
