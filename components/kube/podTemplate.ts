// The pod template of a workload object as parsed from a manifest, read the same way by the
// install renderer, the policy checks and the preflight plan.
import { KubeObject } from "./object";

export interface Container {
    name: string;
    image?: string;
    args?: string[];
    resources?: { requests?: Record<string, unknown> };
    securityContext?: SecurityContext;
}

/** The part of a pod's or container's securityContext the checks read. */
export interface SecurityContext {
    seccompProfile?: { type?: string };
}

interface PodTemplate {
    metadata?: { labels?: Record<string, string> };
    spec?: { containers?: Container[]; initContainers?: Container[]; imagePullSecrets?: { name: string }[]; securityContext?: SecurityContext };
}

/** The object's own pod template (not a copy), or undefined for kinds without one. */
export function podTemplate(o: KubeObject): PodTemplate | undefined {
    return (o.spec as { template?: PodTemplate } | undefined)?.template;
}
