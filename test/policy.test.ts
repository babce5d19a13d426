import * as assert from "assert";
import { resolveWelkinFluxConfig } from "../components/config";
import { KubeObject } from "../components/kube/object";
import { checkWelkinPolicies, disallowedTag, selects, summarizeFindings } from "../components/policy/welkinPolicies";
import { renderFluxManifests } from "../components/render/fluxManifests";

function deployment(name: string, container: Record<string, unknown>, replicas = 2, labels: Record<string, string> = { app: name }): KubeObject {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace: "flux-system" },
        spec: { replicas, template: { metadata: { labels }, spec: { containers: [{ name: "main", ...container }] } } },
    };
}
const allowAll: KubeObject = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "all", namespace: "flux-system" }, spec: { podSelector: {} } };
const good = { image: "harbor.example.com/app:v1", resources: { requests: { cpu: "10m", memory: "16Mi" } } };

describe("Welkin policy checks", () => {
    it("find nothing Welkin denies in the Flux install, only the single replicas it warns about", () => {
        const objects = renderFluxManifests(resolveWelkinFluxConfig("f", { clusterName: "dev", repository: { owner: "o", name: "r" } })).installObjects;
        const findings = checkWelkinPolicies(objects);
        assert.deepStrictEqual(findings.map((f) => `${f.policy} ${f.enforcement} ${f.object}`), [
            "minimum-replicas warn Deployment/source-controller",
            "minimum-replicas warn Deployment/kustomize-controller",
            "minimum-replicas warn Deployment/helm-controller",
            "minimum-replicas warn Deployment/notification-controller",
        ]);
    });

    it("summarize the findings in one line per policy for the preview warning", () => {
        const objects = renderFluxManifests(resolveWelkinFluxConfig("f", { clusterName: "dev", repository: { owner: "o", name: "r" } })).installObjects;
        assert.strictEqual(
            summarizeFindings(checkWelkinPolicies(objects)),
            "  - minimum-replicas (Welkin enforcement: warn): fewer than 2 replicas (expected for Flux: one leader-elected replica per controller): " +
                "Deployment/source-controller, Deployment/kustomize-controller, Deployment/helm-controller, Deployment/notification-controller",
        );
    });

    it("flag images outside the allowed registries, with the fix", () => {
        const objects = renderFluxManifests(resolveWelkinFluxConfig("f", { clusterName: "dev", repository: { owner: "o", name: "r" } })).installObjects;
        const registry = checkWelkinPolicies(objects, { allowedRegistries: ["harbor.example.com/"] }).filter((f) => f.policy === "image-registry");
        assert.strictEqual(registry.length, 4);
        assert.strictEqual(
            registry[0].message,
            "Deployment/source-controller container manager: image ghcr.io/fluxcd/source-controller:v1.1.2 is not from an allowed registry (harbor.example.com/). " +
                "Ask the platform administrator to allow ghcr.io/fluxcd, or mirror the images and set registry.",
        );
        assert.deepStrictEqual(checkWelkinPolicies(objects, { allowedRegistries: ["ghcr.io/fluxcd/"] }).filter((f) => f.policy === "image-registry"), []);
    });

    it("flag missing requests, latest or missing tags and pods without a NetworkPolicy", () => {
        const findings = checkWelkinPolicies([
            deployment("a", { image: "harbor.example.com/app:latest", resources: { requests: { cpu: "1" } } }),
            deployment("b", { ...good, image: "harbor.example.com/app" }),
            deployment("c", good),
        ]);
        assert.deepStrictEqual(findings.map((f) => `${f.policy} ${f.enforcement} ${f.object}`), [
            "disallowed-tags deny Deployment/a container main",
            "resource-requests deny Deployment/a container main",
            "network-policy warn Deployment/a",
            "disallowed-tags deny Deployment/b container main",
            "network-policy warn Deployment/b",
            "network-policy warn Deployment/c",
        ]);
        assert.deepStrictEqual(checkWelkinPolicies([deployment("c", good), allowAll]), []);
    });

    it("read image tags as Welkin's disallowed-tags Rego does: a digest or a registry port counts as a tag", () => {
        assert.strictEqual(disallowedTag("ghcr.io/fluxcd/source-controller:v1.1.2"), undefined);
        assert.strictEqual(disallowedTag("ghcr.io/fluxcd/source-controller:latest"), "uses the latest tag");
        assert.strictEqual(disallowedTag("ghcr.io/fluxcd/source-controller"), "has no tag (which means latest)");
        assert.strictEqual(disallowedTag("ghcr.io/fluxcd/source-controller:v1-latest"), undefined);
        assert.strictEqual(disallowedTag("ghcr.io/fluxcd/source-controller@sha256:abc"), undefined);
        assert.strictEqual(disallowedTag("registry.local:5000/app"), undefined);
    });

    it("read requests on containers only, and honour Welkin's minimum-replicas annotation", () => {
        const init = deployment("i", good);
        const podSpec = (init.spec as { template: { spec: Record<string, unknown> } }).template.spec;
        podSpec.initContainers = [{ name: "init", image: "harbor.example.com/init:latest" }];
        assert.deepStrictEqual(checkWelkinPolicies([init, allowAll]).map((f) => `${f.policy} ${f.object}`), ["disallowed-tags Deployment/i container init"]);
        const single = deployment("r", good, 1);
        assert.deepStrictEqual(checkWelkinPolicies([single, allowAll]).map((f) => f.policy), ["minimum-replicas"]);
        single.metadata.annotations = { "elastisys.io/ignore-minimum-replicas": "" };
        assert.deepStrictEqual(checkWelkinPolicies([single, allowAll]), []);
    });

    it("flag a LoadBalancer Service and a Localhost seccomp profile, which Welkin denies", () => {
        const lb: KubeObject = { apiVersion: "v1", kind: "Service", metadata: { name: "webhook-receiver", namespace: "flux-system" }, spec: { type: "LoadBalancer" } };
        const clusterIp: KubeObject = { ...lb, metadata: { name: "source-controller", namespace: "flux-system" }, spec: { type: "ClusterIP" } };
        const localhost = deployment("s", good);
        (localhost.spec as { template: { spec: Record<string, unknown> } }).template.spec.securityContext = { seccompProfile: { type: "Localhost", localhostProfile: "p.json" } };
        assert.deepStrictEqual(
            checkWelkinPolicies([lb, clusterIp, localhost, allowAll]).map((f) => `${f.policy} ${f.enforcement} ${f.object}`),
            ["localhost-seccomp deny Deployment/s", "load-balancer-service deny Service/webhook-receiver"],
        );
    });

    it("read label selectors as Kubernetes does", () => {
        assert.ok(selects({ matchLabels: { app: "x" } }, { app: "x", tier: "y" }));
        assert.ok(!selects({ matchLabels: { app: "x" } }, { app: "z" }));
        assert.ok(selects({ matchExpressions: [{ key: "app", operator: "In", values: ["x", "y"] }] }, { app: "y" }));
        assert.ok(!selects({ matchExpressions: [{ key: "app", operator: "Exists" }] }, {}));
        assert.ok(selects({}, {}));
    });
});
