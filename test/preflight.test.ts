import * as assert from "assert";
import { FluxPatchArgs, WelkinFluxArgs } from "../components/args";
import { resolveWelkinFluxConfig } from "../components/config";
import { AccessQuestion, PreflightApi, PreflightPlan, runPreflight } from "../components/preflight/clusterChecks";
import { preflightProvider } from "../components/preflight/provider";
import { renderFluxManifests } from "../components/render/fluxManifests";
import { policyFindings, preflightPlan, WelkinPolicyError } from "../components/steps/preflight";
import { FakeKubeApi, tokenKubeconfig } from "./support/fakeKubeApi";
import { delegationProvider } from "../components/adminDelegation/provider";
import { DROPS_REQUESTS } from "./support/patchExamples";

const config = resolveWelkinFluxConfig("f", { clusterName: "dev", repository: { owner: "o", name: "r" }, extraParentNamespaces: ["staging"] });
const plan: PreflightPlan = { ...preflightPlan("flux", config, renderFluxManifests(config).installObjects), owner: "fleet/dev/flux" };

/** A Welkin environment where everything is in order, to be broken one piece at a time. */
function welkin(
    overrides: Partial<{
        version: string;
        namespaces: Record<string, Record<string, string>>;
        /** Anchors as `<parent>/<name>` with their annotations, or the HTTP status reading them answers. */
        anchors: Record<string, Record<string, string> | number>;
        rolebindings: string[];
        deny: (q: AccessQuestion) => boolean;
        repos: { name: string; enforcementAction: string; repos: string[] }[] | number;
    }> = {},
): PreflightApi {
    const namespaces = overrides.namespaces ?? { production: {}, staging: {} };
    const anchors = overrides.anchors ?? {};
    const rolebindings = overrides.rolebindings ?? ["production/extra-workload-admins", "staging/extra-workload-admins"];
    const repos = overrides.repos ?? 404;
    return {
        async serverVersion() {
            return overrides.version ?? "v1.32.2";
        },
        async namespace(name) {
            return name in namespaces ? { found: true, value: { annotations: namespaces[name] } } : { found: false, status: 404 };
        },
        async anchor(ns, name) {
            const a = anchors[`${ns}/${name}`];
            return a === undefined ? { found: false, status: 404 } : typeof a === "number" ? { found: false, status: a } : { found: true, value: { annotations: a } };
        },
        async roleBinding(ns, name) {
            return rolebindings.includes(`${ns}/${name}`) ? { found: true, value: {} } : { found: false, status: 404 };
        },
        async can(q) {
            return !(overrides.deny ?? (() => false))(q);
        },
        async allowedReposConstraints() {
            return typeof repos === "number" ? { found: false, status: repos } : { found: true, value: repos };
        },
    };
}

