// How the component reaches the cluster for its own checks and the admin delegation, and what it
// checks before anything changes (docs/ARCHITECTURE.md step 0): preflight and Welkin policy checks.
import * as pulumi from "@pulumi/pulumi";
import { PolicyChecksArgs, PolicyMode, PolicyName } from "../args";
import { WELKIN_DEFAULT_ENFORCEMENT } from "../policy/welkinPolicies";
import { DEFAULT_POLICY_MODE } from "./defaults";
import { q } from "./fieldProblems";
import { asSecret, objectArg, Resolved } from "./resolved";

export type { PolicyMode };

export interface PreflightConfig {
    kubeconfig?: pulumi.Input<string | undefined>;
    kubeContext?: string;
    preflight: boolean;
    policyChecks: { mode: PolicyMode; ignore: PolicyName[]; allowedRegistries?: string[] };
}

function clusterAccessProblems(kubeconfig: unknown, kubeContext: unknown): string[] {
    const problems: string[] = [];
    if (typeof kubeconfig === "string" && kubeconfig.trim() === "") {
        problems.push(`kubeconfig is empty: give the kubeconfig's contents, or leave it unset to use $KUBECONFIG or ~/.kube/config.`);
    } else if (kubeconfig !== undefined && typeof kubeconfig !== "string" && !pulumi.Output.isInstance(kubeconfig) && !(kubeconfig instanceof Promise)) {
        problems.push(`kubeconfig must be the text of a kubeconfig; got ${q(kubeconfig)}.`);
    }
    if (kubeContext !== undefined && (typeof kubeContext !== "string" || kubeContext === "")) {
        problems.push(`kubeContext must be a non-empty context name; got ${q(kubeContext)}.`);
    }
    return problems;
}

function policyProblems(policy: Partial<PolicyChecksArgs>, mode: unknown): string[] {
    const problems: string[] = [];
    const modes: string[] = Object.values(PolicyMode);
    if (!modes.includes(mode as string)) {
        const named = modes.map((m) => (m === DEFAULT_POLICY_MODE ? `"${m}" (default)` : `"${m}"`));
        problems.push(`policyChecks.mode ${q(mode)} is not one of ${named.slice(0, -1).join(", ")} or ${named[named.length - 1]}.`);
    }
    const knownPolicies = Object.keys(WELKIN_DEFAULT_ENFORCEMENT);
    if (policy.ignore !== undefined && !Array.isArray(policy.ignore)) {
        problems.push(`policyChecks.ignore must be a list of policy names (${knownPolicies.map(q).join(", ")}); got ${q(policy.ignore)}.`);
    } else {
        const unknownPolicies = (policy.ignore ?? []).filter((p) => !knownPolicies.includes(p));
        if (unknownPolicies.length > 0) {
            problems.push(`policyChecks.ignore has unknown polic${unknownPolicies.length === 1 ? "y" : "ies"} ${unknownPolicies.map(q).join(", ")}: the policies are ${knownPolicies.map(q).join(", ")}.`);
        }
    }
    const registries = policy.allowedRegistries;
    if (registries !== undefined && (!Array.isArray(registries) || registries.some((r) => typeof r !== "string" || r === ""))) {
        problems.push(`policyChecks.allowedRegistries must be a list of image prefixes such as "harbor.example.com/"; got ${q(registries)}.`);
    }
    return problems;
}

export function resolvePreflight(kubeconfig: unknown, kubeContext: unknown, preflight: unknown, policyChecks: unknown): Resolved<PreflightConfig> {
    const problems = clusterAccessProblems(kubeconfig, kubeContext);
    if (preflight !== undefined && typeof preflight !== "boolean") {
        problems.push(`preflight must be true or false; got ${q(preflight)}.`);
    }
    const policy = objectArg<PolicyChecksArgs>("policyChecks", policyChecks, problems, '{ mode: "warn" }');
    const mode: PolicyMode = policy.mode ?? DEFAULT_POLICY_MODE;
    problems.push(...policyProblems(policy, mode));
    return {
        value: {
            kubeconfig: asSecret(kubeconfig as pulumi.Input<string | undefined> | undefined),
            kubeContext: kubeContext as string | undefined,
            preflight: (preflight as boolean | undefined) ?? true,
            policyChecks: { mode, ignore: Array.isArray(policy.ignore) ? policy.ignore : [], allowedRegistries: policy.allowedRegistries },
        },
        problems,
    };
}
