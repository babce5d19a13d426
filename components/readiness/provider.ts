// The dynamic provider behind FluxControllersReadiness. The kubernetes provider waits for each
// controller's Deployment within readinessTimeout, but when the time is up it says only
// "Minimum number of live Pods was not attained": why the pods never became ready (no node
// accepts them, an image that cannot be pulled, a container that crashes, pods the ReplicaSet
// could not create) is in pod conditions and statuses nobody reads. Beside those waits, this
// watches the same Deployments and, a few seconds before the bound, fails naming the reason of
// each one that is not available. It acts when the Deployments are created or their pod
// templates change. Node built-ins only (see kube/client.ts).
import type * as pulumi from "@pulumi/pulumi";
import { connect } from "../kube/access";
import { kubeRequest } from "../kube/client";
import { ClusterProps, connectInCheck, diffStoringAccess, pollUntil, Sleep, storeNews } from "../kube/clusterProvider";
import { KubeConnection } from "../kube/connection";

export interface ReadinessProps extends ClusterProps {
    namespace: string;
    /** The controllers' Deployments with their pod templates (a change of template is a rollout to watch). */
    deployments: { name: string; template: unknown }[];
    /** How long to watch: a few seconds less than the kubernetes provider's own bound. */
    timeoutSeconds: number;
    /** The readinessTimeout setting, for the message. */
    readinessTimeout: string;
    /** Each Deployment's metadata.generation when it was last seen ready (outputs only). */
    generations?: Record<string, number>;
}

interface LiveDeployment {
    metadata: { name: string; generation?: number };
    spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
    status?: {
        observedGeneration?: number;
        updatedReplicas?: number;
        availableReplicas?: number;
        conditions?: { type: string; status: string; reason?: string; message?: string }[];
    };
}

interface LivePod {
    metadata: { name: string };
    status?: {
        conditions?: { type: string; status: string; reason?: string; message?: string }[];
        containerStatuses?: { name: string; state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; exitCode?: number } }; restartCount?: number }[];
    };
}

const deploymentsPath = (ns: string, name: string) => `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/deployments/${encodeURIComponent(name)}`;

/** The Deployment, or undefined while it does not exist. */
async function liveDeployment(conn: KubeConnection, ns: string, name: string): Promise<LiveDeployment | undefined> {
    const res = await kubeRequest(conn, "GET", deploymentsPath(ns, name));
    return res.status === 200 ? (res.body as LiveDeployment) : undefined;
}

/**
 * How long an update first waits for a Deployment's new spec (a generation past the one last seen
 * ready): the kubernetes provider applies it at the same moment, or Flux already did. A change of
 * template that leaves the applied spec as it was would never get one, hence the limit.
 */
const NEW_SPEC_GRACE_MS = 20_000;

/** Rolled out and available: the controller observed the spec (newer than `since`, if given), and every replica is updated and available. */
export function rolledOut(d: LiveDeployment | undefined, since: number | undefined): boolean {
    if (d === undefined) {
        return false;
    }
    const generation = d.metadata.generation ?? 0;
    const replicas = d.spec?.replicas ?? 1;
    const s = d.status ?? {};
    return (since === undefined || generation > since) && (s.observedGeneration ?? 0) >= generation && (s.updatedReplicas ?? 0) >= replicas && (s.availableReplicas ?? 0) >= replicas;
}

/** Why the pods of one Deployment are not available, from its conditions and its pods. */
export function reasonsOf(d: LiveDeployment | undefined, pods: LivePod[]): string[] {
    if (d === undefined) {
        return ["the Deployment does not exist (its creation failed or never started: see the kubernetes provider's error)"];
    }
    const reasons: string[] = [];
    for (const c of d.status?.conditions ?? []) {
        if ((c.type === "ReplicaFailure" && c.status === "True") || (c.type === "Progressing" && c.status === "False")) {
            reasons.push(`${c.reason ?? c.type}: ${c.message ?? ""}`.trim());
        }
    }
    for (const pod of pods) {
        const unscheduled = (pod.status?.conditions ?? []).find((c) => c.type === "PodScheduled" && c.status === "False");
        if (unscheduled !== undefined) {
            reasons.push(`pod ${pod.metadata.name} cannot be scheduled (${unscheduled.reason ?? "Unschedulable"}): ${unscheduled.message ?? ""}`.trim());
        }
        for (const cs of pod.status?.containerStatuses ?? []) {
            const waiting = cs.state?.waiting;
            if (waiting?.reason !== undefined && waiting.reason !== "ContainerCreating") {
                reasons.push(`pod ${pod.metadata.name}, container ${cs.name}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}`);
            }
            const terminated = cs.state?.terminated;
            if (terminated !== undefined) {
                reasons.push(`pod ${pod.metadata.name}, container ${cs.name}: terminated (${terminated.reason ?? "exit"} ${terminated.exitCode ?? ""}), ${cs.restartCount ?? 0} restarts`.trim());
            }
        }
    }
    return reasons.length > 0 ? reasons : ["its pods are not ready yet (they may still be pulling their images)"];
}

