// The user's patches applied to what Flux installs, one by one in their committed order, each
// checked against what Welkin and the component need before the next is applied. A patch that
// matches nothing, fails to apply, or undoes one of those needs is reported by its index with the
// reason; all of them at once, so one preview shows every patch to fix.
import { UserPatch } from "../config/patches";
import { KubeObject } from "../kube/object";
import { applyKustomizePatch, describe, PatchError } from "../kustomize/patch";
import { Container, podTemplate } from "../kube/podTemplate";
import { ControllerArgPatch, ControllerArgReplacement } from "./customizations";
import { SYNC_KINDS } from "./gotkSync";

/** Every patch that cannot be applied as given, with the reason. */
export class FluxPatchProblems extends Error {
    constructor(readonly problems: string[]) {
        super(problems.join("\n"));
        this.name = "FluxPatchProblems";
    }
}

/** What the component itself put into the controllers' arguments, which no patch may undo. */
interface ArgumentGuards {
    argReplacements: ControllerArgReplacement[];
    argPatches: ControllerArgPatch[];
}

type Change = { before: KubeObject; after?: KubeObject };

// The fields of the sync objects that inputs set: a patch would make git and the inputs disagree.
const SYNC_FIELDS: Record<string, { field: string; input: string }[]> = {
    GitRepository: [
        { field: "url", input: "repository" },
        { field: "ref", input: "repository.branch" },
        { field: "secretRef", input: "deployKey" },
        { field: "interval", input: "syncInterval" },
    ],
    Kustomization: [
        { field: "sourceRef", input: "repository" },
        { field: "path", input: "clusterName" },
        { field: "interval", input: "syncInterval" },
    ],
};
// The restricted container settings Flux ships with and Welkin's Pod Security expects.
const HARDENING: { name: string; holds: (c: Container & { securityContext?: SecurityContext }) => boolean }[] = [
    { name: "securityContext.allowPrivilegeEscalation: false", holds: (c) => c.securityContext?.allowPrivilegeEscalation === false },
    { name: "securityContext.readOnlyRootFilesystem: true", holds: (c) => c.securityContext?.readOnlyRootFilesystem === true },
    { name: "securityContext.runAsNonRoot: true", holds: (c) => c.securityContext?.runAsNonRoot === true },
    { name: "securityContext.capabilities.drop: [ALL]", holds: (c) => c.securityContext?.capabilities?.drop?.includes("ALL") === true },
    { name: "securityContext.seccompProfile.type: RuntimeDefault", holds: (c) => c.securityContext?.seccompProfile?.type === "RuntimeDefault" },
    { name: "no securityContext.privileged: true", holds: (c) => c.securityContext?.privileged !== true },
];