describe("Welkin preflight", () => {
    it("builds its plan from what will be applied", () => {
        assert.strictEqual(plan.crdNames.length, 13);
        assert.deepStrictEqual(plan.parentNamespaces, ["production", "staging"]);
        assert.strictEqual(plan.images.length, 4);
        assert.strictEqual(plan.kubernetesMin, "1.25");
    });

    it("passes on an environment set up as Welkin documents", async () => {
        assert.deepStrictEqual(await runPreflight(welkin(), plan), { failures: [], notes: [] });
        // A re-run after install: flux-system exists, as our subnamespace.
        const again = welkin({ namespaces: { production: {}, staging: {}, "flux-system": { "hnc.x-k8s.io/subnamespace-of": "production" } } });
        assert.deepStrictEqual((await runPreflight(again, plan)).failures, []);
    });

    describe("one WelkinFlux per cluster", () => {
        const ours = { "hnc.x-k8s.io/subnamespace-of": "production" };

        it("passes on its own anchor, and on an anchor an earlier welkin-flux made without the annotation", async () => {
            const own = welkin({ namespaces: { production: {}, staging: {}, "flux-system": ours }, anchors: { "production/flux-system": { "welkin-flux/owner": "fleet/dev/flux" } } });
            assert.deepStrictEqual(await runPreflight(own, plan), { failures: [], notes: [] });
            const unmarked = welkin({ namespaces: { production: {}, staging: {}, "flux-system": ours }, anchors: { "production/flux-system": {} } });
            assert.deepStrictEqual(await runPreflight(unmarked, plan), { failures: [], notes: [] });
        });

        it("refuses flux-system that another stack's WelkinFlux owns in the same parent, naming it", async () => {
            const other = welkin({ namespaces: { production: {}, staging: {}, "flux-system": ours }, anchors: { "production/flux-system": { "welkin-flux/owner": "fleet/staging/flux" } } });
            assert.deepStrictEqual((await runPreflight(other, plan)).failures, [
                'namespace "flux-system" in "production" already exists, and it belongs to the WelkinFlux fleet/staging/flux (its anchor\'s welkin-flux/owner annotation); ' +
                    "this is fleet/dev/flux. One WelkinFlux per cluster: flux-system and the Flux CRDs exist once. Manage Flux from that stack, or destroy it first. " +
                    "(If it is this stack under an earlier project, stack or component name, remove the annotation: kubectl annotate subnamespaceanchor flux-system -n production welkin-flux/owner-)",
            ]);
        });

        it("refuses flux-system under another parent, naming the WelkinFlux whose anchor made it", async () => {
            const elsewhere = welkin({
                namespaces: { production: {}, staging: {}, "flux-system": { "hnc.x-k8s.io/subnamespace-of": "staging" } },
                anchors: { "staging/flux-system": { "welkin-flux/owner": "fleet/staging/flux" } },
            });
            assert.deepStrictEqual((await runPreflight(elsewhere, plan)).failures, [
                'namespace "flux-system" already exists as a subnamespace of "staging", and it belongs to the WelkinFlux fleet/staging/flux (its anchor\'s welkin-flux/owner annotation), ' +
                    "so HNC would report our anchor as Conflict. One WelkinFlux per cluster: flux-system and the Flux CRDs exist once. Manage Flux from that stack, or destroy it first.",
            ]);
        });

        it("notes an anchor it may not read", async () => {
            const hidden = welkin({ namespaces: { production: {}, staging: {}, "flux-system": ours }, anchors: { "production/flux-system": 403 } });
            assert.deepStrictEqual(await runPreflight(hidden, plan), {
                failures: [],
                notes: ['could not read the anchor "flux-system" in "production" (HTTP 403) to see which WelkinFlux it belongs to.'],
            });
        });
    });

    it("names every problem at once, each with what to ask the platform administrator", async () => {
        const result = await runPreflight(
            welkin({
                version: "v1.24.17",
                namespaces: { production: {}, "flux-system": {} },
                rolebindings: ["production/extra-workload-admins"],
                deny: (q) => q.resource === "customresourcedefinitions" || q.resource === "subnamespaceanchors",
                repos: [{ name: "elastisys-require-harbor-registry", enforcementAction: "deny", repos: ["harbor.example.com/"] }],
            }),
            plan,
        );
        assert.deepStrictEqual(result.failures, [
            "Kubernetes v1.24.17 is older than Flux v2.1.2 supports (1.25 or newer): ask the platform administrator when the environment will be upgraded, or use an older Flux.",
            'you may not create HNC subnamespace anchors in "production", so flux-system cannot be created: ask the platform administrator for the HNC user role in that namespace (Welkin grants it in every user root namespace).',
            'namespace "flux-system" already exists outside HNC, so HNC would report the anchor as Conflict: remove it, or ask the platform administrator to delete it.',
            "you may not create CustomResourceDefinitions: ask the platform administrator to enable Welkin's self-managed cluster resources with Flux (user.fluxv2.enabled and gatekeeper.allowUserCRDs).",
            'RoleBinding "extra-workload-admins" does not exist in "staging": Welkin creates it in every user namespace; ask the platform administrator to create it (RoleBinding to ClusterRole admin), or check the namespace name.',
            'the registry constraint "elastisys-require-harbor-registry" (deny) allows only harbor.example.com/, not ghcr.io/fluxcd/source-controller:v1.1.2, ghcr.io/fluxcd/kustomize-controller:v1.1.1, ghcr.io/fluxcd/helm-controller:v0.36.2, ghcr.io/fluxcd/notification-controller:v1.1.0: ask the platform administrator to allowlist ghcr.io/fluxcd, or mirror the images and set registry.',
        ]);
    });

    it("reports CRDs it may create but not update (Flux not in the self-managed CRD list)", async () => {
        const result = await runPreflight(welkin({ deny: (q) => q.resource === "customresourcedefinitions" && q.verb === "update" && (q.name ?? "").endsWith("image.toolkit.fluxcd.io") }), plan);
        assert.deepStrictEqual(result.failures, [
            "you may not update the Flux CRDs imagepolicies.image.toolkit.fluxcd.io, imagerepositories.image.toolkit.fluxcd.io, imageupdateautomations.image.toolkit.fluxcd.io: ask the platform administrator to enable Flux in Welkin's self-managed cluster resources (it lists the 13 Flux CRD names).",
        ]);
    });

    describe("Flux v2.9.4's ExternalArtifact CRD", () => {
        const v294 = resolveWelkinFluxConfig("f", { clusterName: "dev", repository: { owner: "o", name: "r" }, fluxVersion: "v2.9.4" });
        const plan294 = preflightPlan("flux", v294, renderFluxManifests(v294).installObjects);
        // A stock Welkin with Flux enabled: update/patch/delete only for v2.1.2's 13 names.
        const stock = (q: AccessQuestion) => q.resource === "customresourcedefinitions" && q.verb === "update" && !plan294.welkinFluxCrdNames.includes(q.name ?? "");

        it("passes where the administrator allowed it with extraCRDs", async () => {
            assert.deepStrictEqual((await runPreflight(welkin({ version: "v1.33.5" }), plan294)).failures, []);
        });

        it("fails on a stock Welkin with the exact extraCRDs config to add", async () => {
            const result = await runPreflight(welkin({ version: "v1.33.5", deny: stock }), plan294);
            assert.deepStrictEqual(result.failures, [
                [
                    "you may not create or update the CRD externalartifacts.source.toolkit.fluxcd.io, which Flux v2.9.4 adds to the 13 Flux CRDs Welkin allows: " +
                        "ask the platform administrator to allow it in the environment's config (it feeds both the RBAC and Gatekeeper's allowed CRDs):",
                    "      gatekeeper:",
                    "        allowUserCRDs:",
                    "          extraCRDs:",
                    "            - names:",
                    "                - externalartifacts.source.toolkit.fluxcd.io",
                    "              group: source.toolkit.fluxcd.io",
                    "    or keep fluxVersion v2.1.2.",
                ].join("\n"),
            ]);
        });

        it("asks for Kubernetes 1.33, as `flux check --pre` of 2.9.4 does", async () => {
            const result = await runPreflight(welkin({ version: "v1.32.2" }), plan294);
            assert.match(result.failures[0], /^Kubernetes v1.32.2 is older than Flux v2.9.4 supports \(1.33 or newer\)/);
        });
    });

    it("treats a registry constraint in warn mode as a note, and an unreadable one as a note", async () => {
        const warn = await runPreflight(welkin({ repos: [{ name: "harbor", enforcementAction: "warn", repos: ["harbor.example.com/"] }] }), plan);
        assert.deepStrictEqual(warn.failures, []);
        assert.match(warn.notes[0], /^the registry constraint "harbor" \(warn\) allows only harbor\.example\.com\//);
        const allowed = await runPreflight(welkin({ repos: [{ name: "harbor", enforcementAction: "deny", repos: ["harbor.example.com/", "ghcr.io/fluxcd/"] }] }), plan);
        assert.deepStrictEqual(allowed, { failures: [], notes: [] });
        const forbidden = await runPreflight(welkin({ repos: 403 }), plan);
        assert.deepStrictEqual(forbidden.notes, ["could not read the image registry constraints (HTTP 403); registry allowlisting not checked."]);
    });

    it("says once that the API is unreachable instead of a cascade", async () => {
        const api = welkin();
        api.serverVersion = async () => {
            throw new Error("connect ECONNREFUSED 127.0.0.1:6443");
        };
        assert.deepStrictEqual((await runPreflight(api, plan)).failures, [
            "the Kubernetes API is not reachable (connect ECONNREFUSED 127.0.0.1:6443): check the kubeconfig and that you are logged in.",
        ]);
    });
});

describe("Welkin preflight provider against an API server", () => {
    let api: FakeKubeApi;
    let server: string;
    beforeEach(async () => {
        api = new FakeKubeApi();
        server = await api.start();
        api.namespaces.set("production", {});
        api.namespaces.set("staging", {});
        api.put("production", "extra-workload-admins", []);
        api.put("staging", "extra-workload-admins", []);
    });
    afterEach(() => api.stop());

    it("passes check() when the environment is ready, asking only reads and access reviews", async () => {
        const result = await preflightProvider.check!({} as never, { plan, access: { kubeconfig: tokenKubeconfig(server, api.token) } });
        assert.deepStrictEqual(result.failures, []);
        assert.ok(api.requests.every((r) => r.startsWith("GET ") || r === "POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews"), api.requests.join("\n"));
    });

    it("fails check() with every problem in one message", async () => {
        api.allow = (q) => q.resource !== "customresourcedefinitions";
        api.allowedRepos = [{ metadata: { name: "elastisys-require-harbor-registry" }, spec: { enforcementAction: "deny", parameters: { repos: ["harbor.example.com/"] } } }];
        const result = await preflightProvider.check!({} as never, { plan, access: { kubeconfig: tokenKubeconfig(server, api.token) } });
        assert.strictEqual(result.failures!.length, 1);
        const reason = result.failures![0].reason;
        assert.match(reason, /^Welkin preflight for parent namespace "production" found 2 problem\(s\); nothing was changed:\n/);
        assert.match(reason, /\n {2}- you may not create CustomResourceDefinitions: ask the platform administrator/);
        assert.match(reason, /\n {2}- the registry constraint "elastisys-require-harbor-registry" \(deny\) allows only harbor\.example\.com\//);
    });

    it("resolves the kubeconfig only when asked to act: without one, check() is one clear failure", async () => {
        const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };
        process.env.KUBECONFIG = "/nonexistent/welkin-kubeconfig";
        try {
            const result = await preflightProvider.check!({} as never, { plan, access: {} });
            assert.strictEqual(result.failures!.length, 1);
            assert.match(result.failures![0].reason, /found 1 problem\(s\); nothing was changed:\n {2}- no kubeconfig: .* as WelkinFlux's kubeconfig argument, or set KUBECONFIG\./);
            const delegation = await delegationProvider.check!({} as never, { namespace: "production", roleBindingName: "extra-workload-admins", subjects: [{ kind: "ServiceAccount", name: "kustomize-controller", namespace: "flux-system" }], access: {} });
            assert.match(delegation.failures![0].reason, /^admin delegation in "production": no kubeconfig: .*set KUBECONFIG\./);
            const badContext = await preflightProvider.check!({} as never, { plan, access: { kubeconfig: tokenKubeconfig(server, api.token), context: "elsewhere" } });
            assert.match(badContext.failures![0].reason, /kubeconfig has no context "elsewhere" \(contexts: t\): set kubeContext to one of them\./);
            assert.deepStrictEqual(api.requests, [], "nothing may be asked of the cluster");
        } finally {
            process.env.KUBECONFIG = saved.KUBECONFIG;
            if (saved.KUBECONFIG === undefined) {
                delete process.env.KUBECONFIG;
            }
        }
    });
});

describe("Welkin policy findings by policyChecks.mode, checked before anything is registered", () => {
    const LATEST: FluxPatchArgs = {
        patch: '[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "ghcr.io/fluxcd/helm-controller:latest"}]',
        target: { kind: "Deployment", name: "helm-controller" },
    };
    const SINGLE_REPLICAS = [
        "minimum-replicas warn Deployment/source-controller",
        "minimum-replicas warn Deployment/kustomize-controller",
        "minimum-replicas warn Deployment/helm-controller",
        "minimum-replicas warn Deployment/notification-controller",
    ];
    const findingsFor = (args: Partial<WelkinFluxArgs>) => {
        const c = resolveWelkinFluxConfig("flux", { clusterName: "dev", repository: { owner: "o", name: "r" }, ...args });
        return policyFindings("flux", c, renderFluxManifests(c).installObjects);
    };
    const described = (findings: { policy: string; enforcement: string; object: string }[]) => findings.map((f) => `${f.policy} ${f.enforcement} ${f.object}`);
    const thrownBy = (args: Partial<WelkinFluxArgs>): WelkinPolicyError => {
        try {
            findingsFor(args);
        } catch (e) {
            assert.ok(e instanceof WelkinPolicyError, `expected WelkinPolicyError, got ${e}`);
            return e;
        }
        assert.fail("expected the policy checks to fail");
    };

    it("deny (the default): a patch that drops a controller's resource requests fails, naming the object, the policy, the fix and how to choose otherwise", () => {
        const e = thrownBy({ patches: [DROPS_REQUESTS] });
        assert.strictEqual(e.mode, "deny");
        assert.deepStrictEqual(described(e.findings), ["resource-requests deny Deployment/kustomize-controller container manager"]);
        const [head, finding, choice, ...rest] = e.message.split("\n");
        assert.deepStrictEqual(rest, []);
        assert.strictEqual(
            head,
            `WelkinFlux "flux": Welkin's Gatekeeper would deny what would be applied (1 finding), so the pods would not be admitted (policyChecks.mode is "deny", the default; nothing was created):`,
        );
        assert.match(finding, /^ {2}- \[resource-requests, Welkin enforcement: deny\] Deployment\/kustomize-controller container manager: .+ Fix: give the container CPU and memory requests in your patch \(resources\.requests\.cpu and resources\.requests\.memory\)\.$/);
        assert.match(choice, /choose otherwise: policyChecks\.mode: "warn" only warns, or policyChecks\.ignore: \["resource-requests"\] skips that policy\.$/);
    });

    it("deny: each denied finding on its line with its fix, every denied policy offered to ignore", () => {
        const e = thrownBy({ fluxVersion: "v2.9.4", patches: [DROPS_REQUESTS, LATEST] });
        assert.deepStrictEqual(described(e.findings), ["resource-requests deny Deployment/kustomize-controller container manager", "disallowed-tags deny Deployment/helm-controller container manager"]);
        assert.match(e.message, /\(2 findings\)/);
        assert.match(e.message, /\n {2}- \[disallowed-tags, Welkin enforcement: deny\] Deployment\/helm-controller container manager: .*:latest.* Fix: pin a tag, a version such as :v1\.2\.3 on the image in your patch \(not :latest, and not none\)\.\n/);
        assert.match(e.message, /policyChecks\.ignore: \["resource-requests", "disallowed-tags"\] skips those policies\.$/);
    });

    it("deny: what Welkin only warns about is returned for the preview's warnings, not thrown", () => {
        const registry = findingsFor({ policyChecks: { allowedRegistries: ["harbor.example.com/"] } });
        assert.deepStrictEqual(described(registry), [
            ...["source", "kustomize", "helm", "notification"].flatMap((c) => [`image-registry warn Deployment/${c}-controller container manager`, `minimum-replicas warn Deployment/${c}-controller`]),
        ]);
        assert.deepStrictEqual(described(findingsFor({})), SINGLE_REPLICAS);
    });

    it("deny: an ignored policy does not fail", () => {
        assert.deepStrictEqual(described(findingsFor({ patches: [DROPS_REQUESTS], policyChecks: { ignore: ["resource-requests"] } })), SINGLE_REPLICAS);
    });

    it("warn: never fails; what Welkin denies is returned with the rest, to warn about", () => {
        const findings = findingsFor({ patches: [DROPS_REQUESTS, LATEST], policyChecks: { mode: "warn" } });
        assert.deepStrictEqual(described(findings.filter((f) => f.enforcement === "deny")), [
            "resource-requests deny Deployment/kustomize-controller container manager",
            "disallowed-tags deny Deployment/helm-controller container manager",
        ]);
    });

    it("error: fails on any finding not ignored, what Welkin only warns about too; off checks nothing", () => {
        const e = thrownBy({ policyChecks: { mode: "error", ignore: ["minimum-replicas"], allowedRegistries: ["harbor.example.com/"] } });
        assert.strictEqual(e.mode, "error");
        assert.match(e.message, /^WelkinFlux "flux": what would be applied breaks 4 Welkin policies \(policyChecks\.mode is "error"; nothing was created\):\n {2}- \[image-registry, Welkin enforcement: warn\]/);
        assert.deepStrictEqual(findingsFor({ patches: [DROPS_REQUESTS, LATEST], policyChecks: { mode: "off" } }), []);
    });
});
