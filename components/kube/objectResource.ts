// Parsed Kubernetes objects as resources of the kubernetes provider (program side: never part of
// a dynamic provider).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubeObject } from "./object";

// The parsed manifests have exactly the shape the typed args describe.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ResourceClass = new (name: string, args: any, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** The typed class of each kind the install applies, by `<apiVersion>/<kind>`. */
const TYPED_CLASSES: Record<string, ResourceClass> = {
    "apiextensions.k8s.io/v1/CustomResourceDefinition": k8s.apiextensions.v1.CustomResourceDefinition,
    "v1/ServiceAccount": k8s.core.v1.ServiceAccount,
    "v1/Service": k8s.core.v1.Service,
    "v1/Secret": k8s.core.v1.Secret,
    "apps/v1/Deployment": k8s.apps.v1.Deployment,
    "networking.k8s.io/v1/NetworkPolicy": k8s.networking.v1.NetworkPolicy,
    "rbac.authorization.k8s.io/v1/Role": k8s.rbac.v1.Role,
    "rbac.authorization.k8s.io/v1/RoleBinding": k8s.rbac.v1.RoleBinding,
};

/**
 * One Pulumi resource for one parsed Kubernetes object, with the typed class of its kind so the
 * preview shows real diffs and Pulumi's readiness checks (Deployments Available) apply. Kinds
 * without a typed class (Flux and HNC custom resources) become CustomResources.
 */
export function kubeObjectResource(name: string, obj: KubeObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
    const typed = TYPED_CLASSES[`${obj.apiVersion}/${obj.kind}`];
    return typed !== undefined ? new typed(name, obj, opts) : new k8s.apiextensions.CustomResource(name, obj, opts);
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
