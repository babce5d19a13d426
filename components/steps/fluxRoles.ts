// Step 4: Welkin's Flux Roles in each parent namespace; HNC propagates them to flux-system.
import * as pulumi from "@pulumi/pulumi";
import { WelkinFluxConfig } from "../config";
import { ChildOptions, childOptions } from "./childOptions";
import { kubeObjectResource, objectResourceName } from "../kubeObjectResource";
import { welkinFluxRoles } from "../render/welkinRoles";

export function createFluxRoles(name: string, config: WelkinFluxConfig, base: ChildOptions): pulumi.CustomResource[] {
    const resources: pulumi.CustomResource[] = [];
    for (const parentNamespace of config.parentNamespaces) {
        const [role, binding, sourceRole, sourceBinding] = welkinFluxRoles(parentNamespace, config.namespace);
        const r = kubeObjectResource(objectResourceName(name, role, true), role, childOptions(base));
        const s = kubeObjectResource(objectResourceName(name, sourceRole, true), sourceRole, childOptions(base));
        resources.push(
            r,
            kubeObjectResource(objectResourceName(name, binding, true), binding, childOptions(base, r)),
            s,
            kubeObjectResource(objectResourceName(name, sourceBinding, true), sourceBinding, childOptions(base, s)),
        );
    }
    return resources;
}
