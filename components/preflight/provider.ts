// The preflight runs in a dynamic provider's check(), which the engine calls during
// `pulumi preview` and `pulumi up` before anything is created; every other resource of the
// component depends on it, so a failed preflight leaves the cluster and the repository untouched.
import * as pulumi from "@pulumi/pulumi";
import { connect, KubeAccess } from "../kube/access";
import { formatPreflightFailures, PreflightPlan, runPreflight } from "./checks";
import { kubePreflightApi } from "./kubePreflightApi";

export interface PreflightProps {
    plan: PreflightPlan;
    /** Resolved into a connection only here, when the engine asks (kube/access.ts). */
    access: KubeAccess;
}

export const preflightProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: PreflightProps, news: PreflightProps) {
        const where = `parent namespace "${news.plan.parentNamespace}"`;
        let api;
        try {
            api = kubePreflightApi(connect(news.access));
        } catch (e) {
            return { inputs: news, failures: [{ property: "", reason: formatPreflightFailures(where, { failures: [(e as Error).message], notes: [] }) }] };
        }
        const result = await runPreflight(api, news.plan);
        if (result.failures.length > 0) {
            // No property: the engine would print the whole plan before the reason.
            return { inputs: news, failures: [{ property: "", reason: formatPreflightFailures(where, result) }] };
        }
        return { inputs: { ...news, notes: result.notes }, failures: [] };
    },
    async diff(_id: string, olds: PreflightProps & { notes?: string[] }, news: PreflightProps & { notes?: string[] }) {
        // Nothing in the cluster to change: only a new plan is worth recording. (The notes of the
        // last recorded run are what the component shows; a new note appears with the next change.)
        return { changes: JSON.stringify(olds.plan) !== JSON.stringify(news.plan) };
    },
    async create(inputs: PreflightProps) {
        return { id: `preflight-${inputs.plan.parentNamespace}`, outs: inputs };
    },
    async update(_id: string, _olds: PreflightProps, news: PreflightProps) {
        return { outs: news };
    },
};
