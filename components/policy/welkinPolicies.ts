// Welkin's Gatekeeper policies, checked against the objects welkin-flux applies, so a preview
// shows what Welkin will warn about or deny before anything is applied. Rules mirror the
// Gatekeeper constraints of elastisys/compliantkubernetes-apps v0.50.1
// (helmfile.d/charts/gatekeeper/...) with the enforcement of its default config.
import { KubeObject } from "../kube/object";
import { podTemplate, SecurityContext } from "../kube/podTemplate";

type WelkinEnforcement = "deny" | "warn";

/** Welkin's Gatekeeper policies the checks know (an `as const` object: an enum in the component schema). */
export const PolicyName = {
    ImageRegistry: "image-registry",
    ResourceRequests: "resource-requests",
    DisallowedTags: "disallowed-tags",
    NetworkPolicy: "network-policy",
    MinimumReplicas: "minimum-replicas",
    LoadBalancerService: "load-balancer-service",
    LocalhostSeccomp: "localhost-seccomp",
} as const;
export type PolicyName = (typeof PolicyName)[keyof typeof PolicyName];

export interface PolicyFinding {
    /** Welkin's name for the policy. */
    policy: PolicyName;
    /** What Welkin does by default when the policy is violated. */
    enforcement: WelkinEnforcement;
    /** `Kind/name` of the object, plus the container where it matters. */
    object: string;
    message: string;
}

interface PolicyOptions {
    /**
     * Image prefixes the environment's `K8sAllowedRepos` constraint allows (Welkin's
     * `opa.imageRegistry.URL`). Undefined skips the check: it is done against the cluster's
     * constraint in preflight when that is readable.
     */
    allowedRegistries?: string[];
    /** Welkin's default enforcement per policy; environments may differ. */
    enforcement?: Partial<Record<PolicyFinding["policy"], WelkinEnforcement>>;
}

export const WELKIN_DEFAULT_ENFORCEMENT: Record<PolicyFinding["policy"], WelkinEnforcement> = {
    "image-registry": "warn", // opa.imageRegistry.enforcement
    "network-policy": "warn", // opa.networkPolicies.enforcement
    "resource-requests": "deny", // opa.resourceRequests
    "disallowed-tags": "deny", // opa.disallowedTags (latest)
    "minimum-replicas": "warn", // opa.minimumDeploymentReplicas (min 2)
    "load-balancer-service": "deny", // opa.rejectLoadBalancerService
    "localhost-seccomp": "deny", // disallowLocalhostSeccomp, always on in a workload cluster
};

const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);
/** What Welkin's minimum-replicas constraint matches, and the annotation that exempts an object from it. */
const REPLICATED_KINDS = new Set(["Deployment", "StatefulSet"]);
const IGNORE_MINIMUM_REPLICAS = "elastisys.io/ignore-minimum-replicas";
/** `opa.disallowedTags.tags` in Welkin's default config. */
const DISALLOWED_TAGS = ["latest"];

/**
 * Why Welkin's disallowed-tags rule refuses an image, or undefined. As Welkin's Rego reads it: the
 * reference ends in a disallowed tag, or has no `:` at all. So a digest (`@sha256:…`) or a
 * registry port counts as a tag, as it does at Welkin's admission.
 */
export function disallowedTag(image: string): string | undefined {
    const tag = DISALLOWED_TAGS.find((t) => image.endsWith(`:${t}`));
    if (tag !== undefined) {
        return `uses the ${tag} tag`;
    }
    return image.includes(":") ? undefined : "has no tag (which means latest)";
}

/** Does a NetworkPolicy's podSelector select these labels? (matchLabels and matchExpressions) */
export function selects(selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined, labels: Record<string, string>): boolean {
    if (selector === undefined) {
        return true;
    }
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
        if (labels[k] !== v) {
            return false;
        }
    }
    for (const e of selector.matchExpressions ?? []) {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        const ok =
            e.operator === "In" ? has && (e.values ?? []).includes(labels[e.key]) :
            e.operator === "NotIn" ? !has || !(e.values ?? []).includes(labels[e.key]) :
            e.operator === "Exists" ? has :
            e.operator === "DoesNotExist" ? !has :
            false;
        if (!ok) {
            return false;
        }
    }
    return true;
}

