import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubeObject } from "./kube/object";

/**
 * One Pulumi resource for one parsed Kubernetes object, with the typed class of its kind so the
 * preview shows real diffs and Pulumi's readiness checks (Deployments Available) apply. Kinds
 * without a typed class (Flux and HNC custom resources) become CustomResources.
 */
export function kubeObjectResource(name: string, obj: KubeObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
    // The parsed manifests have exactly the shape the typed args describe.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const args = obj as any;
    switch (`${obj.apiVersion}/${obj.kind}`) {
        case "apiextensions.k8s.io/v1/CustomResourceDefinition":
            return new k8s.apiextensions.v1.CustomResourceDefinition(name, args, opts);
        case "v1/ServiceAccount":
            return new k8s.core.v1.ServiceAccount(name, args, opts);
        case "v1/Service":
            return new k8s.core.v1.Service(name, args, opts);
        case "v1/Secret":
            return new k8s.core.v1.Secret(name, args, opts);
        case "apps/v1/Deployment":
            return new k8s.apps.v1.Deployment(name, args, opts);
        case "networking.k8s.io/v1/NetworkPolicy":
            return new k8s.networking.v1.NetworkPolicy(name, args, opts);
        case "rbac.authorization.k8s.io/v1/Role":
            return new k8s.rbac.v1.Role(name, args, opts);
        case "rbac.authorization.k8s.io/v1/RoleBinding":
            return new k8s.rbac.v1.RoleBinding(name, args, opts);
        default:
            return new k8s.apiextensions.CustomResource(name, args, opts);
    }
}

/** A resource name that stays unique across kinds and namespaces: `<prefix>-<kind>-[<ns>-]<name>`. */
export function objectResourceName(prefix: string, obj: KubeObject, withNamespace = false): string {
    const ns = withNamespace && obj.metadata.namespace ? `${obj.metadata.namespace}-` : "";
    return `${prefix}-${obj.kind.toLowerCase()}-${ns}${obj.metadata.name}`;
}

/**
 * An object's `metadata.name` as applied. The kubernetes provider always reports the name it was
 * given; a unit test's mocks may report no metadata at all, and the output is then the name we
 * asked for rather than undefined behind a `string` type. Unknown at preview stays unknown.
 */
export function appliedName(resource: { metadata: pulumi.Output<{ name?: string } | undefined> }, asked: string): pulumi.Output<string> {
    return resource.metadata.apply((m) => m?.name ?? asked);
}
