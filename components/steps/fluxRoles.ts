// Step 4: Welkin's Flux Roles in each parent namespace; HNC propagates them to flux-system.
// Each RoleBinding's roleRef.name goes through its Role (kube/knownAfter.ts): Welkin grants no
// `bind`, so the server can check a binding only once its Role exists.
import * as pulumi from "@pulumi/pulumi";
import { childOptions, StepContext } from "../context/stepContext";
import { withFieldKnownAfter } from "../kube/knownAfter";
import { KubeObject } from "../kube/object";
import { kubeObjectResource, objectResourceName } from "../kube/objectResource";
import { welkinFluxRoles } from "../render/welkinRoles";

export function createFluxRoles(ctx: StepContext): { roles: pulumi.CustomResource[] } {
    const resource = (o: KubeObject, ...dependsOn: pulumi.CustomResource[]) => kubeObjectResource(objectResourceName(ctx.name, o, true), o, childOptions(ctx, ...dependsOn));
    const bindingAfter = (binding: KubeObject, role: pulumi.CustomResource) => resource(withFieldKnownAfter(binding, ["roleRef", "name"], role), role);
    const roles: pulumi.CustomResource[] = [];
    for (const parentNamespace of ctx.config.parentNamespaces) {
        const [role, binding, sourceRole, sourceBinding] = welkinFluxRoles(parentNamespace, ctx.config.namespace);
        const r = resource(role);
        const s = resource(sourceRole);
        roles.push(r, bindingAfter(binding, r), s, bindingAfter(sourceBinding, s));
    }
    return { roles };
}
