// Step 8: apply what `kubectl apply -k clusters/<cluster>/flux-system` would apply, so Flux
// starts and then reconciles the very same objects from git.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { awaitedChildOptions, childOptions, inFluxNamespace, serviceChildOptions, StepContext } from "../context/stepContext";
import { withFieldKnownAfter } from "../kube/knownAfter";
import { KubeObject } from "../kube/object";
import { kubeObjectResource, objectResourceName } from "../kube/objectResource";
import { controllerPods, FluxPodAdmission } from "../podAdmission/resource";
import { FluxControllersReadiness } from "../readiness/resource";
import { SYNC_KINDS } from "../render/gotkSync";

export interface InstalledFlux {
    /** ServiceAccounts and NetworkPolicies: what the controllers' pods need to start. */
    supporting: pulumi.CustomResource[];
    /** The cluster asked to admit one pod of each controller, before their Deployments are applied. */
    admission: FluxPodAdmission;
    /** Beside the Deployments' waits: why one is not available, when the bound is near. */
    readiness: FluxControllersReadiness;
    controllers: pulumi.CustomResource[];
    services: pulumi.CustomResource[];
    /** The objects of gotk-sync.yaml. */
    sync: { gitRepository: k8s.apiextensions.CustomResource; kustomization: k8s.apiextensions.CustomResource };
}

function syncObject(objects: KubeObject[], kind: string): KubeObject {
    const found = objects.filter((o) => o.kind === kind);
    if (found.length !== 1) {
        throw new Error(`gotk-sync.yaml must hold exactly one ${kind}; found ${found.length}`);
    }
    return found[0];
}

/** Flux's objects carry it (gotk-sync's do not); its value goes through the anchor (kube/knownAfter.ts). */
const INSTANCE_LABEL = "app.kubernetes.io/instance";

/**
 * `objects` are what `kubectl apply -k` would apply, all in flux-system, made by `anchor`;
 * `prerequisites`: everything of steps 1–7.
 */
export function installFlux(ctx: StepContext, inputs: { objects: KubeObject[]; anchor: pulumi.CustomResource; prerequisites: pulumi.Resource[] }): InstalledFlux {
    const { objects, anchor, prerequisites } = inputs;
    const waits = (o: KubeObject, dependsOn: pulumi.Resource[]) =>
        o.kind === "Deployment" ? awaitedChildOptions(ctx, ...dependsOn) : o.kind === "Service" ? serviceChildOptions(ctx, ...dependsOn) : childOptions(ctx, ...dependsOn);
    // The sync objects carry the controllers' finalizers: destroy deletes them while the
    // controllers run. The Deployments it deletes too, in the foreground (the provider's
    // default), so their pods are gone before the namespace is deleted: the namespace controller
    // retries with backoff while pods terminate. The rest goes with the namespace.
    const deletedOneByOne = (o: KubeObject) => SYNC_KINDS.includes(o.kind) || o.kind === "Deployment";
    const options = (o: KubeObject, dependsOn: pulumi.Resource[]) => ({ ...waits(o, dependsOn), ...(deletedOneByOne(o) ? {} : inFluxNamespace(anchor)) });
    const create = (o: KubeObject, dependsOn: pulumi.Resource[]) =>
        kubeObjectResource(objectResourceName(ctx.name, o), withFieldKnownAfter(o, ["metadata", "labels", INSTANCE_LABEL], anchor), options(o, dependsOn));
    const isSupporting = (o: KubeObject) => o.kind !== "Deployment" && o.kind !== "Service" && !SYNC_KINDS.includes(o.kind);
    const supporting = objects.filter(isSupporting).map((o) => create(o, prerequisites));
    const pods = controllerPods(objects);
    // After the ServiceAccounts it checks for, before the Deployments it speaks for.
    const admission = new FluxPodAdmission(
        `${ctx.name}-pod-admission`,
        { namespace: ctx.config.namespace, pods, access: ctx.access },
        childOptions(ctx, ...prerequisites, ...supporting),
    );
    const controllers = objects.filter((o) => o.kind === "Deployment").map((o) => create(o, [...prerequisites, ...supporting, admission]));
    // Beside the Deployments, watching them.
    const readiness = new FluxControllersReadiness(
        `${ctx.name}-controllers-readiness`,
        { namespace: ctx.config.namespace, deployments: pods.map((p) => ({ name: p.deployment, template: p.template })), readinessTimeout: ctx.config.readinessTimeout, access: ctx.access },
        childOptions(ctx, ...prerequisites, ...supporting, admission),
    );
    // Created after the Deployments (which the provider awaits available), a Service finds its
    // pods ready at once, so its own wait can be short (serviceChildOptions).
    const services = objects.filter((o) => o.kind === "Service").map((o) => create(o, [...prerequisites, ...controllers]));
    // The sync objects depend on the controllers so that `destroy` deletes them first, while the
    // controllers still run to clear their finalizers; otherwise flux-system hangs in Terminating.
    // The GitRepository goes before the Kustomization: deleting the Kustomization prunes what it
    // applied, the controllers' Deployments included, and source-controller must still be there
    // to finalize the GitRepository.
    const syncResource = (kind: string, after: pulumi.Resource[] = []) =>
        create(syncObject(objects, kind), [...prerequisites, ...controllers, ...after]) as k8s.apiextensions.CustomResource;
    const kustomization = syncResource("Kustomization");
    return { supporting, admission, readiness, controllers, services, sync: { gitRepository: syncResource("GitRepository", [kustomization]), kustomization } };
}
