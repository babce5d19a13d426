// The dynamic provider behind FluxObjectsTeardown. Flux puts a finalizer on each of its objects,
// and only its running controllers remove it. Objects the component did not create (a tenant's
// Kustomizations, a HelmRelease someone applied) would outlive the controllers on `destroy`:
// flux-system would hang in Terminating and the CRDs could never be deleted. This resource is
// deleted first on destroy, while the controllers still run. Like `flux uninstall`, it leaves
// what Flux applied in place: each object is suspended, then deleted, so its controller removes
// the finalizer without pruning (kustomize-controller) or uninstalling (helm-controller). Where no
// controller does within the timeout (none left, or a stuck finalizer) it removes the finalizers
// itself, so destroy always completes. The component's own GitRepository and Kustomization are
// suspended before anything else is deleted: unsuspended, deleting the Kustomization would prune
// what it applied — the controllers' own Deployments among it — and kustomize-controller, stopped
// by that prune, could leave its finalizer behind (seen on the sandbox: destroy hung until the
// finalizer was removed). They go with the rest, by a plain delete: the engine's own delete
// after this one then finds them gone. Its delete asks the garbage collector to delete them in the
// foreground, which for a kind whose CRD is younger than the collector's 30 s resync waits for
// that resync (seen on the sandbox: 7-23 s for the GitRepository of a stack destroyed right after
// its first up).
// Node built-ins only (see kube/client.ts).
import type * as pulumi from "@pulumi/pulumi";
import { connect } from "../kube/access";
import { kubeErrorMessage, kubeRequest } from "../kube/client";
import { ClusterProps, connectInCheck, diffStoringAccess, pollUntil, Sleep, storeNews } from "../kube/clusterProvider";
import { KubeConnection } from "../kube/connection";

/** A namespaced Flux kind, as its CRD serves it. */
export interface FluxKind {
    group: string;
    version: string;
    plural: string;
}

/** One of the component's own sync objects: suspended before anything is deleted. */
export interface OwnSyncObject {
    plural: string;
    namespace: string;
    name: string;
}

export interface TeardownProps extends ClusterProps {
    kinds: FluxKind[];
    own: OwnSyncObject[];
    /** How long the controllers get to finalize before the finalizers are removed. */
    timeoutSeconds: number;
}

interface ObjectRef {
    kind: FluxKind;
    namespace: string;
    name: string;
    finalizers: string[];
}

const MERGE_PATCH = "application/merge-patch+json";
const SUSPEND = { spec: { suspend: true } };

function objectPath(r: ObjectRef): string {
    return `/apis/${r.kind.group}/${r.kind.version}/namespaces/${encodeURIComponent(r.namespace)}/${r.kind.plural}/${encodeURIComponent(r.name)}`;
}

/** The objects of one kind, in all namespaces; a kind whose CRD is gone has none. */
async function objectsOf(conn: KubeConnection, kind: FluxKind): Promise<ObjectRef[]> {
    const res = await kubeRequest(conn, "GET", `/apis/${kind.group}/${kind.version}/${kind.plural}`);
    if (res.status === 404) {
        return [];
    }
    if (res.status !== 200) {
        throw new Error(`cannot list ${kind.plural}.${kind.group} to remove Flux's objects before its controllers: ${kubeErrorMessage(res)}`);
    }
    const items = (res.body as { items?: { metadata: { namespace: string; name: string; finalizers?: string[] } }[] }).items ?? [];
    return items.map(({ metadata: m }) => ({ kind, namespace: m.namespace, name: m.name, finalizers: m.finalizers ?? [] }));
}

/**
 * Every object of the kinds. Listed all at once: the API server answers the first list of a kind
 * whose CRD is new with 429 and `Retry-After: 1` while its watch cache starts, which one kind
 * after another made 1 s each (seen on the sandbox: 4 s of a destroy right after the first up).
 */
async function remaining(conn: KubeConnection, p: TeardownProps): Promise<ObjectRef[]> {
    return (await Promise.all(p.kinds.map((kind) => objectsOf(conn, kind)))).flat();
}

async function expectOk(what: string, res: { status: number; body: unknown }): Promise<void> {
    if (res.status >= 300 && res.status !== 404) {
        throw new Error(`${what}: ${kubeErrorMessage(res)}`);
    }
}

/** Deletes, waits for the controllers, then clears what they left; returns what had to be cleared. */
export async function tearDownFluxObjects(p: TeardownProps, wait?: Sleep): Promise<string[]> {
    const conn = connect(p.access);
    for (const k of p.own ?? []) {
        const kind = p.kinds.find((x) => x.plural === k.plural);
        if (kind !== undefined) {
            const ref: ObjectRef = { kind, namespace: k.namespace, name: k.name, finalizers: [] };
            await expectOk(`cannot suspend ${k.plural}/${k.name} in ${k.namespace}`, await kubeRequest(conn, "PATCH", objectPath(ref), SUSPEND, MERGE_PATCH));
        }
    }
    for (const r of await remaining(conn, p)) {
        // A kind without spec.suspend drops the field (structural schema): harmless.
        const suspend = await kubeRequest(conn, "PATCH", objectPath(r), SUSPEND, MERGE_PATCH);
        await expectOk(`cannot suspend ${r.kind.plural}/${r.name} in ${r.namespace}`, suspend);
        await expectOk(`cannot delete ${r.kind.plural}/${r.name} in ${r.namespace}`, await kubeRequest(conn, "DELETE", objectPath(r)));
    }
    const left = (await pollUntil(() => remaining(conn, p), (objects) => objects.length === 0, { timeoutMs: p.timeoutSeconds * 1000, intervalMs: 1000, wait })).answer;
    for (const r of left.filter((o) => o.finalizers.length > 0)) {
        // Same verbs as the delete (Welkin's flux-admin grants all on Flux's kinds).
        const res = await kubeRequest(conn, "PATCH", objectPath(r), { metadata: { finalizers: null } }, MERGE_PATCH);
        await expectOk(`cannot remove the finalizers of ${r.kind.plural}/${r.name} in ${r.namespace}`, res);
    }
    return left.map((r) => `${r.kind.plural}/${r.namespace}/${r.name}`);
}

export const teardownProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: TeardownProps, news: TeardownProps) {
        const connected = connectInCheck(news.access, (message) => `Flux objects teardown: ${message}`);
        return { inputs: news, failures: "failure" in connected ? [connected.failure] : [] };
    },

    async diff(_id: string, olds: TeardownProps, news: TeardownProps) {
        // Nothing in the cluster changes; the update stores what a later destroy needs (new kinds,
        // new credentials) so it never runs with stale ones.
        return diffStoringAccess(olds, news, { changed: JSON.stringify(olds) !== JSON.stringify(news) });
    },

    async create(inputs: TeardownProps) {
        return { id: "flux-objects", outs: inputs };
    },

    update: storeNews,

    async delete(_id: string, props: TeardownProps) {
        await tearDownFluxObjects(props);
    },
};
