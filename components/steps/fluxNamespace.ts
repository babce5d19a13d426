// Step 3: flux-system as an HNC subnamespace of the parent. Application developers cannot
// create Namespaces on Welkin, but may create SubnamespaceAnchors in their namespaces.
import * as k8s from "@pulumi/kubernetes";
import { WelkinFluxConfig } from "../config";
import { ChildOptions, childOptions } from "./childOptions";

/** The anchor's status.status once HNC has created the namespace (others: Missing, Conflict, Forbidden). */
export const ANCHOR_READY_STATUS = "Ok";

export function subnamespaceAnchorObject(parentNamespace: string, namespace: string) {
    return {
        apiVersion: "hnc.x-k8s.io/v1alpha2",
        kind: "SubnamespaceAnchor",
        metadata: {
            name: namespace,
            namespace: parentNamespace,
            annotations: {
                // The namespace exists only once HNC reports Ok; everything in it waits for this resource.
                "pulumi.com/waitFor": `jsonpath={.status.status}=${ANCHOR_READY_STATUS}`,
            },
        },
    };
}

export function createFluxNamespace(name: string, config: WelkinFluxConfig, base: ChildOptions): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(`${name}-anchor`, subnamespaceAnchorObject(config.parentNamespace, config.namespace), childOptions(base));
}
