// The user's kustomize patches (docs/ARCHITECTURE.md step 7's kustomization.yaml): each read as
// kustomize reads it, so a malformed patch or an unusable target is refused here, by its index,
// before anything is rendered. What a patch does to Flux's objects is checked in
// render/userPatches.ts.
import { FluxPatchArgs } from "../args";
import { KustomizePatch, parsePatch, PATCH_TARGET_FIELDS, PatchError, PatchTarget, targetMatcher } from "../kustomize/patch";
import { q } from "./fieldProblems";
import { Resolved } from "./resolved";

/** One patch, validated: its text as committed, its target and what it parses to. */
export interface UserPatch extends KustomizePatch {
    /** `patches[i]`, as messages name it. */
    field: string;
}

export interface PatchesConfig {
    patches: UserPatch[];
}

// Larger than any sensible patch of Flux's objects; a bound keeps a runaway value out of git.
const MAX_PATCH_LENGTH = 64 * 1024;
const MAX_TARGET_FIELD_LENGTH = 1024;

function targetProblems(field: string, target: unknown): string[] {
    if (target === undefined || target === null) {
        return [];
    }
    if (typeof target !== "object" || Array.isArray(target)) {
        return [`${field}.target must be an object such as { kind: "Deployment", name: "kustomize-controller" }; got ${q(target)}.`];
    }
    const problems: string[] = [];
    for (const [k, v] of Object.entries(target)) {
        if (!(PATCH_TARGET_FIELDS as readonly string[]).includes(k)) {
            problems.push(`${field}.target has an unknown field ${q(k)}: a target takes ${PATCH_TARGET_FIELDS.join(", ")}.`);
        } else if (v !== undefined && v !== null && (typeof v !== "string" || v.length > MAX_TARGET_FIELD_LENGTH)) {
            problems.push(`${field}.target.${k} must be a string (at most ${MAX_TARGET_FIELD_LENGTH} characters); got ${q(v)?.slice(0, 80)}.`);
        }
    }
    if (problems.length === 0) {
        try {
            targetMatcher(target as PatchTarget);
        } catch (e) {
            problems.push(`${field}: ${(e as Error).message}.`);
        }
    }
    return problems;
}

/** The target without unset fields, as it is committed. */
function cleanTarget(target: unknown): PatchTarget | undefined {
    if (target === undefined || target === null) {
        return undefined;
    }
    return Object.fromEntries(Object.entries(target as Record<string, unknown>).filter(([, v]) => v !== undefined && v !== null)) as PatchTarget;
}

function resolvePatch(field: string, value: unknown, problems: string[]): UserPatch | undefined {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        problems.push(`${field} must be an object { patch, target }; got ${q(value)}.`);
        return undefined;
    }
    const p = value as Partial<FluxPatchArgs>;
    const before = problems.length;
    if (typeof p.patch !== "string" || p.patch.trim() === "") {
        problems.push(`${field}.patch must be the patch's YAML or JSON text; got ${q(p.patch)}.`);
    } else if (p.patch.length > MAX_PATCH_LENGTH) {
        problems.push(`${field}.patch is ${p.patch.length} characters long; a patch of Flux's objects fits in ${MAX_PATCH_LENGTH}.`);
    }
    problems.push(...targetProblems(field, p.target));
    if (problems.length > before) {
        return undefined;
    }
    try {
        return { field, text: p.patch!, target: cleanTarget(p.target), parsed: parsePatch(p.patch!) };
    } catch (e) {
        if (e instanceof PatchError) {
            problems.push(`${field}.patch: ${e.message}.`);
            return undefined;
        }
        throw e;
    }
}

export function resolvePatches(value: unknown): Resolved<PatchesConfig> {
    const problems: string[] = [];
    if (value === undefined || value === null) {
        return { value: { patches: [] }, problems };
    }
    if (!Array.isArray(value)) {
        return { value: { patches: [] }, problems: [`patches must be a list of { patch, target }; got ${q(value)}.`] };
    }
    const patches = value.map((v, i) => resolvePatch(`patches[${i}]`, v, problems)).filter((p): p is UserPatch => p !== undefined);
    return { value: { patches }, problems };
}
