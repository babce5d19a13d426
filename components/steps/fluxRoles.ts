// Step 4: Welkin's Flux Roles in each parent namespace; HNC propagates them to flux-system.
import * as pulumi from "@pulumi/pulumi";
import { WelkinFluxConfig } from "../config";
import { kubeObjectResource, objectResourceName } from "../kubeObjectResource";
import { welkinFluxRoles } from "../render/welkinRoles";

export function createFluxRoles(name: string, config: WelkinFluxConfig, parent: pulumi.Resource): pulumi.CustomResource[] {
    const resources: pulumi.CustomResource[] = [];
    for (const parentNamespace of config.parentNamespaces) {
        const [role, binding, sourceRole, sourceBinding] = welkinFluxRoles(parentNamespace, config.namespace);
        const r = kubeObjectResource(objectResourceName(name, role, true), role, { parent });
        const s = kubeObjectResource(objectResourceName(name, sourceRole, true), sourceRole, { parent });
        resources.push(
            r,
            kubeObjectResource(objectResourceName(name, binding, true), binding, { parent, dependsOn: [r] }),
            s,
            kubeObjectResource(objectResourceName(name, sourceBinding, true), sourceBinding, { parent, dependsOn: [s] }),
        );
    }
    return resources;
}
