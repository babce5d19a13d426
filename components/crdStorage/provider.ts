// The dynamic provider behind FluxCrdStorage: what a change of Flux version does to the installed
// CRDs, decided before anything changes. A newer Flux may no longer serve an API version the
// installed CRD stored (v2.9.4 drops v1beta2 of buckets, helmcharts, ...). The API server refuses
// to update such a CRD while its status.storedVersions lists that version, and Welkin grants no
// customresourcedefinitions/status, so an application developer cannot move storedVersions.
// Deleting the CRD and creating it again is allowed — but deletes every object of its kind. So:
//   - check() (preview and up) reads each installed CRD; where no object of its kind exists it
//     plans to replace it (`replaceCrds`, shown in the preview's diff); where objects exist it
//     fails naming the CRDs, the counts and the platform administrator's step; a downgrade fails.
//   - create() (the resource is replaced whenever fluxVersion changes) deletes the planned CRDs,
//     after counting again, and creates each anew by server-side apply under the kubernetes
//     provider's own field manager (read from the old CRD), so the provider's update that
//     follows finds the object it owns. (The provider's update does not create a missing object:
//     tried, "customresourcedefinitions ... not found".)
// The CRDs create() may create again come packed (plannedCrds in resource.ts): their JSON text
// gzipped, in base64, with its sha256. The inputs in the state keep that; the outputs keep no
// manifest at all, since nothing after create() reads one (there is no read or delete).
// Node built-ins only (see kube/client.ts).
import type * as pulumi from "@pulumi/pulumi";
import { connect } from "../kube/access";
import { kubeErrorMessage, kubeRequest } from "../kube/client";
import { ClusterProps, diffStoringAccess, pollUntil, Sleep, storeNews } from "../kube/clusterProvider";
import { KubeConnection } from "../kube/connection";
import type { CrdShape } from "../kube/crd";
import { unpackText } from "../state/packedText";

/** A CRD of the new version: its names and the versions it serves (kube/crd.ts), and maybe itself. */
export interface PlannedCrd extends Pick<CrdShape, "name" | "group" | "plural" | "kind" | "versions"> {
    /**
     * The new CRD itself, for the CRDs a change to this version may have to replace (those that
     * do not serve a version another bundled release stores), for create() to create it again:
     * its JSON text, gzipped and in base64. Read through plannedManifest().
     */
    manifestGzip?: string;
    /** The sha256 (hex) of that JSON text; kept in the outputs, where manifestGzip is not. */
    manifestSha256?: string;
}

export interface CrdStorageProps extends ClusterProps {
    fluxVersion: string;
    crds: PlannedCrd[];
    /** Filled in by check(): installed CRDs to delete and create again (no object of their kind exists). */
    replaceCrds?: string[];
}

/** An installed CRD that the new one cannot update in place. */
interface StaleCrd {
    crd: PlannedCrd;
    /** Stored versions the new CRD no longer serves. */
    gone: string[];
    /** Objects of its kind in the cluster (at least this many). */
    objects: number;
}

/** The planned CRD's manifest, unpacked and checked against its sha256; undefined when none was planned. */
export function plannedManifest(crd: PlannedCrd): Record<string, unknown> | undefined {
    if (crd.manifestGzip === undefined) {
        return undefined;
    }
    const u = unpackText(crd.manifestGzip, crd.manifestSha256);
    if ("unzipError" in u) {
        throw new Error(`the manifest planned for the CRD ${crd.name} does not unzip: ${u.unzipError}`);
    }
    if ("actualSha256" in u) {
        throw new Error(`the manifest planned for the CRD ${crd.name} does not match its sha256 (${crd.manifestSha256 ?? "none"}; unzipped: ${u.actualSha256})`);
    }
    return JSON.parse(u.text) as Record<string, unknown>;
}

/**
 * The props as the state's outputs keep them: without the packed manifests, which only create()
 * reads, and only from its inputs. A state written before the manifests were packed has
 * `manifest` (the CRD as an object) in its planned CRDs instead; it passes through here as it is.
 */
function storedProps(props: CrdStorageProps): CrdStorageProps {
    return { ...props, crds: props.crds.map(({ manifestGzip: _packed, ...crd }) => crd) };
}

function versionTuple(v: string): number[] {
    return v.replace(/^v/, "").split(".").map((n) => Number(n));
}

