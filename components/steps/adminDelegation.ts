// Step 5: let kustomize-controller and helm-controller act as admins of each parent namespace,
// by adding them to Welkin's RoleBinding `extra-workload-admins` (the `kubectl edit rolebinding`
// step of Welkin's guide) without touching anyone else's entry.
import * as pulumi from "@pulumi/pulumi";
import { KubeAccess } from "../kube/access";
import { delegationProvider } from "../adminDelegation/provider";
import { RbacSubject } from "../adminDelegation/subjects";
import { WelkinFluxConfig } from "../config";
import { ChildOptions, childOptions } from "./childOptions";

export const EXTRA_WORKLOAD_ADMINS = "extra-workload-admins";

/** The controllers that apply users' workloads and so need admin in the namespaces Flux deploys to. */
export function delegatedSubjects(fluxNamespace: string): RbacSubject[] {
    return ["kustomize-controller", "helm-controller"].map((name) => ({ kind: "ServiceAccount", name, namespace: fluxNamespace }));
}

export interface AdminDelegationArgs {
    namespace: pulumi.Input<string>;
    roleBindingName: pulumi.Input<string>;
    subjects: pulumi.Input<RbacSubject[]>;
    /** How to reach the cluster; resolved by the provider when it acts, kept secret. */
    access: pulumi.Input<KubeAccess>;
}

/** Our subjects on an existing RoleBinding; removing the resource removes only them. */
export class AdminDelegation extends pulumi.dynamic.Resource {
    declare public readonly namespace: pulumi.Output<string>;
    declare public readonly roleBindingName: pulumi.Output<string>;
    declare public readonly subjects: pulumi.Output<RbacSubject[]>;

    constructor(name: string, args: AdminDelegationArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            delegationProvider,
            name,
            { ...args, access: pulumi.secret(args.access) },
            { ...opts, additionalSecretOutputs: ["access"] },
            "welkin-flux",
            "AdminDelegation",
        );
    }
}

export function createAdminDelegations(name: string, config: WelkinFluxConfig, access: pulumi.Input<KubeAccess>, base: ChildOptions): AdminDelegation[] {
    return config.parentNamespaces.map(
        (ns) =>
            new AdminDelegation(
                `${name}-admin-delegation-${ns}`,
                { namespace: ns, roleBindingName: EXTRA_WORKLOAD_ADMINS, subjects: delegatedSubjects(config.namespace), access },
                childOptions(base),
            ),
    );
}
