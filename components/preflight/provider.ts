// The preflight runs in a dynamic provider's check(), which the engine calls during
// `pulumi preview` and `pulumi up` before anything is created; every other resource of the
// component depends on it, so a failed preflight leaves the cluster and the repository untouched.
import type * as pulumi from "@pulumi/pulumi";
import { ClusterProps, connectInCheck, storeNews } from "../kube/clusterProvider";
import { formatPreflightFailures, PreflightPlan, runPreflight } from "./clusterChecks";
import { kubePreflightApi } from "./kubePreflightApi";

interface PreflightProps extends ClusterProps {
    plan: PreflightPlan;
}

export const preflightProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: PreflightProps, news: PreflightProps) {
        const where = `parent namespace "${news.plan.parentNamespace}"`;
        const connected = connectInCheck(news.access, (message) => formatPreflightFailures(where, { failures: [message], notes: [] }));
        if ("failure" in connected) {
            return { inputs: news, failures: [connected.failure] };
        }
        const result = await runPreflight(kubePreflightApi(connected.conn), news.plan);
        if (result.failures.length > 0) {
            // No property: the engine would print the whole plan before the reason.
            return { inputs: news, failures: [{ property: "", reason: formatPreflightFailures(where, result) }] };
        }
        return { inputs: { ...news, notes: result.notes }, failures: [] };
    },
    async diff(_id: string, olds: PreflightProps & { notes?: string[] }, news: PreflightProps & { notes?: string[] }) {
        // Nothing in the cluster to change: only a new plan is worth recording. (The notes of the
        // last recorded run are what the component shows; a new note appears with the next change.)
        // New access alone is not stored: the preflight acts only in check(), with the new one.
        return { changes: JSON.stringify(olds.plan) !== JSON.stringify(news.plan) };
    },
    async create(inputs: PreflightProps) {
        return { id: `preflight-${inputs.plan.parentNamespace}`, outs: inputs };
    },
    update: storeNews,
};
