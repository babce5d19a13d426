// The Preflight resource (docs/ARCHITECTURE.md step 0): the cluster checks (clusterChecks.ts),
// run by its provider's check() at preview and up, before anything else is created.
import * as pulumi from "@pulumi/pulumi";
import { KubeAccess } from "../kube/access";
import { ClusterResource } from "../kube/clusterResource";
import { PreflightPlan } from "./clusterChecks";
import { preflightProvider } from "./provider";

/** The preflight as a resource: its check() runs at preview and up; everything else depends on it. */
export class WelkinPreflight extends ClusterResource {
    /** What the preflight could not check (one line each), shown on a successful preview too. */
    declare public readonly notes: pulumi.Output<string[] | undefined>;

    constructor(name: string, args: { plan: PreflightPlan; access: pulumi.Input<KubeAccess> }, opts: pulumi.CustomResourceOptions) {
        super(preflightProvider, "Preflight", name, { plan: args.plan, access: args.access, notes: undefined }, opts);
    }
}
