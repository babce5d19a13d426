// Step 4: Welkin's Flux Roles in each parent namespace; HNC propagates them to flux-system.
import * as pulumi from "@pulumi/pulumi";
import { WelkinFluxConfig } from "../config";
import { KubeObject } from "../kube/object";
import { kubeObjectResource, objectResourceName } from "../kubeObjectResource";
import { welkinFluxRoles } from "../render/welkinRoles";
import { ChildOptions, childOptions } from "./childOptions";

/**
 * A RoleBinding whose roleRef names its Role through the Role's ID. The kubernetes provider checks
 * a planned create with a server-side dry run; for a RoleBinding whose Role is created in the same
 * update, that dry run is refused on Welkin (the Role does not exist yet, and Welkin grants no
 * `bind`, the known issue in docs/ARCHITECTURE.md), so a fresh preview would fail. A resource's ID
 * is unknown at preview until it exists, and the provider does not dry-run inputs that are not
 * known yet: so the binding is checked by the server as soon as its Role exists, and is skipped
 * only on the preview that creates both. The value is the same name either way. (The Role's other
 * outputs do not help: its own dry run fills them in.)
 */
function bindingAfterRole(name: string, binding: KubeObject, role: pulumi.CustomResource, base: ChildOptions): pulumi.CustomResource {
    const roleRef = binding.roleRef as { apiGroup: string; kind: string; name: string };
    const args = { ...binding, roleRef: { ...roleRef, name: role.id.apply(() => roleRef.name) } } as unknown as KubeObject;
    return kubeObjectResource(objectResourceName(name, binding, true), args, childOptions(base, role));
}

export function createFluxRoles(name: string, config: WelkinFluxConfig, base: ChildOptions): pulumi.CustomResource[] {
    const resources: pulumi.CustomResource[] = [];
    for (const parentNamespace of config.parentNamespaces) {
        const [role, binding, sourceRole, sourceBinding] = welkinFluxRoles(parentNamespace, config.namespace);
        const r = kubeObjectResource(objectResourceName(name, role, true), role, childOptions(base));
        const s = kubeObjectResource(objectResourceName(name, sourceRole, true), sourceRole, childOptions(base));
        resources.push(r, bindingAfterRole(name, binding, r, base), s, bindingAfterRole(name, sourceBinding, s, base));
    }
    return resources;
}