/** Negative when a < b. */
export function compareFluxVersions(a: string, b: string): number {
    const [x, y] = [versionTuple(a), versionTuple(b)];
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
        if ((x[i] ?? 0) !== (y[i] ?? 0)) {
            return (x[i] ?? 0) - (y[i] ?? 0);
        }
    }
    return 0;
}

async function countObjects(conn: KubeConnection, crd: PlannedCrd, version: string): Promise<number> {
    const res = await kubeRequest(conn, "GET", `/apis/${crd.group}/${version}/${crd.plural}?limit=500`);
    if (res.status !== 200) {
        throw new Error(`cannot count the ${crd.kind} objects (${crd.name}): ${kubeErrorMessage(res)}`);
    }
    const body = res.body as { items?: unknown[]; metadata?: { continue?: string } };
    return (body.items ?? []).length;
}

/** The installed CRDs whose status.storedVersions the new ones do not serve, with their object counts. */
async function staleCrds(conn: KubeConnection, crds: PlannedCrd[]): Promise<StaleCrd[]> {
    const stale: StaleCrd[] = [];
    for (const crd of crds) {
        const res = await kubeRequest(conn, "GET", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(crd.name)}`);
        if (res.status === 404) {
            continue;
        }
        if (res.status !== 200) {
            throw new Error(`cannot read the CRD ${crd.name}: ${kubeErrorMessage(res)}`);
        }
        const live = res.body as { spec: { versions: { name: string; served: boolean }[] }; status?: { storedVersions?: string[] } };
        const gone = (live.status?.storedVersions ?? []).filter((v) => !crd.versions.includes(v));
        if (gone.length === 0) {
            continue;
        }
        // Count through a version the installed CRD still serves.
        const served = live.spec.versions.find((v) => v.served)?.name ?? gone[0];
        stale.push({ crd, gone, objects: await countObjects(conn, crd, served) });
    }
    return stale;
}

function refusedUpgradeMessage(fluxVersion: string, blocking: StaleCrd[]): string {
    const lines = blocking.map(
        (s) => `  - ${s.crd.name}: stores ${s.gone.join(", ")}, which Flux ${fluxVersion} no longer serves; ${s.objects >= 500 ? "500 or more" : s.objects} ${s.crd.kind} object(s) exist`,
    );
    return (
        `Flux ${fluxVersion} cannot update ${blocking.length} installed Flux CRD(s) in place, and replacing them would delete their objects; nothing was changed:\n` +
        `${lines.join("\n")}\n` +
        `The API server refuses a CRD whose status.storedVersions lists a version it no longer serves, and Welkin does not let application ` +
        `developers change status.storedVersions. Ask the platform administrator to migrate those objects' storage (Flux's upgrade path: ` +
        `through the Flux minors in between, running \`flux migrate\` as cluster-admin, which rewrites the objects at the newer version and ` +
        `drops the old one from each CRD's status.storedVersions); then run pulumi up again. Or move these objects out first (export, ` +
        `delete), and apply them again after the upgrade.`
    );
}

function downgradeMessage(from: string, to: string): string {
    return (
        `fluxVersion ${to} is older than the installed ${from}: downgrading Flux is refused (the installed CRDs store API versions ` +
        `${to} may not serve, and Flux's objects were written for ${from}). Keep ${from}, or destroy this stack and install ${to} anew.`
    );
}

async function planCrdStorage(props: CrdStorageProps): Promise<{ replaceCrds: string[]; failure?: string }> {
    const stale = await staleCrds(connect(props.access), props.crds);
    const blocking = stale.filter((s) => s.objects > 0);
    if (blocking.length > 0) {
        return { replaceCrds: [], failure: refusedUpgradeMessage(props.fluxVersion, blocking) };
    }
    return { replaceCrds: stale.map((s) => s.crd.name) };
}

