// The base of the component's own dynamic providers (components/kube/clusterProvider.ts), and the
// six providers built on it as the engine runs them: serialized into the state by Pulumi's
// closure serializer and loaded from that text alone.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { delegationProvider } from "../components/adminDelegation/provider";
import { resolveWelkinFluxConfig } from "../components/config";
import { crdStorageProvider } from "../components/crdStorage/provider";
import { plannedCrds } from "../components/crdStorage/resource";
import { diffStoringAccess, pollUntil } from "../components/kube/clusterProvider";
import { podAdmissionProvider } from "../components/podAdmission/provider";
import { controllerPods } from "../components/podAdmission/resource";
import { readinessProvider } from "../components/readiness/provider";
import { preflightProvider } from "../components/preflight/provider";
import { renderFluxManifests } from "../components/render/fluxManifests";
import { preflightPlan } from "../components/steps/preflight";
import { teardownProvider } from "../components/teardown/provider";
import { fluxKinds, ownSyncObjects } from "../components/teardown/resource";
import { FakeKubeApi, tokenKubeconfig } from "./support/fakeKubeApi";

/**
 * The provider as the dynamic-provider host loads it from the state: from its serialized text
 * alone, where the program's packages resolve (js-yaml, a dependency of @pulumi/pulumi).
 */
async function fromState(provider: pulumi.dynamic.ResourceProvider): Promise<pulumi.dynamic.ResourceProvider> {
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    assert.ok(!/require\("\.\.?\//.test(serialized.text), "no project modules required at run time");
    const cache = path.join(__dirname, "..", "node_modules", ".cache");
    fs.mkdirSync(cache, { recursive: true });
    const file = path.join(fs.mkdtempSync(path.join(cache, "welkin-closure-")), "provider.js");
    fs.writeFileSync(file, serialized.text);
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(file).handler() as pulumi.dynamic.ResourceProvider;
    } finally {
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
}

describe("cluster resources' providers (kube/clusterProvider.ts)", () => {
    const config = resolveWelkinFluxConfig("flux", { clusterName: "dev", repository: { owner: "acme", name: "fleet" } });
    let api: FakeKubeApi;
    let server: string;
    beforeEach(async () => {
        // A ready environment: the parent namespace and its extra-workload-admins.
        api = new FakeKubeApi();
        server = await api.start();
        for (const ns of config.parentNamespaces) {
            api.namespaces.set(ns, {});
            api.put(ns, "extra-workload-admins", []);
        }
    });
    afterEach(() => api.stop());

    it("each provider survives Pulumi's closure serialization and answers as before it", async () => {
        const access = { kubeconfig: tokenKubeconfig(server, api.token) };
        const plan = { ...preflightPlan("flux", config, renderFluxManifests(config).installObjects), owner: "fleet/dev/flux" };
        const delegation = { namespace: "production", roleBindingName: "extra-workload-admins", subjects: [{ kind: "ServiceAccount", name: "kustomize-controller", namespace: "flux-system" }], access };
        const storage = { fluxVersion: "v2.1.2", crds: plannedCrds("v2.1.2"), access, replaceCrds: [] };
        const teardown = { kinds: fluxKinds("v2.1.2"), own: ownSyncObjects(config), timeoutSeconds: 60, access };
        const cases: [pulumi.dynamic.ResourceProvider, Record<string, unknown>, Record<string, unknown>][] = [
            [preflightProvider, {}, { plan, access }],
            [delegationProvider, {}, delegation],
            [crdStorageProvider, storage, { ...storage, replaceCrds: undefined }],
            [teardownProvider, {}, teardown],
            [podAdmissionProvider, {}, { namespace: "flux-system", pods: controllerPods(renderFluxManifests(config).installObjects), access }],
            [readinessProvider, {}, { namespace: "flux-system", deployments: [{ name: "source-controller", template: {} }], timeoutSeconds: 295, readinessTimeout: "5m", access }],
        ];
        for (const [provider, olds, news] of cases) {
            const loaded = await fromState(provider);
            assert.deepStrictEqual(await loaded.check!(olds, news), await provider.check!(olds, news));
            const rotated = { ...news, access: { ...access, context: "t" } };
            assert.deepStrictEqual(await loaded.diff!("id", news, rotated), await provider.diff!("id", news, rotated));
        }
        // A broken kubeconfig, through the one error shape of the base, from the loaded code too.
        const broken = { ...teardown, access: { kubeconfig: "current-context: nowhere" } };
        assert.deepStrictEqual((await (await fromState(teardownProvider)).check!({}, broken)).failures, [
            { property: "", reason: `Flux objects teardown: kubeconfig has no context "nowhere" (contexts: none): set kubeContext to one of them.` },
        ]);
    });

    it("reaches the cluster through a kubeconfig exec plugin from the loaded code too (Welkin's OIDC login is one)", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-exec-"));
        try {
            const plugin = path.join(dir, "credential");
            const credential = { apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token: api.token } };
            fs.writeFileSync(plugin, `#!/bin/sh\necho '${JSON.stringify(credential)}'\n`, { mode: 0o755 });
            const kubeconfig = JSON.stringify({
                apiVersion: "v1",
                kind: "Config",
                "current-context": "t",
                contexts: [{ name: "t", context: { cluster: "c", user: "u" } }],
                clusters: [{ name: "c", cluster: { server } }],
                users: [{ name: "u", user: { exec: { apiVersion: "client.authentication.k8s.io/v1", command: plugin } } }],
            });
            const plan = { ...preflightPlan("flux", config, renderFluxManifests(config).installObjects), owner: "fleet/dev/flux" };
            const result = await (await fromState(preflightProvider)).check!({}, { plan, access: { kubeconfig } });
            assert.deepStrictEqual(result.failures, []);
            assert.ok(api.requests.length > 0, "the preflight asked the API server");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("stores new access alone as a change, and polls until done or the deadline", async () => {
        const olds = { access: { kubeconfig: "a" } };
        assert.deepStrictEqual(diffStoringAccess(olds, { access: { kubeconfig: "a" } }, { changed: false }), { changes: false, replaces: [], deleteBeforeReplace: false });
        assert.deepStrictEqual(diffStoringAccess(olds, { access: { kubeconfig: "b" } }, { changed: false }), { changes: true, replaces: [], deleteBeforeReplace: false });
        assert.deepStrictEqual(diffStoringAccess(olds, olds, { changed: false, replaces: ["x"] }), { changes: true, replaces: ["x"], deleteBeforeReplace: false });
        let asked = 0;
        const waits: number[] = [];
        const wait = async (ms: number) => void waits.push(ms);
        assert.deepStrictEqual(await pollUntil(async () => ++asked, (n) => n === 3, { timeoutMs: 60_000, intervalMs: 500, wait }), { answer: 3, done: true });
        assert.deepStrictEqual(waits, [500, 500]);
        assert.deepStrictEqual(await pollUntil(async () => "still there", () => false, { timeoutMs: 0, intervalMs: 500, wait }), { answer: "still there", done: false });
    });
});
