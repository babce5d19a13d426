// Welkin's Gatekeeper policies as Welkin renders them, and Gatekeeper's own verdicts on objects:
// welkin-gatekeeper-render (sandbox/toolchain/modules/welkin-gatekeeper-render) renders the
// charts in ../shared/upstream/welkin/gatekeeper with Welkin's default config, and gator (built
// from the same Gatekeeper module as the webhook) evaluates them offline.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as os from "os";
import * as path from "path";
import { KubeObject } from "../../components/kube/object";
import { PolicyFinding, PolicyName } from "../../components/policy/welkinPolicies";
import { findBinary, toolchainPart } from "../../sandbox/lib/toolchain";
import { UPSTREAM_DIR } from "./upstream";

export const WELKIN_GATEKEEPER_DIR = path.join(UPSTREAM_DIR, "welkin", "gatekeeper");

/** Welkin's constraint kinds, by the name welkin-flux gives the policy. */
export const CONSTRAINT_POLICY: Readonly<Record<string, PolicyName>> = {
    K8sAllowedRepos: "image-registry",
    K8sResourceRequests: "resource-requests",
    K8sDisallowedTags: "disallowed-tags",
    K8sRequireNetworkPolicy: "network-policy",
    K8sMinimumReplicas: "minimum-replicas",
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
 * list (`opa.imageRegistry.URL`, which Welkin leaves as `set-me`) set to `allowedRegistries`.
 */
export function renderWelkinPolicies(allowedRegistries: string[]): RenderedPolicies {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-policies-"));
    try {
        const override = path.join(dir, "registries.yaml");
        fs.writeFileSync(override, yaml.dump({ opa: { imageRegistry: { URL: allowedRegistries } } }));
        const out = execFileSync(findBinary("welkin-gatekeeper-render") as string, ["--values", override, WELKIN_GATEKEEPER_DIR], { encoding: "utf8" });
        // What admission evaluates: templates, constraints and the sync config (the inventory the
        // network-policy rule reads). Not the charts' hook Jobs and RBAC, nor mutations.
        const docs = (yaml.loadAll(out) as KubeObject[]).filter(
            (d) => d !== null && /^(templates|constraints|config)\.gatekeeper\.sh\//.test(d.apiVersion),
        );
        return { yaml: docs.map((d) => `---\n${yaml.dump(d)}`).join(""), constraints: docs.filter((d) => d.apiVersion.startsWith("constraints.")) };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
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

/** Welkin's messages name the container first, in angle brackets ("The container named <manager> …"). */
const CONTAINER_POLICIES = new Set<string>(["image-registry", "resource-requests", "disallowed-tags"]);

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
                const container = CONTAINER_POLICIES.has(policy) ? /<([^>]+)>/.exec(r.msg)?.[1] : undefined;
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
