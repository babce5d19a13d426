// PreflightApi over the Kubernetes REST API (Node built-ins only: it runs inside a dynamic provider).
import { kubeErrorMessage, kubeRequest, roleBindingPath } from "../kube/client";
import { KubeConnection } from "../kube/connection";
import { AccessQuestion, AllowedReposConstraint, Lookup, PreflightApi } from "./clusterChecks";

async function lookup<T>(conn: KubeConnection, path: string, map: (body: unknown) => T): Promise<Lookup<T>> {
    const res = await kubeRequest(conn, "GET", path);
    return res.status === 200 ? { found: true, value: map(res.body) } : { found: false, status: res.status };
}

/** An object's annotations, {} where it has none. */
function annotationsOf(body: unknown): { annotations: Record<string, string> } {
    return { annotations: (body as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations ?? {} };
}

export function kubePreflightApi(conn: KubeConnection): PreflightApi {
    return {
        async serverVersion() {
            const res = await kubeRequest(conn, "GET", "/version");
            if (res.status !== 200) {
                throw new Error(`GET /version: ${kubeErrorMessage(res)}`);
            }
            return (res.body as { gitVersion: string }).gitVersion;
        },
        namespace(name) {
            return lookup(conn, `/api/v1/namespaces/${encodeURIComponent(name)}`, annotationsOf);
        },
        anchor(namespace, name) {
            return lookup(conn, `/apis/hnc.x-k8s.io/v1alpha2/namespaces/${encodeURIComponent(namespace)}/subnamespaceanchors/${encodeURIComponent(name)}`, annotationsOf);
        },
        roleBinding(namespace, name) {
            return lookup(conn, roleBindingPath(namespace, name), (b) => b);
        },
        async can(q: AccessQuestion) {
            const res = await kubeRequest(conn, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
                apiVersion: "authorization.k8s.io/v1",
                kind: "SelfSubjectAccessReview",
                spec: { resourceAttributes: q },
            });
            if (res.status !== 201 && res.status !== 200) {
                throw new Error(`SelfSubjectAccessReview ${q.verb} ${q.resource}: ${kubeErrorMessage(res)}`);
            }
            return (res.body as { status?: { allowed?: boolean } }).status?.allowed === true;
        },
        allowedReposConstraints() {
            return lookup(conn, "/apis/constraints.gatekeeper.sh/v1beta1/k8sallowedrepos", (b) =>
                ((b as { items?: unknown[] }).items ?? []).map((item): AllowedReposConstraint => {
                    const c = item as { metadata: { name: string }; spec?: { enforcementAction?: string; parameters?: { repos?: string[] } } };
                    return { name: c.metadata.name, enforcementAction: c.spec?.enforcementAction ?? "deny", repos: c.spec?.parameters?.repos ?? [] };
                }),
            );
        },
    };
}
