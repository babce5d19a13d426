// Where Flux lives and where it may deploy (docs/ARCHITECTURE.md steps 3–5): the HNC parent of
// flux-system, the extra parents that get the Roles and the admin delegation, and the one allowed
// namespace.
import { DEFAULT_PARENT_NAMESPACE, FLUX_NAMESPACE } from "./defaults";
import { namespaceNameProblems, q } from "./fieldProblems";
import { Resolved } from "./resolved";

export interface NamespacesConfig {
    /** The anchor's parent. */
    parentNamespace: string;
    /** `parentNamespace` followed by the extra parents: each gets the Roles and the admin delegation. */
    parentNamespaces: string[];
    namespace: typeof FLUX_NAMESPACE;
}

function duplicateProblems(parentNamespace: string, extraParents: unknown[]): string[] {
    const problems: string[] = [];
    const seen = new Set<unknown>([parentNamespace]);
    for (const ns of extraParents) {
        if (seen.has(ns)) {
            problems.push(
                `extraParentNamespaces lists ${q(ns)} ${ns === parentNamespace ? "which is already parentNamespace" : "twice"}: ` +
                    `each parent namespace gets its Roles and delegation once; remove the duplicate.`,
            );
        }
        seen.add(ns);
    }
    return problems;
}

export function resolveNamespaces(parentArg: unknown, extraArg: unknown, namespaceArg: unknown): Resolved<NamespacesConfig> {
    const problems: string[] = [];
    const parentNamespace = (parentArg ?? DEFAULT_PARENT_NAMESPACE) as string;
    problems.push(...namespaceNameProblems("parentNamespace", parentNamespace));
    let extraParents: string[] = [];
    if (extraArg !== undefined && !Array.isArray(extraArg)) {
        problems.push(`extraParentNamespaces must be a list of namespace names; got ${q(extraArg)}.`);
    } else if (extraArg !== undefined) {
        extraParents = extraArg as string[];
        extraParents.forEach((ns, i) => problems.push(...namespaceNameProblems(`extraParentNamespaces[${i}]`, ns)));
        problems.push(...duplicateProblems(parentNamespace, extraParents));
    }
    const fields: [string, unknown][] = [["parentNamespace", parentNamespace], ...extraParents.map((ns, i): [string, unknown] => [`extraParentNamespaces[${i}]`, ns])];
    for (const [field, ns] of fields) {
        if (ns === FLUX_NAMESPACE) {
            problems.push(`${field} cannot be "${FLUX_NAMESPACE}": that is the namespace the component creates under the parent (e.g. "production").`);
        }
    }
    if (namespaceArg !== undefined && namespaceArg !== FLUX_NAMESPACE) {
        problems.push(
            `namespace ${q(namespaceArg)} is not supported: Welkin binds its Flux ClusterRole "crd-controller" to the ` +
                `controllers' ServiceAccounts in "${FLUX_NAMESPACE}" only, so Flux must live there. Remove namespace (or set "${FLUX_NAMESPACE}").`,
        );
    }
    return { value: { parentNamespace, parentNamespaces: [parentNamespace, ...extraParents], namespace: FLUX_NAMESPACE }, problems };
}
