// The FluxPodAdmission resource (docs/ARCHITECTURE.md step 8): before the controllers'
// Deployments are applied, the cluster is asked to admit one pod of each (provider.ts says why).
import * as pulumi from "@pulumi/pulumi";
import { KubeAccess } from "../kube/access";
import { ClusterResource } from "../kube/clusterResource";
import { KubeObject } from "../kube/object";
import { ControllerPod, podAdmissionProvider } from "./provider";

/** The pod template of each Deployment among `objects`. */
export function controllerPods(objects: KubeObject[]): ControllerPod[] {
    return objects
        .filter((o) => o.kind === "Deployment")
        .map((o) => ({ deployment: o.metadata.name, template: (o.spec as { template?: ControllerPod["template"] } | undefined)?.template ?? {} }));
}

export class FluxPodAdmission extends ClusterResource {
    constructor(name: string, args: { namespace: pulumi.Input<string>; pods: ControllerPod[]; access: pulumi.Input<KubeAccess> }, opts: pulumi.CustomResourceOptions) {
        super(podAdmissionProvider, "FluxPodAdmission", name, args, opts);
    }
}
