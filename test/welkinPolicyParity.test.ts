// checkWelkinPolicies against Gatekeeper itself: for what the component applies (both bundled
// Flux releases, the README's patches, and seeded patches that add and remove requests, tags,
// registries, replicas and NetworkPolicy selectors), our findings must name the same policy,
// object (and container) and enforcement as gator evaluating Welkin's own templates and
// constraints, rendered from Welkin's charts with its default config. Then, so the suite cannot
// pass by accident: each of our rules broken on purpose (never firing, always firing, the other
// enforcement) must make the corpus disagree with Gatekeeper.
import * as assert from "assert";
import { FluxPatchArgs, WelkinFluxArgs } from "../components/args";
import { resolveWelkinFluxConfig } from "../components/config";
import { KubeObject } from "../components/kube/object";
import { checkWelkinPolicies, PolicyFinding, WELKIN_DEFAULT_ENFORCEMENT } from "../components/policy/welkinPolicies";
import { renderFluxManifests } from "../components/render/fluxManifests";
import { CONCURRENCY, DROPS_REQUESTS, RESOURCES, SCHEDULING } from "./support/patchExamples";
import { seededRandom } from "./support/random";
import { gatorVerdicts, missingGatekeeperTools, ourVerdicts, RenderedPolicies, renderWelkinPolicies, verdictLines } from "./support/welkinGatekeeper";

const FLUX_REGISTRY = "ghcr.io/fluxcd/";
// Welkin leaves its registry list as `set-me`: an environment that allows Flux's registry and a
// mirror, as an administrator would set it.
const ALLOWED_REGISTRIES = [FLUX_REGISTRY, "harbor.example.com/"];
const CONTROLLERS = ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"];
const DIGEST = `sha256:${"ab".repeat(32)}`;

interface Case {
    name: string;
    args: WelkinFluxArgs;
}

/** The Namespace as HNC creates it under a parent on Welkin (the constraints select by namespace labels). */
function fluxNamespace(): KubeObject {
    return {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
            name: "flux-system",
            labels: { "kubernetes.io/metadata.name": "flux-system", "flux-system.tree.hnc.x-k8s.io/depth": "0", "production.tree.hnc.x-k8s.io/depth": "1" },
        },
    };
}

function installObjects(args: WelkinFluxArgs): KubeObject[] {
    return renderFluxManifests(resolveWelkinFluxConfig("parity", args)).installObjects;
}

const base: WelkinFluxArgs = { clusterName: "dev", repository: { owner: "acme", name: "fleet" }, policyChecks: { mode: "off" } };

// ---------------------------------------------------------------------------------------------
// Generated patches: each is a JSON 6902 patch of one controller or one NetworkPolicy.

const IMAGES = [
    (n: number) => `ghcr.io/fluxcd/extra-${n}:latest`,
    (n: number) => `ghcr.io/fluxcd/extra-${n}`,
    (n: number) => `ghcr.io/fluxcd/extra-${n}@${DIGEST}`,
    (n: number) => `harbor.example.com:5000/fluxcd/extra-${n}`,
    (n: number) => `docker.io/example/extra-${n}:v1.${n}.0`,
    (n: number) => `harbor.example.com/fluxcd/extra-${n}:v2.${n}.0`,
    (n: number) => `ghcr.io/fluxcd/extra-${n}:v1.0.0-latest`,
];
const REQUESTS = [undefined, { requests: { cpu: "10m", memory: "16Mi" } }, { requests: { cpu: "10m" } }, { limits: { memory: "64Mi" } }, { requests: {} }];

type Op = Record<string, unknown>;
const container = "/spec/template/spec/containers/0";
const DEPLOYMENT_EDITS: ((pick: <T>(xs: readonly T[]) => T, n: number) => Op[])[] = [
    // `add` replaces a member that exists, so edits compose in any order.
    () => [{ op: "add", path: `${container}/resources`, value: {} }],
    () => [{ op: "add", path: `${container}/resources`, value: { requests: { memory: "64Mi" } } }],
    () => [{ op: "add", path: `${container}/resources`, value: { requests: { cpu: "50m" }, limits: { memory: "1Gi" } } }],
    () => [{ op: "add", path: `${container}/resources`, value: { limits: { cpu: "1", memory: "1Gi" } } }],
    () => [{ op: "add", path: `${container}/resources`, value: { requests: { cpu: "50m", memory: "64Mi" } } }],
    (pick, n) => [{ op: "replace", path: `${container}/image`, value: pick(IMAGES)(n) }],
    (pick, n) => [{ op: "add", path: "/spec/template/spec/containers/-", value: sidecar(`sidecar-${n}`, pick(IMAGES)(n), pick(REQUESTS)) }],
    (pick, n) => [{ op: "add", path: "/spec/template/spec/initContainers", value: [sidecar(`init-${n}`, pick(IMAGES)(n), pick(REQUESTS))] }],
    (pick) => [{ op: "add", path: "/spec/replicas", value: pick([1, 2, 3]) }],
    () => [{ op: "add", path: "/metadata/annotations", value: { "elastisys.io/ignore-minimum-replicas": "true" } }],
    (_pick, n) => [{ op: "add", path: "/spec/template/metadata/labels/team", value: `team-${n % 2}` }],
    // The pod's profile: the containers' own RuntimeDefault the component keeps (restricted Pod Security).
    (pick) => [{ op: "add", path: "/spec/template/spec/securityContext", value: { seccompProfile: pick(SECCOMP) } }],
];
const SECCOMP = [{ type: "Localhost", localhostProfile: "profiles/flux.json" }, { type: "RuntimeDefault" }, { type: "Unconfined" }];