async function podsOf(conn: KubeConnection, ns: string, d: LiveDeployment | undefined): Promise<LivePod[]> {
    const labels = d?.spec?.selector?.matchLabels;
    if (labels === undefined) {
        return [];
    }
    const selector = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",");
    const res = await kubeRequest(conn, "GET", `/api/v1/namespaces/${encodeURIComponent(ns)}/pods?labelSelector=${encodeURIComponent(selector)}`);
    return res.status === 200 ? ((res.body as { items?: LivePod[] }).items ?? []) : [];
}

/**
 * Waits until every Deployment has rolled out (past `since`, its generations when last ready) or
 * the time is up; returns the generations, or throws naming why each one that is not is not.
 */
export async function awaitControllers(p: ReadinessProps, since: Record<string, number> | undefined, wait?: Sleep): Promise<Record<string, number>> {
    const conn = connect(p.access);
    const started = Date.now();
    const sinceOf = (name: string) => (Date.now() - started < NEW_SPEC_GRACE_MS ? since?.[name] : undefined);
    const probe = () => Promise.all(p.deployments.map((d) => liveDeployment(conn, p.namespace, d.name)));
    const ready = (live: (LiveDeployment | undefined)[]) => live.every((d, i) => rolledOut(d, sinceOf(p.deployments[i].name)));
    const { answer, done } = await pollUntil(probe, ready, { timeoutMs: p.timeoutSeconds * 1000, intervalMs: 2000, wait });
    if (!done) {
        const lines: string[] = [];
        for (const [i, d] of answer.entries()) {
            if (!rolledOut(d, undefined)) {
                const reasons = reasonsOf(d, await podsOf(conn, p.namespace, d));
                lines.push(`  - Deployment ${p.namespace}/${p.deployments[i].name}: ${reasons.join("; ")}`);
            }
        }
        throw new Error(
            `Flux's controllers did not become available within readinessTimeout (${p.readinessTimeout}):\n${lines.join("\n")}\n` +
                "Fix the cause and run `pulumi up` again; where images only pull slowly, raise readinessTimeout.",
        );
    }
    return Object.fromEntries(answer.map((d, i) => [p.deployments[i].name, d?.metadata.generation ?? 0]));
}

const templatesChanged = (olds: ReadinessProps, news: ReadinessProps) =>
    olds.namespace !== news.namespace || JSON.stringify(olds.deployments) !== JSON.stringify(news.deployments);

/** `wait` is a test seam. */
export function makeReadinessProvider(wait?: Sleep): pulumi.dynamic.ResourceProvider {
    return {
        async check(_olds: ReadinessProps, news: ReadinessProps) {
            const connected = connectInCheck(news.access, (message) => `Flux controllers' readiness: ${message}`);
            return { inputs: news, failures: "failure" in connected ? [connected.failure] : [] };
        },

        async diff(_id: string, olds: ReadinessProps, news: ReadinessProps) {
            const own = templatesChanged(olds, news) || olds.timeoutSeconds !== news.timeoutSeconds || olds.readinessTimeout !== news.readinessTimeout;
            return diffStoringAccess({ ...olds, generations: undefined } as ReadinessProps, news, { changed: own });
        },

        async create(inputs: ReadinessProps) {
            return { id: "flux-controllers-readiness", outs: { ...inputs, generations: await awaitControllers(inputs, undefined, wait) } };
        },

        async update(id: string, olds: ReadinessProps, news: ReadinessProps) {
            if (!templatesChanged(olds, news)) {
                return storeNews(id, olds, { ...news, generations: olds.generations });
            }
            return { outs: { ...news, generations: await awaitControllers(news, olds.generations, wait) } };
        },
    };
}

export const readinessProvider = makeReadinessProvider();
