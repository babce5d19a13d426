// Step 8: apply what `kubectl apply -k clusters/<cluster>/flux-system` would apply, so Flux
// starts and then reconciles the very same objects from git.
import * as pulumi from "@pulumi/pulumi";
import { KubeObject } from "../fluxDistribution";
import { kubeObjectResource, objectResourceName } from "../kubeObjectResource";
import { ChildOptions, childOptions } from "./childOptions";

export interface InstalledFlux {
    /** ServiceAccounts, Services, NetworkPolicies. */
    supporting: pulumi.CustomResource[];
    controllers: pulumi.CustomResource[];
    /** The GitRepository and Kustomization of gotk-sync.yaml. */
    sync: pulumi.CustomResource[];
}

const SYNC_KINDS = new Set(["GitRepository", "Kustomization"]);

export function installFlux(name: string, objects: KubeObject[], prerequisites: pulumi.Resource[], options: ChildOptions): InstalledFlux {
    const create = (o: KubeObject, dependsOn: pulumi.Resource[]) => kubeObjectResource(objectResourceName(name, o), o, childOptions(options, ...dependsOn));
    const supporting = objects.filter((o) => o.kind !== "Deployment" && !SYNC_KINDS.has(o.kind)).map((o) => create(o, prerequisites));
    const controllers = objects.filter((o) => o.kind === "Deployment").map((o) => create(o, [...prerequisites, ...supporting]));
    // The sync objects depend on the controllers so that `destroy` deletes them first, while the
    // controllers still run to clear their finalizers; otherwise flux-system hangs in Terminating.
    const sync = objects.filter((o) => SYNC_KINDS.has(o.kind)).map((o) => create(o, [...prerequisites, ...controllers]));
    return { supporting, controllers, sync };
}
