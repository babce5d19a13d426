// Welkin preflight's cluster checks (step 0): the environment problems that otherwise surface as a raw Forbidden halfway
// through an apply, or as pods that never start, asked of the API server before anything is
// changed. Only reads and SelfSubjectAccessReviews: no trial writes.

export interface AccessQuestion {
    verb: string;
    group: string;
    resource: string;
    namespace?: string;
    name?: string;
}

export type Lookup<T> = { found: true; value: T } | { found: false; status: number };

export interface AllowedReposConstraint {
    name: string;
    enforcementAction: string;
    repos: string[];
}

/** What preflight asks of the cluster; the real one speaks to the API server, tests use fakes. */
export interface PreflightApi {
    /** `gitVersion` of GET /version. */
    serverVersion(): Promise<string>;
    namespace(name: string): Promise<Lookup<{ annotations: Record<string, string> }>>;
    /** An HNC SubnamespaceAnchor. */
    anchor(namespace: string, name: string): Promise<Lookup<{ annotations: Record<string, string> }>>;
    roleBinding(namespace: string, name: string): Promise<Lookup<unknown>>;
    /** SelfSubjectAccessReview. */
    can(question: AccessQuestion): Promise<boolean>;
    /** Gatekeeper K8sAllowedRepos constraints; found: false when absent (404) or unreadable (403). */
    allowedReposConstraints(): Promise<Lookup<AllowedReposConstraint[]>>;
}

export interface PreflightPlan {
    fluxVersion: string;
    /** Lowest Kubernetes minor the Flux version supports, e.g. "1.25". */
    kubernetesMin: string;
    parentNamespace: string;
    parentNamespaces: string[];
    fluxNamespace: string;
    /** The WelkinFlux this is (`<project>/<stack>/<name>`), as its anchor's owner annotation names it. */
    owner: string;
    /** The annotation that names an anchor's WelkinFlux. */
    ownerAnnotation: string;
    crdNames: string[];
    /** The CRD names Welkin allows application developers once Flux is enabled (Flux v2.1.2's 13). */
    welkinFluxCrdNames: string[];
    /** Every container image the install applies. */
    images: string[];
    delegationRoleBinding: string;
}

interface PreflightResult {
    failures: string[];
    /** Worth knowing, not blocking (e.g. a registry constraint in warn mode, a check that could not be made). */
    notes: string[];
}

const ASK_ADMIN = "ask the platform administrator";

