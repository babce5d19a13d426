// RoleBinding.subjects is an atomic list: a server-side apply or merge patch replaces it whole,
// and relinquishing it can leave it empty. On Welkin, `extra-workload-admins` is shared by
// everyone who delegates admin rights in the namespace, so we read, change only our own entries
// and write back with the resourceVersion we read: a concurrent edit makes the API server answer
// 409 Conflict and we start over from a fresh read instead of overwriting it.

export interface RbacSubject {
    kind: string;
    name: string;
    namespace?: string;
    apiGroup?: string;
}

export interface RoleBindingDocument {
    apiVersion?: string;
    kind?: string;
    metadata: { name: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
    roleRef: unknown;
    subjects?: RbacSubject[];
    [key: string]: unknown;
}

/** Identity of a subject as RBAC sees it (the API server defaults apiGroup per kind). */
function subjectKey(s: RbacSubject): string {
    const apiGroup = s.apiGroup ?? (s.kind === "ServiceAccount" ? "" : "rbac.authorization.k8s.io");
    const namespace = s.kind === "ServiceAccount" ? (s.namespace ?? "") : "";
    return [s.kind, apiGroup, namespace, s.name].join("/");
}

export function hasSubject(list: readonly RbacSubject[], s: RbacSubject): boolean {
    const key = subjectKey(s);
    return list.some((x) => subjectKey(x) === key);
}

/** `current` with every subject of `ours` that is missing appended; others untouched, in order. */
export function addSubjects(current: readonly RbacSubject[], ours: readonly RbacSubject[]): RbacSubject[] {
    const result = [...current];
    for (const s of ours) {
        if (!hasSubject(result, s)) {
            result.push(s);
        }
    }
    return result;
}

/** `current` without the subjects of `ours`; every other subject kept, in order. */
export function removeSubjects(current: readonly RbacSubject[], ours: readonly RbacSubject[]): RbacSubject[] {
    const drop = new Set(ours.map(subjectKey));
    return current.filter((s) => !drop.has(subjectKey(s)));
}

type WriteResult = "written" | "conflict" | "not-found";

/** The two calls the update needs; the real one speaks to the API server, tests use fakes. */
export interface RoleBindingApi {
    read(): Promise<RoleBindingDocument | undefined>;
    /** Replace (PUT) with metadata.resourceVersion set: "conflict" when it changed since the read. */
    replace(rb: RoleBindingDocument): Promise<WriteResult>;
}

interface SubjectsUpdateResult {
    /** The subjects now on the RoleBinding, or undefined when it does not exist. */
    subjects?: RbacSubject[];
    attempts: number;
    written: boolean;
}

/**
 * Read-modify-write of a RoleBinding's subjects with optimistic concurrency: `change` gets the
 * subjects as read, and the write carries the resourceVersion read with them. On a conflict the
 * whole cycle starts again, so a subject someone else added in between is never lost.
 */
export async function updateSubjects(
    api: RoleBindingApi,
    change: (current: RbacSubject[]) => RbacSubject[],
    options: { maxAttempts?: number; onMissing: "error" | "ignore"; describe: string },
): Promise<SubjectsUpdateResult> {
    const maxAttempts = options.maxAttempts ?? 8;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const rb = await api.read();
        if (rb === undefined) {
            if (options.onMissing === "ignore") {
                return { attempts: attempt, written: false };
            }
            throw new Error(
                `${options.describe} does not exist. Welkin creates the RoleBinding "extra-workload-admins" in every ` +
                    `namespace it manages for application developers; ask your platform administrator to create it ` +
                    `(RoleBinding to ClusterRole "admin") or check the parent namespace name.`,
            );
        }
        const current = rb.subjects ?? [];
        const next = change(current);
        if (sameList(current, next)) {
            return { subjects: current, attempts: attempt, written: false };
        }
        const updated: RoleBindingDocument = { ...rb, subjects: next };
        if (next.length === 0) {
            delete updated.subjects;
        }
        const result = await api.replace(updated);
        if (result === "written") {
            return { subjects: next, attempts: attempt, written: true };
        }
        if (result === "not-found" && options.onMissing === "ignore") {
            return { attempts: attempt, written: false };
        }
        // "conflict" (or deleted under us): read again and redo the change on fresh data.
    }
    throw new Error(
        `${options.describe} kept changing while welkin-flux updated its subjects (${maxAttempts} conflicting writes in a row). ` +
            `Nothing was overwritten; run the update again.`,
    );
}

function sameList(a: readonly RbacSubject[], b: readonly RbacSubject[]): boolean {
    return a.length === b.length && a.every((s, i) => subjectKey(s) === subjectKey(b[i]));
}
