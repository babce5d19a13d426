// No unbounded wait (README, "Troubleshooting"): the real program on the sandbox with
// controllers that can never become ready. A controller whose pods no node accepts fails the up
// within readinessTimeout with the pod's reason, where the kubernetes provider alone would wait
// 10 minutes; pods the API server refuses (here a namespace quota with no room) fail the up at
// once, before their Deployments change, naming the API server's reason. Each then recovers with
// the cause removed. Last, Welkin's own admission (the sandbox's Gatekeeper with Welkin's
// policies): a patch that drops a controller's requests fails the preview by default, and with
// the policy check off the up fails at once with Gatekeeper's message.
import * as assert from "assert";
import { Stack } from "@pulumi/pulumi/automation";
import { FluxPatchArgs } from "../../components/args";
import { destroyWithPreview, upWithPreview } from "../../sandbox/lib/programStack";
import { CONCURRENCY, DROPS_REQUESTS } from "../support/patchExamples";
import { sandboxFixture } from "../support/sandboxFixture";

const STACK = "e2e-bounded";
const BOUND_SECONDS = 30;

const deploymentPatch = (name: string, spec: string[]): FluxPatchArgs => ({
    patch: ["apiVersion: apps/v1", "kind: Deployment", "metadata:", `  name: ${name}`, "spec:", "  template:", "    spec:", ...spec.map((l) => `      ${l}`)].join("\n"),
    target: { kind: "Deployment", name },
});
const NO_NODE = deploymentPatch("helm-controller", ["nodeSelector:", "  welkin-flux.test/no-such-node-group: none"]);