function sidecar(name: string, image: string, resources: object | undefined): Op {
    return resources === undefined ? { name, image } : { name, image, resources };
}

const SELECTORS = [
    { matchLabels: { app: "source-controller" } },
    { matchLabels: { team: "team-0" } },
    { matchExpressions: [{ key: "app", operator: "In", values: ["source-controller", "kustomize-controller"] }] },
    { matchExpressions: [{ key: "app", operator: "NotIn", values: ["helm-controller"] }] },
    { matchExpressions: [{ key: "team", operator: "Exists" }] },
    { matchExpressions: [{ key: "team", operator: "DoesNotExist" }] },
    { matchLabels: { app: "notification-controller" }, matchExpressions: [{ key: "team", operator: "DoesNotExist" }] },
];

function generatedPatches(seed: number): FluxPatchArgs[] {
    const next = seededRandom(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
    const patches: FluxPatchArgs[] = [];
    const deploymentPatches = 1 + Math.floor(next() * 3);
    for (let i = 0; i < deploymentPatches; i++) {
        const n = seed * 10 + i;
        const ops = [pick(DEPLOYMENT_EDITS)(pick, n), ...(next() < 0.5 ? [pick(DEPLOYMENT_EDITS)(pick, n + 5)] : [])].flat();
        patches.push({ patch: JSON.stringify(ops), target: { kind: "Deployment", name: pick(CONTROLLERS) } });
    }
    if (next() < 0.3) {
        const service = pick(["source-controller", "notification-controller", "webhook-receiver"]);
        patches.push({ patch: JSON.stringify([{ op: "add", path: "/spec/type", value: pick(["LoadBalancer", "NodePort", "ClusterIP"]) }]), target: { kind: "Service", name: service } });
    }
    // Flux selects every pod with allow-egress and allow-scraping: a pod is left uncovered only
    // when both are narrowed.
    if (next() < 0.7) {
        for (const np of next() < 0.6 ? ["allow-egress", "allow-scraping"] : [pick(["allow-egress", "allow-scraping", "allow-webhooks"])]) {
            patches.push({ patch: JSON.stringify([{ op: "replace", path: "/spec/podSelector", value: pick(SELECTORS) }]), target: { kind: "NetworkPolicy", name: np } });
        }
    }
    return patches;
}

const CASES: Case[] = [
    { name: "Flux v2.1.2 as bundled (the default)", args: base },
    { name: "Flux v2.9.4 as bundled", args: { ...base, fluxVersion: "v2.9.4" } },
    { name: "the README's patches (concurrency, resources, scheduling)", args: { ...base, patches: [CONCURRENCY, RESOURCES, SCHEDULING] } },
    { name: "the README's example of a patch Welkin denies (requests dropped)", args: { ...base, patches: [DROPS_REQUESTS] } },
    { name: "images from a mirror the environment allows", args: { ...base, registry: "harbor.example.com/fluxcd" } },
    { name: "images from a mirror the environment does not allow", args: { ...base, registry: "registry.example.org/fluxcd" } },
    ...Array.from({ length: 30 }, (_, i) => ({ name: `generated patches, seed ${i + 1}`, args: { ...base, patches: generatedPatches(i + 1) } })),
    ...Array.from({ length: 6 }, (_, i) => ({ name: `generated patches on v2.9.4, seed ${101 + i}`, args: { ...base, fluxVersion: "v2.9.4" as const, patches: generatedPatches(101 + i) } })),
];

type Checker = (objects: KubeObject[]) => PolicyFinding[];
const ours: Checker = (objects) => checkWelkinPolicies(objects, { allowedRegistries: ALLOWED_REGISTRIES });

interface Evaluated {
    objects: KubeObject[];
    /** Gatekeeper's verdicts, as verdictLines. */
    theirs: string[];
}

/** The cases where a checker's verdicts differ from Gatekeeper's. */
function disagreements(checker: Checker, cases: Map<string, Evaluated>): string[] {
    return [...cases.entries()].filter(([, c]) => JSON.stringify(verdictLines(ourVerdicts(checker(c.objects)))) !== JSON.stringify(c.theirs)).map(([name]) => name);
}

describe("Welkin policy findings = Gatekeeper's verdicts with Welkin's templates (gator)", function () {
    let policies: RenderedPolicies;
    const evaluated = new Map<string, Evaluated>();

    before(function () {
        const missing = missingGatekeeperTools();
        if (missing.length > 0) {
            console.log(`    skipped: the policy parity suite needs Gatekeeper's gator and Welkin's rendered policies (missing ${missing.join(", ")})`);
            this.skip();
        }
        policies = renderWelkinPolicies(ALLOWED_REGISTRIES);
        for (const c of CASES) {
            const objects = installObjects(c.args);
            evaluated.set(c.name, { objects, theirs: verdictLines(gatorVerdicts(policies, [fluxNamespace(), ...objects])) });
        }
    });

    it("renders Welkin's constraints with its default enforcement", () => {
        const enforcement = Object.fromEntries(policies.constraints.map((c) => [c.kind, (c.spec as { enforcementAction: string }).enforcementAction]));
        assert.deepStrictEqual(
            { image: enforcement.K8sAllowedRepos, requests: enforcement.K8sResourceRequests, tags: enforcement.K8sDisallowedTags, np: enforcement.K8sRequireNetworkPolicy, replicas: enforcement.K8sMinimumReplicas },
            {
                image: WELKIN_DEFAULT_ENFORCEMENT["image-registry"],
                requests: WELKIN_DEFAULT_ENFORCEMENT["resource-requests"],
                tags: WELKIN_DEFAULT_ENFORCEMENT["disallowed-tags"],
                np: WELKIN_DEFAULT_ENFORCEMENT["network-policy"],
                replicas: WELKIN_DEFAULT_ENFORCEMENT["minimum-replicas"],
            },
        );
    });

    for (const c of CASES) {
        it(c.name, () => {
            const { objects, theirs } = evaluated.get(c.name) as Evaluated;
            assert.deepStrictEqual(verdictLines(ourVerdicts(ours(objects))), theirs);
        });
    }

    it("covers every policy, with and without findings", () => {
        const policiesSeen = new Set([...evaluated.values()].flatMap((c) => c.theirs.map((line) => line.split(" | ")[0])));
        assert.deepStrictEqual([...policiesSeen].sort(), Object.keys(WELKIN_DEFAULT_ENFORCEMENT).sort());
        const withNone = (policy: string) => [...evaluated.values()].filter((c) => c.objects.some((o) => o.kind === "Deployment") && !c.theirs.some((l) => l.startsWith(`${policy} |`)));
        for (const policy of Object.keys(WELKIN_DEFAULT_ENFORCEMENT).filter((p) => p !== "minimum-replicas")) {
            assert.ok(withNone(policy).length > 0, `no case is free of ${policy} findings`);
        }
    });

    describe("can fail: each rule of ours broken on purpose disagrees with Gatekeeper somewhere", () => {
        for (const policy of Object.keys(WELKIN_DEFAULT_ENFORCEMENT) as PolicyFinding["policy"][]) {
            it(`${policy}: never firing`, () => {
                const broken: Checker = (objs) => ours(objs).filter((f) => f.policy !== policy);
                assert.notDeepStrictEqual(disagreements(broken, evaluated), []);
            });
            it(`${policy}: firing on every workload`, () => {
                const broken: Checker = (objs) => [
                    ...ours(objs),
                    ...objs.filter((o) => o.kind === "Deployment").map((o) => ({ policy, enforcement: WELKIN_DEFAULT_ENFORCEMENT[policy], object: `Deployment/${o.metadata.name}`, message: "" })),
                ];
                assert.notDeepStrictEqual(disagreements(broken, evaluated), []);
            });
            it(`${policy}: the other enforcement`, () => {
                const broken: Checker = (objs) => ours(objs).map((f) => (f.policy === policy ? { ...f, enforcement: f.enforcement === "deny" ? "warn" : "deny" } : f));
                assert.notDeepStrictEqual(disagreements(broken, evaluated), []);
            });
        }
    });
});
