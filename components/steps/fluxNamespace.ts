// Step 3: flux-system as an HNC subnamespace of the parent. Application developers cannot
// create Namespaces on Welkin, but may create SubnamespaceAnchors in their namespaces.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { WelkinFluxConfig } from "../config";
import { ChildOptions, childOptions } from "./childOptions";

/** The anchor's status.status once HNC has created the namespace (others: Missing, Conflict, Forbidden). */
export const ANCHOR_READY_STATUS = "Ok";

/**
 * Names the WelkinFlux an anchor belongs to, so that another one (another stack, or another
 * component in this one) meeting it in the preflight can say whose it is. flux-system and the Flux
 * CRDs exist once per cluster: one WelkinFlux per cluster.
 */
export const ANCHOR_OWNER_ANNOTATION = "welkin-flux/owner";

/** `<project>/<stack>/<component name>`: the WelkinFlux the anchor belongs to. */
export function anchorOwner(componentName: string): string {
    return `${pulumi.getProject()}/${pulumi.getStack()}/${componentName}`;
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

export function createFluxNamespace(name: string, config: WelkinFluxConfig, base: ChildOptions): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(`${name}-anchor`, subnamespaceAnchorObject(config.parentNamespace, config.namespace, anchorOwner(name)), childOptions(base));
}

/**
 * A value for the objects that live in flux-system, known only once the anchor exists. The
 * kubernetes provider checks planned creates with a server-side dry run, except those with inputs
 * not known yet at preview. On the preview that creates the anchor, flux-system does not exist yet
 * and Welkin's RBAC answers Forbidden (after retries) for everything in it; a field whose value
 * comes through the anchor's ID skips those dry runs exactly then, and the server checks them on
 * every later preview. The value itself is unchanged. (Not the namespace: the provider replaces an
 * unknown namespace with its default one.)
 */
export function afterAnchor<T>(anchor: pulumi.CustomResource, value: T): pulumi.Output<T> {
    return anchor.id.apply(() => value);
}
