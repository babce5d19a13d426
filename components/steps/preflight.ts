// Step 0: ask the environment, before anything is changed, whether every later step can work
// (preflight), and check what will be applied against Welkin's policies.
import * as pulumi from "@pulumi/pulumi";
import { KubeAccess } from "../kube/access";
import { WelkinFluxConfig } from "../config";
import { fluxCrds } from "../flux/bundle";
import { KubeObject } from "../kube/object";
import { fluxRelease } from "../flux/releases";
import { WELKIN_ALLOWED_FLUX_CRDS } from "../render/welkinChanges";
import { checkWelkinPolicies, formatFindings, PolicyFinding } from "../policy/welkinPolicies";
import { podTemplate } from "../kube/podTemplate";
import { PreflightPlan } from "../preflight/checks";
import { preflightProvider } from "../preflight/provider";
import { EXTRA_WORKLOAD_ADMINS } from "./adminDelegation";
import { ANCHOR_OWNER_ANNOTATION, anchorOwner } from "./fluxNamespace";

export function preflightPlan(componentName: string, config: WelkinFluxConfig, installObjects: KubeObject[]): PreflightPlan {
    const images = installObjects
        .filter((o) => o.kind === "Deployment")
        .flatMap((o) => (podTemplate(o)?.spec?.containers ?? []).map((c) => c.image as string));
    return {
        fluxVersion: config.fluxVersion,
        kubernetesMin: fluxRelease(config.fluxVersion).kubernetesMin,
        parentNamespace: config.parentNamespace,
        parentNamespaces: config.parentNamespaces,
        fluxNamespace: config.namespace,
        owner: anchorOwner(componentName),
        ownerAnnotation: ANCHOR_OWNER_ANNOTATION,
        crdNames: fluxCrds(config.fluxVersion).map((c) => c.metadata.name),
        welkinFluxCrdNames: [...WELKIN_ALLOWED_FLUX_CRDS],
        images,
        delegationRoleBinding: EXTRA_WORKLOAD_ADMINS,
    };
}

/** The preflight as a resource: its check() runs at preview and up; everything else depends on it. */
export class WelkinPreflight extends pulumi.dynamic.Resource {
    /** What the preflight could not check (one line each), shown on a successful preview too. */
    declare public readonly notes: pulumi.Output<string[] | undefined>;

    constructor(name: string, args: { plan: PreflightPlan; access: pulumi.Input<KubeAccess> }, opts: pulumi.CustomResourceOptions) {
        super(
            preflightProvider,
            name,
            { plan: args.plan, access: pulumi.secret(args.access), notes: undefined },
            { ...opts, additionalSecretOutputs: ["access"] },
            "welkin-flux",
            "Preflight",
        );
    }
}

export class WelkinPolicyError extends Error {
    constructor(
        readonly componentName: string,
        readonly findings: PolicyFinding[],
    ) {
        super(
            `WelkinFlux "${componentName}": what would be applied breaks ${findings.length} Welkin polic${findings.length === 1 ? "y" : "ies"} ` +
                `(policyChecks.mode is "error"; nothing was created):\n${formatFindings(findings)}`,
        );
        this.name = "WelkinPolicyError";
    }
}

/**
 * The policy findings for the install objects: thrown as an error in "error" mode (before
 * anything is registered), otherwise returned for the component to warn about.
 */
export function policyFindings(name: string, config: WelkinFluxConfig, installObjects: KubeObject[]): PolicyFinding[] {
    const p = config.policyChecks;
    if (p.mode === "off") {
        return [];
    }
    const findings = checkWelkinPolicies(installObjects, { allowedRegistries: p.allowedRegistries }).filter((f) => !p.ignore.includes(f.policy));
    if (p.mode === "error" && findings.length > 0) {
        throw new WelkinPolicyError(name, findings);
    }
    return findings;
}
