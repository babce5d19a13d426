// The dynamic provider behind FluxPodAdmission. A Deployment whose pods the cluster refuses
// (its ServiceAccount gone, an admission policy, a quota) never becomes available, and the
// kubernetes provider's wait says only "Minimum number of live Pods was not attained": the
// refusal is an event on a ReplicaSet nobody looks at. Before the Deployments are applied, this
// asks the API server to admit one pod of each with a server-side dry run (the same
// authentication, admission plugins and webhooks a real pod meets, nothing stored), and fails
// with the API server's own reason and what to do. It runs when the Deployments are created or
// their pod templates change. Node built-ins only (see kube/client.ts).
import type * as pulumi from "@pulumi/pulumi";
import { connect } from "../kube/access";
import { kubeErrorMessage, kubeRequest } from "../kube/client";
import { ClusterProps, connectInCheck, diffStoringAccess, storeNews } from "../kube/clusterProvider";
import { KubeConnection } from "../kube/connection";

/** One Deployment's pod template, as the install applies it. */
export interface ControllerPod {
    deployment: string;
    template: { metadata?: Record<string, unknown>; spec?: Record<string, unknown> };
}

export interface PodAdmissionProps extends ClusterProps {
    namespace: string;
    pods: ControllerPod[];
}

/** What to do about a refusal, by what the API server said; undefined when its message says it all. */
export function refusalAdvice(message: string): string | undefined {
    if (/service ?account .* not found/i.test(message)) {
        return (
            "its ServiceAccount is not in the cluster. If it is one of Flux's, the stack's state holds it though the cluster does not " +
            "(a run was interrupted, or someone deleted it): recover as the README says under \"Recovering from an interrupted run\" " +
            "(`pulumi up --refresh`). If a patch names it, create it or fix the patch."
        );
    }
    if (/admission webhook .* denied|validation\.gatekeeper\.sh/i.test(message)) {
        return "the cluster's admission policies refuse it: change the patch that causes it (`patches`), or ask the platform administrator to allow it.";
    }
    if (/exceeded quota/i.test(message)) {
        return "the namespace's ResourceQuota has no room for it: ask the platform administrator for more, or lower the controllers' requests with a patch.";
    }
    return undefined;
}

/** RBAC refuses the dry run itself: the question cannot be asked, so the Deployment's own wait is all there is. */
function cannotAsk(res: Awaited<ReturnType<typeof kubeRequest>>): boolean {
    return res.status === 403 && /cannot create resource "pods"/.test(kubeErrorMessage(res));
}

async function admitOne(conn: KubeConnection, namespace: string, pod: ControllerPod): Promise<string | undefined> {
    const body = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { ...(pod.template.metadata ?? {}), generateName: `${pod.deployment}-`, namespace },
        spec: pod.template.spec ?? {},
    };
    const res = await kubeRequest(conn, "POST", `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?dryRun=All`, body);
    if ((res.status >= 200 && res.status < 300) || cannotAsk(res)) {
        return undefined;
    }
    const message = kubeErrorMessage(res);
    const advice = refusalAdvice(message);
    return `the pods of Deployment ${namespace}/${pod.deployment} would be refused (${message})${advice === undefined ? "" : `: ${advice}`}`;
}

/** Every refusal, one line a Deployment; throws when there is any. */
export async function checkPodAdmission(p: PodAdmissionProps): Promise<void> {
    const conn = connect(p.access);
    const refusals: string[] = [];
    for (const pod of p.pods) {
        const refused = await admitOne(conn, p.namespace, pod);
        if (refused !== undefined) {
            refusals.push(refused);
        }
    }
    if (refusals.length > 0) {
        throw new Error(`Flux's controllers cannot start; nothing of them was applied:\n${refusals.map((r) => `  - ${r}`).join("\n")}`);
    }
}

export const podAdmissionProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: PodAdmissionProps, news: PodAdmissionProps) {
        const connected = connectInCheck(news.access, (message) => `Flux pod admission: ${message}`);
        return { inputs: news, failures: "failure" in connected ? [connected.failure] : [] };
    },

    async diff(_id: string, olds: PodAdmissionProps, news: PodAdmissionProps) {
        const changed = olds.namespace !== news.namespace || JSON.stringify(olds.pods) !== JSON.stringify(news.pods);
        return diffStoringAccess(olds, news, { changed });
    },

    async create(inputs: PodAdmissionProps) {
        await checkPodAdmission(inputs);
        return { id: "flux-pod-admission", outs: inputs };
    },

    async update(id: string, olds: PodAdmissionProps, news: PodAdmissionProps) {
        if (olds.namespace !== news.namespace || JSON.stringify(olds.pods) !== JSON.stringify(news.pods)) {
            await checkPodAdmission(news);
        }
        return storeNews(id, olds, news);
    },
};
