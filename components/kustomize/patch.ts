// One entry of a kustomization's `patches:` as kustomize reads and applies it: the patch text is
// a JSON 6902 patch when it is a list of operations and a strategic merge patch when it is one
// object; the target selects by regular expressions (anchored, as kustomize anchors them) and by
// label and annotation selectors; a strategic merge patch without a target selects by its own
// apiVersion, kind, name and namespace. JSON Patch itself is fast-json-patch's.
import { applyPatch as applyJsonPatch, JsonPatchError, Operation, validate as validateJsonPatch } from "fast-json-patch";
import * as yaml from "js-yaml";
import { FluxPatchTargetArgs } from "../args";
import { KubeObject } from "../kube/object";
import { parseSelector, Selector } from "./labelSelector";
import { JsonMap, PatchError, strategicMerge } from "./strategicMerge";

export { PatchError } from "./strategicMerge";

/** kustomize's patch target: every field set must match (the input's type, documented in args/index.ts). */
export type PatchTarget = FluxPatchTargetArgs;

export const PATCH_TARGET_FIELDS = ["group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector"] as const satisfies readonly (keyof PatchTarget)[];

type ParsedPatch = { type: "strategic merge"; body: JsonMap } | { type: "JSON 6902"; operations: Operation[] };

/** One entry of a kustomization's `patches:`: its text as written, its target, and what it parses to. */
export interface KustomizePatch {
    text: string;
    target?: PatchTarget;
    parsed: ParsedPatch;
}

/** Parses the patch text as kustomize classifies it; throws a PatchError saying what is wrong. */
export function parsePatch(text: string): ParsedPatch {
    let documents: unknown[];
    try {
        documents = yaml.loadAll(text).filter((d) => d !== null && d !== undefined);
    } catch (e) {
        throw new PatchError(`it is not valid YAML or JSON: ${(e as Error).message.split("\n")[0]}`);
    }
    if (documents.length !== 1) {
        throw new PatchError(`it holds ${documents.length} YAML documents; give one patch per entry`);
    }
    const doc = documents[0];
    if (Array.isArray(doc)) {
        const operations = doc as Operation[];
        const invalid = validateJsonPatch(operations);
        if (invalid) {
            throw new PatchError(`JSON 6902 operation ${invalid.index} is malformed: ${invalid.message.split("\n")[0]}`);
        }
        return withStringLabels({ type: "JSON 6902", operations });
    }
    if (typeof doc !== "object" || doc === null) {
        throw new PatchError(`it is neither a strategic merge patch (an object) nor a JSON 6902 patch (a list of operations): ${JSON.stringify(doc)}`);
    }
    const body = doc as JsonMap;
    const name = (body.metadata as { name?: unknown } | undefined)?.name;
    if (typeof body.kind !== "string" || typeof name !== "string" || name === "") {
        // kustomize refuses it ("unable to parse SM or JSON patch"), with or without a target.
        throw new PatchError(
            "a strategic merge patch must give kind and metadata.name, as kustomize requires; with a target the name only has to be there (e.g. `name: all`)",
        );
    }
    return withStringLabels({ type: "strategic merge", body });
}

function withStringLabels(parsed: ParsedPatch): ParsedPatch {
    const unquoted = unquotedLabelValues(parsed);
    if (unquoted.length > 0) {
        throw new PatchError(`label and annotation values are strings: quote ${unquoted.join(", ")} (YAML reads them as numbers, booleans or dates)`);
    }
    return parsed;
}

/**
 * kustomize reads label and annotation values as strings whatever they look like (`0755`, `yes`,
 * `2024-01-01`); YAML would give a number or a date, and the applied object would differ from
 * Flux's build. Such a value must be quoted.
 */
function unquotedLabelValues(parsed: ParsedPatch): string[] {
    const found: string[] = [];
    const check = (where: string, map: unknown) => {
        if (typeof map === "object" && map !== null && !Array.isArray(map)) {
            for (const [k, v] of Object.entries(map)) {
                if (typeof v !== "string" && v !== null) {
                    found.push(`${where}.${k}: ${v instanceof Date ? v.toISOString().slice(0, 10) : JSON.stringify(v)}`);
                }
            }
        }
    };
    if (parsed.type === "strategic merge") {
        const template = ((parsed.body.spec as JsonMap | undefined)?.template as JsonMap | undefined)?.metadata as JsonMap | undefined;
        for (const [where, meta] of [["metadata", parsed.body.metadata], ["spec.template.metadata", template]] as const) {
            check(`${where}.labels`, (meta as JsonMap | undefined)?.labels);
            check(`${where}.annotations`, (meta as JsonMap | undefined)?.annotations);
        }
    } else {
        for (const op of parsed.operations) {
            const value = (op as { value?: unknown }).value;
            if (/\/(labels|annotations)$/.test(op.path)) {
                check(op.path, value);
            } else if (/\/(labels|annotations)\/[^/]+$/.test(op.path) && value !== undefined && typeof value !== "string") {
                found.push(`${op.path}: ${value instanceof Date ? value.toISOString().slice(0, 10) : JSON.stringify(value)}`);
            }
        }
    }
    return found;
}