describe("bounded waits: controllers that can never become ready fail the up within the bound, saying why (real engine and provider on the sandbox)", function () {
    this.timeout(900_000);
    const fx = sandboxFixture(this, "the bounded-waits suite", { prefix: "welkin-bounded", needs: ["git"], keyComment: "e2e-bounded" });
    let stack: Stack;

    const timedUp = async () => {
        const started = Date.now();
        const up = await upWithPreview(STACK, fx.pulumiDir);
        return { ...up, output: up.stdout + up.stderr, seconds: (Date.now() - started) / 1000 };
    };

    before(async () => {
        stack = await fx.programStack(STACK, { settings: { readinessTimeout: `${BOUND_SECONDS}s` }, structured: { patches: [NO_NODE] } });
    });

    it(`fails within readinessTimeout (${BOUND_SECONDS}s) when no node accepts a controller's pods, naming the pod's reason; up without the cause recovers`, async () => {
        const up = await timedUp();
        assert.notStrictEqual(up.code, 0, up.output);
        assert.match(up.output, /sandbox-deployment-helm-controller \*\*creating failed\*\*/);
        // The kubernetes provider's error says only "Minimum number of live Pods was not attained"; ours names the scheduler's reason.
        assert.match(
            up.output,
            /Flux's controllers did not become available within readinessTimeout \(30s\):\s+- Deployment flux-system\/helm-controller: pod helm-controller-\S+ cannot be scheduled \(Unschedulable\): 0\/\d+ nodes are available: .*didn't match Pod's node affinity\/selector/,
            `the pod's reason, in:\n${up.output.slice(-4000)}`,
        );
        assert.doesNotMatch(up.output, /Deployment flux-system\/(source|kustomize|notification)-controller:/, "only the one that is not available");
        // The whole up, the other 43 resources and the preview included, ends well before the provider's default 10 minutes.
        assert.ok(up.seconds < BOUND_SECONDS + 120, `the failing up took ${up.seconds} s`);
        console.log(`      (failed after ${up.seconds.toFixed(0)} s with a ${BOUND_SECONDS} s bound)`);

        await stack.removeConfig("patches");
        const recovered = await timedUp();
        assert.strictEqual(recovered.code, 0, recovered.output);
        fx.admin(["wait", "-n", "flux-system", "deployment", "--all", "--for=condition=Available", "--timeout=60s"]);
    });

    it("fails at once, before the Deployments change, when the API server refuses a controller's pods (a quota with no room), naming its reason and the fix", async () => {
        // The platform administrator's quota: no more pods in flux-system.
        fx.admin(["create", "quota", "no-more-pods", "-n", "flux-system", "--hard=pods=0"]);
        const generation = fx.admin(["get", "deployment", "kustomize-controller", "-n", "flux-system", "-o", "jsonpath={.metadata.generation}"]);
        // A change to the controllers: a concurrency patch, as the README shows.
        await stack.setAllConfig({ "patches[0].patch": { value: CONCURRENCY.patch as string }, "patches[0].target.kind": { value: "Deployment" }, "patches[0].target.name": { value: "kustomize-controller" } }, true);
        const up = await timedUp();
        assert.notStrictEqual(up.code, 0, up.output);
        assert.match(up.output, /Flux's controllers cannot start; nothing of them was applied:/);
        assert.match(up.output, /the pods of Deployment flux-system\/kustomize-controller would be refused \(HTTP 403: .*exceeded quota: no-more-pods/);
        assert.match(up.output, /the namespace's ResourceQuota has no room for it: ask the platform administrator for more/);
        assert.doesNotMatch(up.output, /sandbox-deployment-kustomize-controller updating/, "the Deployment was not touched");
        assert.strictEqual(fx.admin(["get", "deployment", "kustomize-controller", "-n", "flux-system", "-o", "jsonpath={.metadata.generation}"]), generation);
        assert.ok(up.seconds < 90, `refused after ${up.seconds} s`);
        console.log(`      (refused after ${up.seconds.toFixed(0)} s)`);

        fx.admin(["delete", "quota", "no-more-pods", "-n", "flux-system"]);
        const recovered = await timedUp();
        assert.strictEqual(recovered.code, 0, recovered.output);
        const destroyed = await destroyWithPreview(STACK, fx.pulumiDir);
        assert.strictEqual(destroyed.code, 0, destroyed.stdout + destroyed.stderr);
    });

    it("a patch Welkin's Gatekeeper denies (requests dropped) fails the preview, creating nothing; with policyChecks off, the up fails at once with Gatekeeper's message", async () => {
        const fresh = await fx.programStack(`${STACK}-denied`, { settings: { readinessTimeout: `${BOUND_SECONDS}s` }, structured: { patches: [DROPS_REQUESTS] } });
        const denied = /Welkin's Gatekeeper would deny what would be applied[\s\S]*\[resource-requests, Welkin enforcement: deny\] Deployment\/kustomize-controller container manager/;
        await assert.rejects(fresh.preview(), denied);
        const refused = await upWithPreview(`${STACK}-denied`, fx.pulumiDir);
        assert.notStrictEqual(refused.code, 0, "the up must fail");
        assert.match(refused.stdout + refused.stderr, denied);
        const resources = (await fresh.exportStack()).deployment.resources ?? [];
        assert.ok(resources.every((r: { type: string }) => r.type.startsWith("pulumi:")), `created: ${resources.map((r: { type: string }) => r.type).join(", ")}`);

        // The user's choice: no check. Gatekeeper, not the component, then refuses the pods.
        await fresh.setConfig("policyChecks", { value: "off" });
        const started = Date.now();
        const up = await upWithPreview(`${STACK}-denied`, fx.pulumiDir);
        const seconds = (Date.now() - started) / 1000;
        const output = up.stdout + up.stderr;
        assert.notStrictEqual(up.code, 0, output);
        assert.match(output, /the pods of Deployment flux-system\/kustomize-controller would be refused \(HTTP 403: admission webhook "validation\.gatekeeper\.sh" denied the request: \[elastisys-require-resource-requests\] The container named <manager> has no resource requests/);
        assert.match(output, /the cluster's admission policies refuse it: change the patch that causes it/);
        assert.ok(seconds < BOUND_SECONDS + 90, `refused after ${seconds} s`);
        console.log(`      (Gatekeeper's refusal after ${seconds.toFixed(0)} s, the ${BOUND_SECONDS} s bound not reached)`);

        await fresh.removeConfig("patches");
        const destroyed = await destroyWithPreview(`${STACK}-denied`, fx.pulumiDir);
        assert.strictEqual(destroyed.code, 0, destroyed.stdout + destroyed.stderr);
    });
});