interface SecurityContext {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    privileged?: boolean;
    capabilities?: { drop?: string[] };
    seccompProfile?: { type?: string };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function identityProblems({ before, after }: Change): string[] {
    if (after === undefined) {
        if (SYNC_KINDS.includes(before.kind) || before.kind === "ServiceAccount" || before.kind === "Deployment") {
            return [`it deletes ${describe(before)}, which Flux needs on Welkin`];
        }
        return [];
    }
    const id = (o: KubeObject) => `${o.apiVersion} ${describe(o)}`;
    if (id(before) !== id(after)) {
        return [
            `it changes ${id(before)} into ${id(after)}: Welkin's Roles and crd-controller binding, the component's sync objects and ` +
                `its teardown refer to Flux's objects by their kind, name and namespace (flux-system)`,
        ];
    }
    return [];
}

function serviceAccountProblems({ before, after }: Change): string[] {
    const sa = (o: KubeObject) => (podTemplate(o)?.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName;
    if (before.kind !== "Deployment" || after === undefined || sa(before) === sa(after)) {
        return [];
    }
    return [
        `it runs ${describe(before)} as ServiceAccount ${JSON.stringify(sa(after) ?? "default")} instead of ${JSON.stringify(sa(before))}: ` +
            `Welkin grants Flux's CRD rights (the crd-controller ClusterRole) to Flux's own ServiceAccounts only`,
    ];
}

function hardeningProblems({ before, after }: Change): string[] {
    if (before.kind !== "Deployment" || after === undefined) {
        return [];
    }
    const problems: string[] = [];
    for (const old of podTemplate(before)?.spec?.containers ?? []) {
        const now = podTemplate(after)?.spec?.containers?.find((c) => c.name === old.name);
        if (now === undefined) {
            continue;
        }
        for (const h of HARDENING) {
            if (h.holds(old) && !h.holds(now)) {
                problems.push(`it removes ${h.name} from container ${old.name} of ${describe(before)}: Welkin runs workloads under restricted Pod Security`);
            }
        }
    }
    return problems;
}

function argumentProblems({ before, after }: Change, guards: ArgumentGuards): string[] {
    if (before.kind !== "Deployment" || after === undefined) {
        return [];
    }
    const args = podTemplate(after)?.spec?.containers?.[0]?.args ?? [];
    const controller = before.metadata.name;
    const problems: string[] = [];
    for (const r of guards.argReplacements.filter((r) => (r.controllers as string[]).includes(controller))) {
        if (args.includes(r.from) || !args.includes(r.to)) {
            problems.push(`it undoes Welkin's change of ${r.from} to ${r.to} on ${describe(before)} (${r.comment})`);
        }
    }
    for (const p of guards.argPatches.filter((p) => (p.controllers as string[]).includes(controller))) {
        if (!args.includes(p.arg)) {
            problems.push(`it removes ${p.arg} from ${describe(before)}, which the lockdown input adds: change lockdown instead`);
        }
    }
    return problems;
}

function syncProblems({ before, after }: Change): string[] {
    const fields = SYNC_FIELDS[before.kind];
    if (fields === undefined || after === undefined) {
        return [];
    }
    const spec = (o: KubeObject) => (o.spec ?? {}) as Record<string, unknown>;
    return fields
        .filter((f) => !same(spec(before)[f.field], spec(after)[f.field]))
        .map((f) => `it changes spec.${f.field} of ${describe(before)}, which the component sets from ${f.input}: change that input instead`);
}

function changeProblems(change: Change, guards: ArgumentGuards): string[] {
    return [
        ...identityProblems(change),
        ...serviceAccountProblems(change),
        ...hardeningProblems(change),
        ...argumentProblems(change, guards),
        ...syncProblems(change),
    ];
}

function noMatchProblem(patch: UserPatch, objects: KubeObject[]): string {
    const what = patch.target ? `its target ${JSON.stringify(patch.target)}` : "the object it names";
    return (
        `${what} matches none of the ${objects.length} objects WelkinFlux applies (${objects.map(describe).join(", ")}). ` +
        `Welkin's patches remove Namespaces, ResourceQuotas, ClusterRoles, ClusterRoleBindings and CRDs before yours, ` +
        `and the component installs Flux's CRDs itself`
    );
}

/** The objects with every patch applied; throws FluxPatchProblems naming each patch that cannot be. */
export function applyUserPatches(objects: KubeObject[], patches: UserPatch[], guards: ArgumentGuards): KubeObject[] {
    const problems: string[] = [];
    let current = objects;
    for (const patch of patches) {
        const name = `${patch.field} (${patch.parsed.type})`;
        try {
            const outcome = applyKustomizePatch(current, patch.parsed, patch.target);
            if (outcome.changes.length === 0) {
                problems.push(`${name}: ${noMatchProblem(patch, current)}.`);
                continue;
            }
            const found = outcome.changes.flatMap((c) => changeProblems(c, guards));
            if (found.length > 0) {
                problems.push(...found.map((p) => `${name}: ${p}.`));
                continue;
            }
            current = outcome.objects;
        } catch (e) {
            if (!(e instanceof PatchError)) {
                throw e;
            }
            problems.push(`${name}: ${e.message}.`);
        }
    }
    if (problems.length > 0) {
        throw new FluxPatchProblems(problems);
    }
    return current;
}
