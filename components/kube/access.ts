// What the component's own providers (the cluster resources of clusterResource.ts: preflight,
// admin delegation, CRD storage, Flux objects teardown) are given to reach the cluster: the
// kubeconfig text if the user passed one, and the context. It is resolved into a
// connection only when the engine asks a provider to act (check, create, update, delete, read),
// never while the program builds the component: users unit-test their programs under mocks and
// preview jobs may build the program before they have cluster credentials.
import { KubeConnection, resolveKubeConnection } from "./connection";

export interface KubeAccess {
    /** Kubeconfig contents; undefined: $KUBECONFIG or ~/.kube/config where the provider runs. */
    kubeconfig?: string;
    /** Kubeconfig context; undefined: the kubeconfig's current context. */
    context?: string;
}

/** The connection for `access`, or a KubeconfigError (kube/connection.ts) naming the `kubeconfig` argument and KUBECONFIG. */
export function connect(access: KubeAccess | undefined): KubeConnection {
    const kubeconfig = access?.kubeconfig === "" ? undefined : access?.kubeconfig;
    return resolveKubeConnection(kubeconfig, access?.context);
}
