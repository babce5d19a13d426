// Step 0: ask the environment, before anything is changed, whether every later step can work
// (preflight), and check what will be applied against Welkin's policies.
import * as pulumi from "@pulumi/pulumi";
import { EXTRA_WORKLOAD_ADMINS } from "../adminDelegation/resource";
import { WelkinFluxConfig } from "../config";
import { childOptions, StepContext } from "../context/stepContext";
import { fluxCrds } from "../flux/bundle";
import { fluxRelease } from "../flux/releases";
import { KubeObject } from "../kube/object";
import { podTemplate } from "../kube/podTemplate";
import { deniedFindings, formatDenials } from "../policy/denials";
import { checkWelkinPolicies, formatFindings, PolicyFinding } from "../policy/welkinPolicies";
import { PreflightPlan } from "../preflight/clusterChecks";
import { WelkinPreflight } from "../preflight/resource";
import { WELKIN_ALLOWED_FLUX_CRDS } from "../render/welkinChanges";
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

/**
 * The preflight, unless `preflight: false`: none, or the one resource every later step waits for.
 * Its notes (what it could not check) are shown on every preview.
 */
export function checkEnvironment(ctx: StepContext, inputs: { installObjects: KubeObject[] }): { preflight: WelkinPreflight[] } {
    if (!ctx.config.preflight) {
        return { preflight: [] };
    }
    const preflight = new WelkinPreflight(`${ctx.name}-preflight`, { plan: preflightPlan(ctx.name, ctx.config, inputs.installObjects), access: ctx.access }, childOptions(ctx));
    preflight.notes.apply((notes) => (notes ?? []).forEach((n) => pulumi.log.info(`preflight: ${n}`, ctx.parent)));
    return { preflight: [preflight] };
}

export class WelkinPolicyError extends Error {
    /**
     * @param mode `deny`: `findings` are those Welkin's Gatekeeper denies; `error`: every finding
     *   not ignored.
     */
    constructor(
        readonly componentName: string,
        readonly findings: PolicyFinding[],
        readonly mode: "deny" | "error" = "error",
    ) {
        super(
            mode === "deny"
                ? `WelkinFlux "${componentName}": Welkin's Gatekeeper would deny what would be applied (${findings.length} finding${findings.length === 1 ? "" : "s"}), ` +
                      `so the pods would not be admitted (policyChecks.mode is "deny", the default; nothing was created):\n${formatDenials(findings)}`
                : `WelkinFlux "${componentName}": what would be applied breaks ${findings.length} Welkin polic${findings.length === 1 ? "y" : "ies"} ` +
                      `(policyChecks.mode is "error"; nothing was created):\n${formatFindings(findings)}`,
        );
        this.name = "WelkinPolicyError";
    }
}

/**
 * The policy findings for the install objects, checked before anything is registered: in
 * "deny" mode those Welkin's Gatekeeper denies are thrown and the rest returned, in "error" mode
 * any is thrown; what is returned the component reports as warnings.
 */
export function policyFindings(name: string, config: WelkinFluxConfig, installObjects: KubeObject[]): PolicyFinding[] {
    const p = config.policyChecks;
    if (p.mode === "off") {
        return [];
    }
    const findings = checkWelkinPolicies(installObjects, { allowedRegistries: p.allowedRegistries }).filter((f) => !p.ignore.includes(f.policy));
    if (p.mode === "error" && findings.length > 0) {
        throw new WelkinPolicyError(name, findings, "error");
    }
    const denied = p.mode === "deny" ? deniedFindings(findings) : [];
    if (denied.length > 0) {
        throw new WelkinPolicyError(name, denied, "deny");
    }
    return findings;
}
