// The provider side of a dynamic resource that acts on the cluster as the caller
// (clusterResource.ts): what the preflight, admin delegation, CRD storage and teardown providers
// do the same way. Serialized into the state with them, so Node built-ins only (see client.ts).
import type * as pulumi from "@pulumi/pulumi";
import { connect, KubeAccess } from "./access";
import { KubeConnection } from "./connection";

/** What every cluster resource's provider is given: its own props, and how to reach the cluster. */
export interface ClusterProps {
    /** Resolved into a connection only when the provider acts (access.ts). */
    access: KubeAccess;
}

/**
 * The connection for `access`, or why there is none as a check failure: phrased by `explain`,
 * with no property, since the engine would print the (secret) inputs before the reason. At
 * preview, a missing or broken kubeconfig stops here, before anything is created.
 */
export function connectInCheck(access: KubeAccess, explain: (message: string) => string): { conn: KubeConnection } | { failure: pulumi.dynamic.CheckFailure } {
    try {
        return { conn: connect(access) };
    } catch (e) {
        return { failure: { property: "", reason: explain((e as Error).message) } };
    }
}

/**
 * The diff of a cluster resource: `own` (its own changes and replacements), or new access alone.
 * New access (a rotated token, another kubeconfig) changes nothing in the cluster, but delete and
 * refresh get only the stored props: an update that writes nothing (storeNews) stores it, so a
 * later destroy never runs with revoked credentials.
 */
export function diffStoringAccess(olds: ClusterProps, news: ClusterProps, own: { changed: boolean; replaces?: string[] }): pulumi.dynamic.DiffResult {
    const replaces = own.replaces ?? [];
    const accessChanged = JSON.stringify(olds.access ?? {}) !== JSON.stringify(news.access ?? {});
    return { changes: replaces.length > 0 || own.changed || accessChanged, replaces, deleteBeforeReplace: false };
}

/** An update with nothing to do in the cluster: the new props become the stored outputs. */
export async function storeNews<P>(_id: string, _olds: P, news: P): Promise<{ outs: P }> {
    return { outs: news };
}

export type Sleep = (ms: number) => Promise<void>;

const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Asks `probe` every `intervalMs` until `done` accepts its answer or `timeoutMs` have passed:
 * the last answer, and whether it was accepted. `wait` is a test seam.
 */
export async function pollUntil<T>(
    probe: () => Promise<T>,
    done: (answer: T) => boolean,
    timing: { timeoutMs: number; intervalMs: number; wait?: Sleep },
): Promise<{ answer: T; done: boolean }> {
    const deadline = Date.now() + timing.timeoutMs;
    for (;;) {
        const answer = await probe();
        if (done(answer)) {
            return { answer, done: true };
        }
        if (Date.now() >= deadline) {
            return { answer, done: false };
        }
        await (timing.wait ?? sleep)(timing.intervalMs);
    }
}