/** Deletes the CRDs planned for replacement (counting again first) and waits until they are gone. */
async function replacePlannedCrds(props: CrdStorageProps, wait?: Sleep): Promise<void> {
    const planned = new Set(props.replaceCrds ?? []);
    if (planned.size === 0) {
        return;
    }
    const conn = connect(props.access);
    const stale = (await staleCrds(conn, props.crds)).filter((s) => planned.has(s.crd.name));
    const blocking = stale.filter((s) => s.objects > 0);
    if (blocking.length > 0) {
        // Objects appeared since the preview: never delete them.
        throw new Error(refusedUpgradeMessage(props.fluxVersion, blocking));
    }
    for (const s of stale) {
        const manifest = plannedManifest(s.crd);
        if (manifest === undefined) {
            throw new Error(`the CRD ${s.crd.name} has to be created again for Flux ${props.fluxVersion}, but its manifest was not planned for that`);
        }
        const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(s.crd.name)}`;
        const manager = await applyManager(conn, path);
        const res = await kubeRequest(conn, "DELETE", path);
        if (res.status >= 300 && res.status !== 404) {
            throw new Error(`cannot delete the CRD ${s.crd.name} to create it again for Flux ${props.fluxVersion}: ${kubeErrorMessage(res)}`);
        }
        const gone = await pollUntil(() => kubeRequest(conn, "GET", path), (r) => r.status === 404, { timeoutMs: 60_000, intervalMs: 500, wait });
        if (!gone.done) {
            throw new Error(`the CRD ${s.crd.name} was not gone 60 s after its deletion`);
        }
        const applied = await kubeRequest(conn, "PATCH", `${path}?fieldManager=${encodeURIComponent(manager)}&force=true`, manifest, "application/apply-patch+yaml");
        if (applied.status >= 300) {
            throw new Error(`deleted the CRD ${s.crd.name}, but cannot create it again (run pulumi up again to retry): ${kubeErrorMessage(applied)}`);
        }
    }
}

/** The field manager that server-side applied the object (the kubernetes provider's). */
async function applyManager(conn: KubeConnection, path: string): Promise<string> {
    const res = await kubeRequest(conn, "GET", path);
    const fields = (res.body as { metadata?: { managedFields?: { manager: string; operation: string }[] } } | undefined)?.metadata?.managedFields ?? [];
    return fields.find((f) => f.operation === "Apply")?.manager ?? "welkin-flux";
}

export const crdStorageProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds: CrdStorageProps, news: CrdStorageProps) {
        const fail = (reason: string) => ({ inputs: news, failures: [{ property: "", reason }] });
        for (const crd of news.crds) {
            try {
                plannedManifest(crd);
            } catch (e) {
                return fail(`Flux CRDs: ${(e as Error).message}. The program packs it (plannedCrds): the cluster has nothing to do with this, and nothing was changed.`);
            }
        }
        if (olds?.fluxVersion !== undefined && compareFluxVersions(news.fluxVersion, olds.fluxVersion) < 0) {
            return fail(downgradeMessage(olds.fluxVersion, news.fluxVersion));
        }
        if (olds?.fluxVersion === news.fluxVersion) {
            // Same version, same CRDs: nothing to plan (and no cluster reads on a no-op preview).
            return { inputs: { ...news, replaceCrds: olds.replaceCrds ?? [] }, failures: [] };
        }
        try {
            const plan = await planCrdStorage(news);
            return plan.failure !== undefined ? fail(plan.failure) : { inputs: { ...news, replaceCrds: plan.replaceCrds }, failures: [] };
        } catch (e) {
            return fail(`Flux CRDs: ${(e as Error).message}`);
        }
    },

    // olds are the stored outputs, which keep no manifestGzip: both sides are compared as outputs,
    // where a changed manifest still shows as its sha256. Outputs that keep the whole CRD
    // (`manifest`, see storedProps) differ from any news: one update, with nothing to do in the
    // cluster, stores them lean.
    async diff(_id: string, olds: CrdStorageProps, news: CrdStorageProps) {
        const versionChanged = olds.fluxVersion !== news.fluxVersion;
        const otherChanged = JSON.stringify({ ...storedProps(olds), fluxVersion: undefined }) !== JSON.stringify({ ...storedProps(news), fluxVersion: undefined });
        return diffStoringAccess(olds, news, { changed: otherChanged, replaces: versionChanged ? ["fluxVersion"] : [] });
    },

    async create(inputs: CrdStorageProps) {
        await replacePlannedCrds(inputs);
        return { id: `flux-crds-${inputs.fluxVersion}`, outs: storedProps(inputs) };
    },

    update: (id: string, olds: CrdStorageProps, news: CrdStorageProps) => storeNews(id, olds, storedProps(news)),
};
