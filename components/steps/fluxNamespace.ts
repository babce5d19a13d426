// Step 3: flux-system as an HNC subnamespace of the parent. Application developers cannot
// create Namespaces on Welkin, but may create SubnamespaceAnchors in their namespaces.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { awaitedChildOptions, StepContext } from "../context/stepContext";

/** The anchor's status.status once HNC has created the namespace (others: Missing, Conflict, Forbidden). */
const ANCHOR_READY_STATUS = "Ok";

/**
 * Names the WelkinFlux an anchor belongs to, so that another one (another stack, or another
 * component in this one) meeting it in the preflight can say whose it is. flux-system and the Flux
 * CRDs exist once per cluster: one WelkinFlux per cluster.
 */
export const ANCHOR_OWNER_ANNOTATION = "welkin-flux/owner";

/** `<project>/<stack>/<component name>`: the WelkinFlux the anchor belongs to. */
export function anchorOwnerOf(project: string, stack: string, componentName: string): string {
    return `${project}/${stack}/${componentName}`;
}

/** The owner for a WelkinFlux of the running program. */
export function anchorOwner(componentName: string): string {
    return anchorOwnerOf(pulumi.getProject(), pulumi.getStack(), componentName);
}

export function subnamespaceAnchorObject(parentNamespace: string, namespace: string, owner: string) {
    return {
        apiVersion: "hnc.x-k8s.io/v1alpha2",
        kind: "SubnamespaceAnchor",
        metadata: {
            name: namespace,
            namespace: parentNamespace,
            annotations: {
                // The namespace exists only once HNC reports Ok; everything in it waits for this resource.
                "pulumi.com/waitFor": `jsonpath={.status.status}=${ANCHOR_READY_STATUS}`,
                [ANCHOR_OWNER_ANNOTATION]: owner,
            },
        },
    };
}

/** The anchor: everything in flux-system depends on it, and takes a value through it (kube/knownAfter.ts). */
export function createFluxNamespace(ctx: StepContext): { anchor: k8s.apiextensions.CustomResource } {
    const { name, config } = ctx;
    const anchor = new k8s.apiextensions.CustomResource(`${name}-anchor`, subnamespaceAnchorObject(config.parentNamespace, config.namespace, anchorOwner(name)), awaitedChildOptions(ctx));
    return { anchor };
}
