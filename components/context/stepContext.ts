// What every step of the procedure (steps/) and every git target (gitTarget/) is given: the
// component's name, its validated configuration, how its own providers reach the cluster, and
// the options of every child resource. Modelled on flux2's bootstrap.Run over a Reconciler: each
// step is `(ctx, named inputs) => named outputs`, so the wiring in welkinFlux.ts reads as the
// data flow between the steps.
import * as pulumi from "@pulumi/pulumi";
import { WelkinFluxConfig } from "../config";
import { SERVICE_SETTLE_BOUND } from "../config/waits";
import { KubeAccess } from "../kube/access";

export interface StepContext {
    /** The component's name; its children are named `<name>-<step>`. */
    name: string;
    config: WelkinFluxConfig;
    /** The kubeconfig and context, secret; resolved only by the providers (kube/access.ts). */
    access: pulumi.Input<KubeAccess>;
    /** The component: every child's parent. */
    parent: pulumi.Resource;
    /** What every child waits for: the preflight (step 0), unless `preflight: false`. */
    dependsOn: pulumi.Resource[];
}

/** A child's options: the component as parent, after what every child waits for and `dependsOn`. */
export function childOptions(ctx: StepContext, ...dependsOn: pulumi.Resource[]): pulumi.CustomResourceOptions {
    return { parent: ctx.parent, dependsOn: [...ctx.dependsOn, ...dependsOn] };
}

/**
 * A child the kubernetes provider awaits (the anchor Ok, a CRD Established, a Deployment
 * available): its options with the create and update wait bounded by `readinessTimeout`, so a
 * cluster that never gets there fails the up with the provider's reason instead of waiting its
 * default 10 minutes.
 */
export function awaitedChildOptions(ctx: StepContext, ...dependsOn: pulumi.Resource[]): pulumi.CustomResourceOptions {
    return boundedChildOptions(ctx, ctx.config.readinessTimeout, dependsOn);
}

/**
 * A Service of the controllers, created after their Deployments: its wait bounded by
 * SERVICE_SETTLE_BOUND (config/waits.ts), which ends the provider's 10 s of endpoint settling.
 */
export function serviceChildOptions(ctx: StepContext, ...dependsOn: pulumi.Resource[]): pulumi.CustomResourceOptions {
    return boundedChildOptions(ctx, SERVICE_SETTLE_BOUND, dependsOn);
}

/**
 * For an object in flux-system that has no finalizers: `pulumi destroy` deletes it with the
 * namespace, when it deletes the anchor (HNC deletes the subnamespace and the namespace everything
 * in it), instead of one by one before. When only the object goes, it is deleted as any other.
 */
export function inFluxNamespace(anchor: pulumi.Resource): pulumi.CustomResourceOptions {
    return { deletedWith: anchor };
}

function boundedChildOptions(ctx: StepContext, bound: string, dependsOn: pulumi.Resource[]): pulumi.CustomResourceOptions {
    return { ...childOptions(ctx, ...dependsOn), customTimeouts: { create: bound, update: bound } };
}
