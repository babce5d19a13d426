// Step 5: let kustomize-controller and helm-controller act as admins of each parent namespace,
// by adding them to Welkin's RoleBinding `extra-workload-admins` (the `kubectl edit rolebinding`
// step of Welkin's guide) without touching anyone else's entry (adminDelegation/).
import { AdminDelegation, delegatedSubjects, EXTRA_WORKLOAD_ADMINS } from "../adminDelegation/resource";
import { childOptions, StepContext } from "../context/stepContext";

export function delegateAdmin(ctx: StepContext): { delegations: AdminDelegation[] } {
    const { name, config, access } = ctx;
    const delegations = config.parentNamespaces.map(
        (ns) =>
            new AdminDelegation(
                `${name}-admin-delegation-${ns}`,
                { namespace: ns, roleBindingName: EXTRA_WORKLOAD_ADMINS, subjects: delegatedSubjects(config.namespace), access },
                childOptions(ctx),
            ),
    );
    return { delegations };
}
