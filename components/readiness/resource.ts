// The FluxControllersReadiness resource (docs/ARCHITECTURE.md, "Bounded waits"): beside the
// kubernetes provider's bounded waits on the controllers' Deployments, it names why one is not
// available when the bound is near (provider.ts says why).
import * as pulumi from "@pulumi/pulumi";
import { parseGoDuration } from "../config/goDuration";
import { KubeAccess } from "../kube/access";
import { ClusterResource } from "../kube/clusterResource";
import { readinessProvider } from "./provider";

/** Seconds before the kubernetes provider's own bound: the reason comes first, then the provider's error. */
const AHEAD_SECONDS = 5;

/** How long the readiness resource watches, for a readinessTimeout (a valid Go duration). */
export function watchSeconds(readinessTimeout: string): number {
    const seconds = Number((parseGoDuration(readinessTimeout) ?? 0n) / 1_000_000_000n);
    return Math.max(seconds - AHEAD_SECONDS, 10);
}

export class FluxControllersReadiness extends ClusterResource {
    constructor(
        name: string,
        args: { namespace: string; deployments: { name: string; template: unknown }[]; readinessTimeout: string; access: pulumi.Input<KubeAccess> },
        opts: pulumi.CustomResourceOptions,
    ) {
        super(readinessProvider, "FluxControllersReadiness", name, { ...args, timeoutSeconds: watchSeconds(args.readinessTimeout), generations: undefined }, opts);
    }
}