type Matcher = (o: KubeObject) => boolean;

function anchored(field: string, pattern: string): RegExp {
    try {
        return new RegExp(`^(?:${pattern})$`);
    } catch (e) {
        throw new PatchError(`target.${field} "${pattern}" is not a regular expression: ${(e as Error).message}`);
    }
}

function groupVersion(apiVersion: string): { group: string; version: string } {
    const slash = apiVersion.lastIndexOf("/");
    return slash < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function selector(field: string, text: string): Selector {
    try {
        return parseSelector(text);
    } catch (e) {
        throw new PatchError(`target.${field} "${text}" is not a selector: ${(e as Error).message}`);
    }
}

/** What kustomize selects with this target; throws a PatchError for an unusable one. */
export function targetMatcher(target: PatchTarget): Matcher {
    const tests: Matcher[] = [];
    const regex = (field: "group" | "version" | "kind" | "name" | "namespace", read: (o: KubeObject) => string) => {
        const pattern = target[field];
        if (pattern !== undefined && pattern !== "") {
            const re = anchored(field, pattern);
            tests.push((o) => re.test(read(o)));
        }
    };
    regex("group", (o) => groupVersion(o.apiVersion).group);
    regex("version", (o) => groupVersion(o.apiVersion).version);
    regex("kind", (o) => o.kind);
    regex("name", (o) => o.metadata.name);
    regex("namespace", (o) => o.metadata.namespace ?? "");
    if (target.labelSelector) {
        const s = selector("labelSelector", target.labelSelector);
        tests.push((o) => s.matches(o.metadata.labels as Record<string, string> | undefined));
    }
    if (target.annotationSelector) {
        const s = selector("annotationSelector", target.annotationSelector);
        tests.push((o) => s.matches(o.metadata.annotations as Record<string, string> | undefined));
    }
    return (o) => tests.every((t) => t(o));
}

/** A strategic merge patch without a target names its one object itself: apiVersion, kind, name, namespace. */
function selfMatcher(body: JsonMap): Matcher {
    // parsePatch made sure kind and metadata.name are there.
    const meta = body.metadata as { name: string; namespace?: string };
    return (o) =>
        o.kind === body.kind &&
        o.metadata.name === meta.name &&
        (o.metadata.namespace ?? "") === (meta.namespace ?? "") &&
        // kustomize matches a targetless patch by its whole id: without apiVersion it matches nothing.
        o.apiVersion === body.apiVersion;
}

function applyOperations(object: KubeObject, operations: Operation[]): KubeObject {
    try {
        return applyJsonPatch(structuredClone(object), structuredClone(operations), true, false).newDocument;
    } catch (e) {
        if (e instanceof JsonPatchError) {
            const op = e.operation as Operation | undefined;
            const where = op ? ` (${op.op} ${op.path})` : "";
            throw new PatchError(`JSON 6902 operation ${e.index ?? "?"}${where} fails on ${describe(object)}: ${e.message.split("\n")[0]}`);
        }
        throw e;
    }
}

function mergeInto(object: KubeObject, body: JsonMap): KubeObject | undefined {
    try {
        return strategicMerge(object, body);
    } catch (e) {
        throw e instanceof PatchError ? new PatchError(`on ${describe(object)}: ${e.message}`) : e;
    }
}

export function describe(o: KubeObject): string {
    return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;
}

interface PatchOutcome {
    objects: KubeObject[];
    /** Each object the patch selected, before and after (undefined: the patch deleted it). */
    changes: { before: KubeObject; after?: KubeObject }[];
}

/** Applies one patch to every object it selects, in place of each; an object the patch deletes is dropped. */
export function applyKustomizePatch(objects: KubeObject[], patch: ParsedPatch, target: PatchTarget | undefined): PatchOutcome {
    if (patch.type === "JSON 6902" && target === undefined) {
        throw new PatchError("a JSON 6902 patch needs a target (kind, name, ...) to say which objects it changes");
    }
    const matches = target !== undefined ? targetMatcher(target) : selfMatcher((patch as { body: JsonMap }).body);
    const changes: PatchOutcome["changes"] = [];
    const result: KubeObject[] = [];
    for (const o of objects) {
        if (!matches(o)) {
            result.push(o);
            continue;
        }
        const patched = patch.type === "JSON 6902" ? applyOperations(o, patch.operations) : mergeInto(o, patch.body);
        changes.push({ before: o, after: patched });
        if (patched !== undefined) {
            result.push(patched);
        }
    }
    return { objects: result, changes };
}
