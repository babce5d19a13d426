// The AdminDelegation resource (docs/ARCHITECTURE.md step 5): our subjects on Welkin's shared
// RoleBinding `extra-workload-admins`; its provider is provider.ts.
import * as pulumi from "@pulumi/pulumi";
import { KubeAccess } from "../kube/access";
import { ClusterResource } from "../kube/clusterResource";
import { delegationProvider } from "./provider";
import { RbacSubject } from "./subjects";

/** The RoleBinding Welkin makes in every user namespace, binding the ClusterRole admin. */
export const EXTRA_WORKLOAD_ADMINS = "extra-workload-admins";

/** The controllers that apply users' workloads and so need admin in the namespaces Flux deploys to. */
export function delegatedSubjects(fluxNamespace: string): RbacSubject[] {
    return ["kustomize-controller", "helm-controller"].map((name) => ({ kind: "ServiceAccount", name, namespace: fluxNamespace }));
}

interface AdminDelegationArgs {
    namespace: pulumi.Input<string>;
    roleBindingName: pulumi.Input<string>;
    subjects: pulumi.Input<RbacSubject[]>;
    /** How to reach the cluster; resolved by the provider when it acts, kept secret. */
    access: pulumi.Input<KubeAccess>;
}

/** Our subjects on an existing RoleBinding; removing the resource removes only them. */
export class AdminDelegation extends ClusterResource {
    declare public readonly namespace: pulumi.Output<string>;
    declare public readonly roleBindingName: pulumi.Output<string>;
    declare public readonly subjects: pulumi.Output<RbacSubject[]>;

    constructor(name: string, args: AdminDelegationArgs, opts?: pulumi.CustomResourceOptions) {
        super(delegationProvider, "AdminDelegation", name, { ...args }, opts);
    }
}
