// The dynamic provider behind the AdminDelegation resource (docs/ARCHITECTURE.md step 5). The
// kubernetes provider can only apply whole lists (server-side apply treats RoleBinding.subjects as
// atomic), so this provider adds and removes exactly our subjects with a conflict-checked
// read-modify-write.
import type * as pulumi from "@pulumi/pulumi";
import { connect } from "../kube/access";
import { kubeErrorMessage, kubeRequest, roleBindingPath } from "../kube/client";
import { ClusterProps, connectInCheck, diffStoringAccess } from "../kube/clusterProvider";
import { KubeConnection } from "../kube/connection";
import { addSubjects, hasSubject, RbacSubject, removeSubjects, RoleBindingApi, RoleBindingDocument, updateSubjects } from "./subjects";

export interface DelegationProps extends ClusterProps {
    namespace: string;
    roleBindingName: string;
    subjects: RbacSubject[];
}

/** The RoleBinding through the API server, with the resourceVersion-checked PUT. */
function roleBindingApi(conn: KubeConnection, namespace: string, name: string): RoleBindingApi {
    const where = roleBindingPath(namespace, name);
    const describe = `RoleBinding "${name}" in namespace "${namespace}"`;
    return {
        async read() {
            const res = await kubeRequest(conn, "GET", where);
            if (res.status === 404) {
                return undefined;
            }
            if (res.status !== 200) {
                throw new Error(`cannot read ${describe}: ${kubeErrorMessage(res)}${forbiddenHint(res.status, "get")}`);
            }
            return res.body as RoleBindingDocument;
        },
        async replace(rb) {
            const res = await kubeRequest(conn, "PUT", where, rb);
            if (res.status === 200 || res.status === 201) {
                return "written";
            }
            if (res.status === 409) {
                return "conflict";
            }
            if (res.status === 404) {
                return "not-found";
            }
            throw new Error(`cannot update ${describe}: ${kubeErrorMessage(res)}${forbiddenHint(res.status, "update")}`);
        },
    };
}

function forbiddenHint(status: number, verb: string): string {
    return status === 403
        ? ` (you need "${verb}" on rolebindings in that namespace: on Welkin, application developers are admins of ` +
              `their namespaces; ask the platform administrator to add you to the namespace's admins)`
        : "";
}

function describe(p: DelegationProps): string {
    return `RoleBinding "${p.roleBindingName}" in namespace "${p.namespace}"`;
}

async function add(p: DelegationProps): Promise<void> {
    await updateSubjects(roleBindingApi(connect(p.access), p.namespace, p.roleBindingName), (cur) => addSubjects(cur, p.subjects), {
        onMissing: "error",
        describe: describe(p),
    });
}

async function remove(p: DelegationProps, subjects: RbacSubject[]): Promise<void> {
    await updateSubjects(roleBindingApi(connect(p.access), p.namespace, p.roleBindingName), (cur) => removeSubjects(cur, subjects), {
        onMissing: "ignore",
        describe: describe(p),
    });
}

function keyOf(p: DelegationProps): string {
    return `${p.namespace}/${p.roleBindingName}`;
}

function sameSubjects(a: RbacSubject[], b: RbacSubject[]): boolean {
    return a.length === b.length && a.every((s) => hasSubject(b, s));
}

export const delegationProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: DelegationProps, news: DelegationProps) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        if (!news.namespace) {
            failures.push({ property: "namespace", reason: "namespace is required" });
        }
        if (!news.roleBindingName) {
            failures.push({ property: "roleBindingName", reason: "roleBindingName is required" });
        }
        if (!Array.isArray(news.subjects) || news.subjects.length === 0) {
            failures.push({ property: "subjects", reason: "at least one subject is required" });
        }
        const connected = connectInCheck(news.access, (message) => `admin delegation in "${news.namespace}": ${message}`);
        if ("failure" in connected) {
            failures.push(connected.failure);
        }
        return { inputs: news, failures };
    },

    async diff(_id: string, olds: DelegationProps, news: DelegationProps) {
        const replaces: string[] = [];
        if (olds.namespace !== news.namespace) {
            replaces.push("namespace");
        }
        if (olds.roleBindingName !== news.roleBindingName) {
            replaces.push("roleBindingName");
        }
        return diffStoringAccess(olds, news, { changed: !sameSubjects(olds.subjects ?? [], news.subjects ?? []), replaces });
    },

    async create(inputs: DelegationProps) {
        await add(inputs);
        return { id: keyOf(inputs), outs: inputs };
    },

    async update(_id: string, olds: DelegationProps, news: DelegationProps) {
        if (sameSubjects(olds.subjects ?? [], news.subjects ?? [])) {
            return { outs: news }; // only the access changed: nothing to write
        }
        // Add the new subjects before removing the old ones, so the controllers never lose admin.
        await add(news);
        const dropped = (olds.subjects ?? []).filter((s) => !hasSubject(news.subjects, s));
        if (dropped.length > 0) {
            await remove(news, dropped);
        }
        return { outs: news };
    },

    async delete(_id: string, props: DelegationProps) {
        await remove(props, props.subjects);
    },

    async read(id: string, props: DelegationProps) {
        // Refresh: report which of our subjects are really on the RoleBinding, so drift shows.
        const rb = await roleBindingApi(connect(props.access), props.namespace, props.roleBindingName).read();
        const present = rb === undefined ? [] : props.subjects.filter((s) => hasSubject(rb.subjects ?? [], s));
        return { id, props: { ...props, subjects: present } };
    },
};