function minorOf(version: string): [number, number] | undefined {
    const m = /^v?(\d+)\.(\d+)/.exec(version);
    return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * flux-system and the Flux CRDs exist once per cluster. An existing flux-system must be our own
 * anchor's; where another WelkinFlux's anchor made it, say whose (its owner annotation).
 */
async function fluxNamespaceOwner(api: PreflightApi, plan: PreflightPlan, found: Findings): Promise<void> {
    const fluxNs = await api.namespace(plan.fluxNamespace);
    if (!fluxNs.found) {
        return;
    }
    const parentOf = fluxNs.value.annotations["hnc.x-k8s.io/subnamespace-of"];
    if (parentOf === undefined) {
        found.failures.push(`namespace "${plan.fluxNamespace}" already exists outside HNC, so HNC would report the anchor as Conflict: remove it, or ${ASK_ADMIN} to delete it.`);
        return;
    }
    const anchor = await api.anchor(parentOf, plan.fluxNamespace);
    const owner = anchor.found ? anchor.value.annotations[plan.ownerAnnotation] : undefined;
    const whose = owner !== undefined ? `, and it belongs to the WelkinFlux ${owner} (its anchor's ${plan.ownerAnnotation} annotation)` : "";
    const onePerCluster = `One WelkinFlux per cluster: flux-system and the Flux CRDs exist once. Manage Flux from that stack, or destroy it first.`;
    if (parentOf !== plan.parentNamespace) {
        found.failures.push(
            `namespace "${plan.fluxNamespace}" already exists as a subnamespace of "${parentOf}"${whose}, so HNC would report our anchor as Conflict. ` +
                (owner !== undefined ? onePerCluster : `Remove it (or its anchor), or ${ASK_ADMIN} to delete it.`),
        );
        return;
    }
    if (owner !== undefined && owner !== plan.owner) {
        found.failures.push(
            `namespace "${plan.fluxNamespace}" in "${parentOf}" already exists${whose}; this is ${plan.owner}. ${onePerCluster} ` +
                `(If it is this stack under an earlier project, stack or component name, remove the annotation: ` +
                `kubectl annotate subnamespaceanchor ${plan.fluxNamespace} -n ${parentOf} ${plan.ownerAnnotation}-)`,
        );
        return;
    }
    if (!anchor.found && anchor.status !== 404) {
        found.notes.push(`could not read the anchor "${plan.fluxNamespace}" in "${parentOf}" (HTTP ${anchor.status}) to see which WelkinFlux it belongs to.`);
    }
}

/** What the checks found so far; each check adds to it. */
interface Findings extends PreflightResult {
    /** `gitVersion` of the API server, read before any check runs. */
    serverVersion: string;
}

/** One question about the environment, adding what it finds. */
type ClusterCheck = (api: PreflightApi, plan: PreflightPlan, found: Findings) => Promise<void>;

/** Asked in this order; all problems are reported at once. */
const CLUSTER_CHECKS: ClusterCheck[] = [kubernetesVersion, parentNamespace, anchorRight, fluxNamespaceOwner, crdRights, parentNamespaceRights, registryAllowlist];

export async function runPreflight(api: PreflightApi, plan: PreflightPlan): Promise<PreflightResult> {
    let serverVersion: string;
    try {
        serverVersion = await api.serverVersion();
    } catch (e) {
        // Nothing else can be asked; say so once instead of a cascade of failures.
        return {
            failures: [`the Kubernetes API is not reachable (${(e as Error).message}): check the kubeconfig and that you are logged in.`],
            notes: [],
        };
    }
    const found: Findings = { serverVersion, failures: [], notes: [] };
    for (const check of CLUSTER_CHECKS) {
        await check(api, plan, found);
    }
    return { failures: found.failures, notes: found.notes };
}

/** The API server's Kubernetes is one the Flux version supports. */
async function kubernetesVersion(_api: PreflightApi, plan: PreflightPlan, found: Findings): Promise<void> {
    const have = minorOf(found.serverVersion);
    const need = minorOf(plan.kubernetesMin)!;
    if (have === undefined || have[0] < need[0] || (have[0] === need[0] && have[1] < need[1])) {
        found.failures.push(
            `Kubernetes ${found.serverVersion} is older than Flux ${plan.fluxVersion} supports (${plan.kubernetesMin} or newer): ${ASK_ADMIN} when the environment will be upgraded, or use an older Flux.`,
        );
    }
}

/** The parent namespace exists. */
async function parentNamespace(api: PreflightApi, plan: PreflightPlan, found: Findings): Promise<void> {
    const parent = await api.namespace(plan.parentNamespace);
    if (!parent.found && parent.status === 404) {
        found.failures.push(`the parent namespace "${plan.parentNamespace}" does not exist: check parentNamespace, or ${ASK_ADMIN} to add it to the environment's user namespaces.`);
    } else if (!parent.found) {
        found.notes.push(`could not read namespace "${plan.parentNamespace}" (HTTP ${parent.status}); relying on the access review.`);
    }
}

/** The user may create flux-system's anchor (step 3). */
async function anchorRight(api: PreflightApi, plan: PreflightPlan, found: Findings): Promise<void> {
    if (!(await api.can({ verb: "create", group: "hnc.x-k8s.io", resource: "subnamespaceanchors", namespace: plan.parentNamespace }))) {
        found.failures.push(
            `you may not create HNC subnamespace anchors in "${plan.parentNamespace}", so flux-system cannot be created: ${ASK_ADMIN} ` +
                `for the HNC user role in that namespace (Welkin grants it in every user root namespace).`,
        );
    }
}

/** The user may create the Flux CRDs and update each of them (step 2). */
async function crdRights(api: PreflightApi, plan: PreflightPlan, found: Findings): Promise<void> {
    if (!(await api.can({ verb: "create", group: "apiextensions.k8s.io", resource: "customresourcedefinitions" }))) {
        found.failures.push(
            `you may not create CustomResourceDefinitions: ${ASK_ADMIN} to enable Welkin's self-managed cluster resources with Flux ` +
                `(user.fluxv2.enabled and gatekeeper.allowUserCRDs).`,
        );
        return;
    }
    const denied: string[] = [];
    for (const name of plan.crdNames) {
        if (!(await api.can({ verb: "update", group: "apiextensions.k8s.io", resource: "customresourcedefinitions", name }))) {
            denied.push(name);
        }
    }
    found.failures.push(...crdAllowanceFailures(plan, denied));
}

/** extra-workload-admins exists and may be updated (step 5), and the Flux Roles may be created (step 4). */
async function parentNamespaceRights(api: PreflightApi, plan: PreflightPlan, found: Findings): Promise<void> {
    for (const ns of plan.parentNamespaces) {
        const rb = await api.roleBinding(ns, plan.delegationRoleBinding);
        if (!rb.found && rb.status === 404) {
            found.failures.push(
                `RoleBinding "${plan.delegationRoleBinding}" does not exist in "${ns}": Welkin creates it in every user namespace; ` +
                    `${ASK_ADMIN} to create it (RoleBinding to ClusterRole admin), or check the namespace name.`,
            );
            continue;
        }
        if (!(await api.can({ verb: "update", group: "rbac.authorization.k8s.io", resource: "rolebindings", namespace: ns, name: plan.delegationRoleBinding }))) {
            found.failures.push(`you may not update RoleBinding "${plan.delegationRoleBinding}" in "${ns}": ${ASK_ADMIN} to make you an admin of "${ns}".`);
        }
        for (const resource of ["roles", "rolebindings"]) {
            if (!(await api.can({ verb: "create", group: "rbac.authorization.k8s.io", resource, namespace: ns }))) {
                found.failures.push(`you may not create ${resource} in "${ns}" (the Flux Roles go there): ${ASK_ADMIN} to make you an admin of "${ns}".`);
            }
        }
    }
}

/** Gatekeeper's K8sAllowedRepos constraints let the install's images through. */
async function registryAllowlist(api: PreflightApi, plan: PreflightPlan, found: Findings): Promise<void> {
    const constraints = await api.allowedReposConstraints();
    if (!constraints.found) {
        if (constraints.status !== 404) {
            found.notes.push(`could not read the image registry constraints (HTTP ${constraints.status}); registry allowlisting not checked.`);
        }
        return;
    }
    for (const c of constraints.value) {
        const blocked = plan.images.filter((image) => !c.repos.some((r) => image.startsWith(r)));
        if (blocked.length === 0 || c.enforcementAction === "dryrun") {
            continue;
        }
        const message =
            `the registry constraint "${c.name}" (${c.enforcementAction}) allows only ${c.repos.join(", ")}, not ${blocked.join(", ")}: ` +
            `${ASK_ADMIN} to allowlist ghcr.io/fluxcd, or mirror the images and set registry.`;
        (c.enforcementAction === "deny" ? found.failures : found.notes).push(message);
    }
}

/**
 * Welkin lets application developers manage Flux v2.1.2's 13 CRD names once Flux is enabled; a
 * newer Flux's further CRDs need the administrator's `extraCRDs`, which feeds both the RBAC
 * resourceNames and Gatekeeper's allowed list, so the message carries the exact config to add.
 */
function crdAllowanceFailures(plan: PreflightPlan, denied: string[]): string[] {
    const failures: string[] = [];
    const welkins = denied.filter((n) => plan.welkinFluxCrdNames.includes(n));
    const extra = denied.filter((n) => !plan.welkinFluxCrdNames.includes(n));
    if (welkins.length > 0) {
        failures.push(
            `you may not update the Flux CRDs ${welkins.join(", ")}: ${ASK_ADMIN} to enable Flux in Welkin's self-managed cluster ` +
                `resources (it lists the 13 Flux CRD names).`,
        );
    }
    if (extra.length > 0) {
        failures.push(
            `you may not create or update the CRD${extra.length > 1 ? "s" : ""} ${extra.join(", ")}, which Flux ${plan.fluxVersion} adds to the 13 Flux CRDs ` +
                `Welkin allows: ${ASK_ADMIN} to allow ${extra.length > 1 ? "them" : "it"} in the environment's config (it feeds both the RBAC and ` +
                `Gatekeeper's allowed CRDs):\n${extraCrdsSnippet(extra)}\n    or keep fluxVersion v2.1.2.`,
        );
    }
    return failures;
}

/** `gatekeeper.allowUserCRDs.extraCRDs` for the names, one entry per API group. */
function extraCrdsSnippet(names: string[]): string {
    // A CRD's name is <plural>.<group>.
    const groups = new Map<string, string[]>();
    for (const name of names) {
        const group = name.slice(name.indexOf(".") + 1);
        groups.set(group, [...(groups.get(group) ?? []), name]);
    }
    const lines = ["gatekeeper:", "  allowUserCRDs:", "    extraCRDs:"];
    for (const [group, members] of groups) {
        lines.push("      - names:", ...members.map((n) => `          - ${n}`), `        group: ${group}`);
    }
    return lines.map((l) => `      ${l}`).join("\n");
}

export function formatPreflightFailures(where: string, result: PreflightResult): string {
    return (
        `Welkin preflight for ${where} found ${result.failures.length} problem(s); nothing was changed:\n` +
        result.failures.map((f) => `  - ${f}`).join("\n") +
        (result.notes.length > 0 ? `\nNotes:\n${result.notes.map((n) => `  - ${n}`).join("\n")}` : "")
    );
}