export function checkWelkinPolicies(objects: KubeObject[], options: PolicyOptions = {}): PolicyFinding[] {
    const enforcement = { ...WELKIN_DEFAULT_ENFORCEMENT, ...options.enforcement };
    const findings: PolicyFinding[] = [];
    const add = (policy: PolicyFinding["policy"], object: string, message: string) =>
        findings.push({ policy, enforcement: enforcement[policy], object, message });
    const networkPolicies = objects.filter((o) => o.kind === "NetworkPolicy");

    for (const o of objects.filter((x) => WORKLOAD_KINDS.has(x.kind))) {
        const id = `${o.kind}/${o.metadata.name}`;
        const template = podTemplate(o);
        const containers = template?.spec?.containers ?? [];
        const initContainers = template?.spec?.initContainers ?? [];
        for (const c of [...containers, ...initContainers]) {
            const where = `${id} container ${c.name}`;
            const image = c.image ?? "";
            if (options.allowedRegistries !== undefined && !options.allowedRegistries.some((r) => image.startsWith(r))) {
                add(
                    "image-registry",
                    where,
                    `${where}: image ${image} is not from an allowed registry (${options.allowedRegistries.join(", ")}). ` +
                        `Ask the platform administrator to allow ghcr.io/fluxcd, or mirror the images and set registry.`,
                );
            }
            const tagProblem = disallowedTag(image);
            if (tagProblem !== undefined) {
                add("disallowed-tags", where, `${where}: image ${image} ${tagProblem}; Welkin requires a pinned tag.`);
            }
            if (usesLocalhostSeccomp(c.securityContext)) {
                add("localhost-seccomp", where, `${where}: uses a Localhost seccompProfile, which Welkin does not allow.`);
            }
        }
        if (usesLocalhostSeccomp(template?.spec?.securityContext)) {
            add("localhost-seccomp", id, `${id}: its pod template uses a Localhost seccompProfile, which Welkin does not allow.`);
        }
        // Welkin's rule reads the containers only: init containers may go without requests.
        for (const c of containers) {
            const requests = c.resources?.requests ?? {};
            if (requests.cpu === undefined || requests.memory === undefined) {
                const where = `${id} container ${c.name}`;
                add("resource-requests", where, `${where}: no CPU and memory requests; Welkin requires resources.requests on every container.`);
            }
        }
        const labels = template?.metadata?.labels ?? {};
        const namespace = o.metadata.namespace;
        const covered = networkPolicies.some(
            (np) => np.metadata.namespace === namespace && selects((np.spec as { podSelector?: Parameters<typeof selects>[0] }).podSelector, labels),
        );
        if (!covered) {
            add("network-policy", id, `${id}: its pods are selected by no NetworkPolicy in ${namespace}; Welkin requires one.`);
        }
        const replicas = (o.spec as { replicas?: number }).replicas ?? 1;
        const ignored = Object.prototype.hasOwnProperty.call(o.metadata.annotations ?? {}, IGNORE_MINIMUM_REPLICAS);
        if (REPLICATED_KINDS.has(o.kind) && replicas < 2 && !ignored) {
            add(
                "minimum-replicas",
                id,
                `${id}: ${replicas} replica; Welkin recommends at least 2. Flux controllers run one active replica ` +
                    `(leader election), so this is expected for Flux.`,
            );
        }
    }
    for (const svc of objects.filter((x) => x.kind === "Service" && (x.spec as { type?: string } | undefined)?.type === "LoadBalancer")) {
        const id = `Service/${svc.metadata.name}`;
        add("load-balancer-service", id, `${id}: type LoadBalancer, which Welkin does not allow; keep Flux's Services ClusterIP.`);
    }
    return findings;
}

function usesLocalhostSeccomp(securityContext: SecurityContext | undefined): boolean {
    return securityContext?.seccompProfile?.type === "Localhost";
}

const POLICY_SUMMARY: Record<PolicyFinding["policy"], string> = {
    "image-registry": "images not from an allowed registry (ask the platform administrator to allow ghcr.io/fluxcd, or set registry to a mirror)",
    "resource-requests": "containers without CPU and memory requests",
    "disallowed-tags": "images with the latest tag",
    "network-policy": "pods selected by no NetworkPolicy",
    "minimum-replicas": "fewer than 2 replicas (expected for Flux: one leader-elected replica per controller)",
    "load-balancer-service": "Services of type LoadBalancer",
    "localhost-seccomp": "pods or containers with a Localhost seccompProfile",
};

// Known exceptions: findings that hold for every Flux install and need no action. Flux
// controllers run one replica each by design (leader election), so "minimum-replicas" (Welkin's
// recommendation, not a denial) is expected. They are reported at info level, not as warnings, so
// a default preview stays clean and a warning always means something to act on.
const EXPECTED_FOR_FLUX: readonly PolicyFinding["policy"][] = ["minimum-replicas"];

/** Splits findings into those expected for Flux (info) and those a user should act on (warning). */
export function expectedFindings(findings: PolicyFinding[]): { expected: PolicyFinding[]; actionable: PolicyFinding[] } {
    return {
        expected: findings.filter((f) => EXPECTED_FOR_FLUX.includes(f.policy)),
        actionable: findings.filter((f) => !EXPECTED_FOR_FLUX.includes(f.policy)),
    };
}

/** One line per policy, naming the objects: short enough for every preview. */
export function summarizeFindings(findings: PolicyFinding[]): string {
    const byPolicy = new Map<PolicyFinding["policy"], PolicyFinding[]>();
    for (const f of findings) {
        byPolicy.set(f.policy, [...(byPolicy.get(f.policy) ?? []), f]);
    }
    return [...byPolicy.entries()]
        .map(([policy, fs]) => `  - ${policy} (Welkin enforcement: ${fs[0].enforcement}): ${POLICY_SUMMARY[policy]}: ${fs.map((f) => f.object).join(", ")}`)
        .join("\n");
}

/** One line per finding, for errors. */
export function formatFindings(findings: PolicyFinding[]): string {
    return findings.map((f) => `  - [${f.policy}, Welkin enforcement: ${f.enforcement}] ${f.message}`).join("\n");
}
