// Welkin's Gatekeeper policies as Welkin renders them (sandbox/lib/welkinGatekeeper.ts, which the
// sandbox's webhook uses too), and Gatekeeper's own verdicts on objects: gator, built from the
// same Gatekeeper module as the webhook, evaluates them offline.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as os from "os";
import * as path from "path";
import { KubeObject } from "../../components/kube/object";
import { PolicyFinding, PolicyName } from "../../components/policy/welkinPolicies";
import { findBinary, toolchainPart } from "../../sandbox/lib/toolchain";
import { renderWelkinGatekeeper } from "../../sandbox/lib/welkinGatekeeper";

/** Welkin's constraint kinds, by the name welkin-flux gives the policy. */
export const CONSTRAINT_POLICY: Readonly<Record<string, PolicyName>> = {
    K8sAllowedRepos: "image-registry",
    K8sResourceRequests: "resource-requests",
    K8sDisallowedTags: "disallowed-tags",
    K8sRequireNetworkPolicy: "network-policy",
    K8sMinimumReplicas: "minimum-replicas",
    K8sRejectLoadBalancerService: "load-balancer-service",
    K8sDisallowLocalhostSeccomp: "localhost-seccomp",
};

/** What the binaries the parity needs lack, as "<binary> (build.sh <part>)"; empty when built. */
export function missingGatekeeperTools(): string[] {
    return [
        ["gator", "gatekeeper"],
        ["welkin-gatekeeper-render", "policy-render"],
    ]
        .filter(([bin]) => findBinary(bin) === undefined)
        .map(([bin, part]) => `${bin} (sandbox/toolchain/build.sh ${part}; ${toolchainPart(part).dir})`);
}

export interface RenderedPolicies {
    /** ConstraintTemplates, Constraints and Gatekeeper's sync Config, as one YAML stream. */
    yaml: string;
    constraints: KubeObject[];
}

/**
 * Welkin's templates and constraints with its default config (workload cluster), the registry
 * list (`opa.imageRegistry.URL`, which Welkin leaves as `set-me`) set to `allowedRegistries`:
 * what admission evaluates, with the sync config the network-policy rule reads as inventory.
 */
export function renderWelkinPolicies(allowedRegistries: string[]): RenderedPolicies {
    const { templates, constraints, config } = renderWelkinGatekeeper(allowedRegistries);
    return { yaml: [...templates, ...constraints, ...config].map((d) => `---\n${yaml.dump(d)}`).join(""), constraints };
}

/** One verdict: which policy, on which object (and container), with which enforcement. */
export interface Verdict {
    policy: string;
    object: string;
    enforcement: string;
}

interface GatorResult {
    constraint: { kind: string };
    enforcementAction: string;
    msg: string;
    violatingObject: KubeObject;
}

/** Welkin's messages name a container in angle brackets ("The container named <manager> …", "The initContainer named <init> …"). */
const CONTAINER = /[cC]ontainer(?: named)? <([^>]+)>/;

/** Gatekeeper's verdicts on `objects` (the Namespace they live in included), one per object and container. */
export function gatorVerdicts(policies: RenderedPolicies, objects: KubeObject[]): Verdict[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-gator-"));
    try {
        fs.writeFileSync(path.join(dir, "policies.yaml"), policies.yaml);
        fs.writeFileSync(path.join(dir, "objects.yaml"), objects.map((o) => `---\n${yaml.dump(o)}`).join(""));
        const run = spawnSync(findBinary("gator") as string, ["test", "-f", path.join(dir, "policies.yaml"), "-f", path.join(dir, "objects.yaml"), "-o", "json"], { encoding: "utf8" });
        // gator exits 1 when a deny constraint is violated; anything else is a failure to evaluate.
        if (run.status !== 0 && run.status !== 1) {
            throw new Error(`gator test exited ${run.status}: ${run.stderr}`);
        }
        const results = (JSON.parse(run.stdout || "null") ?? []) as GatorResult[];
        return unique(
            results.map((r) => {
                const policy = CONSTRAINT_POLICY[r.constraint.kind] ?? r.constraint.kind;
                const id = `${r.violatingObject.kind}/${r.violatingObject.metadata.name}`;
                const container = CONTAINER.exec(r.msg)?.[1];
                return { policy, object: container === undefined ? id : `${id} container ${container}`, enforcement: r.enforcementAction };
            }),
        );
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** welkin-flux's findings in the same shape. */
export function ourVerdicts(findings: PolicyFinding[]): Verdict[] {
    return unique(findings.map((f) => ({ policy: f.policy, object: f.object, enforcement: f.enforcement })));
}

function unique(verdicts: Verdict[]): Verdict[] {
    const byKey = new Map(verdicts.map((v) => [`${v.policy} | ${v.object} | ${v.enforcement}`, v]));
    return [...byKey.keys()].sort().map((k) => byKey.get(k) as Verdict);
}

/** The verdicts as sorted lines, for assertions whose diff reads as a list. */
export function verdictLines(verdicts: Verdict[]): string[] {
    return verdicts.map((v) => `${v.policy} | ${v.object} | ${v.enforcement}`).sort();
}
