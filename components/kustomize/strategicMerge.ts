// A strategic merge patch as kustomize applies it (kyaml's merge2, the engine behind
// `kubectl kustomize` and Flux's kustomize-controller), for the kinds Flux installs. There is no
// maintained npm implementation; this one covers what kustomize does and refuses the rest with
// a message, so what the component applies can never differ from what Flux builds from git.
//
// kustomize's semantics, as measured against `kubectl kustomize` (test/render.test.ts):
// - maps merge key by key; `null` removes a field; `$patch: delete` removes the map and
//   `$patch: replace` replaces it;
// - a list merges element by element only where kustomize's built-in Kubernetes schema names a
//   merge key (containers by name, env by name, volumeMounts by mountPath, ...). The patch's
//   elements come first, in its order, merged with the object's element of the same key; the
//   object's other elements follow in their order. Any other list (args, tolerations, the
//   custom resources' lists) is replaced whole, as written (nulls in it included). kustomize's
//   schema predates resizePolicy, resourceClaims and schedulingGates, so those are replaced too.
import { KubeObject } from "../kube/object";

/** A patch kustomize would refuse, or one whose result this module does not reproduce exactly. */
export class PatchError extends Error {}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonMap = { [key: string]: Json };

/** What a list at a path merges by: a field of its elements, its values (""), or several keys (refused). */
type ListMerge = { key: string } | { primitive: true } | { severalKeys: string };

const OBJECT_META: Record<string, ListMerge> = {
    "metadata.ownerReferences": { key: "uid" },
    "metadata.finalizers": { primitive: true },
};

function podSpecLists(prefix: string): Record<string, ListMerge> {
    const lists: Record<string, ListMerge> = {
        [`${prefix}.volumes`]: { key: "name" },
        [`${prefix}.imagePullSecrets`]: { key: "name" },
        [`${prefix}.hostAliases`]: { key: "ip" },
        [`${prefix}.topologySpreadConstraints`]: { severalKeys: "topologyKey and whenUnsatisfiable" },
    };
    for (const containers of ["containers", "initContainers", "ephemeralContainers"]) {
        const c = `${prefix}.${containers}`;
        Object.assign(lists, {
            [c]: { key: "name" },
            [`${c}[].env`]: { key: "name" },
            [`${c}[].volumeMounts`]: { key: "mountPath" },
            [`${c}[].volumeDevices`]: { key: "devicePath" },
            [`${c}[].ports`]: { severalKeys: "containerPort and protocol" },
        });
    }
    return lists;
}

/** The merged lists of the built-in kinds Flux installs, by path ("[]" stands for any element). */
const BUILT_IN_LISTS: Record<string, Record<string, ListMerge>> = {
    "apps/v1/Deployment": {
        ...OBJECT_META,
        "spec.template.metadata.ownerReferences": { key: "uid" },
        "spec.template.metadata.finalizers": { primitive: true },
        ...podSpecLists("spec.template.spec"),
    },
    "v1/Service": { ...OBJECT_META, "spec.ports": { severalKeys: "port and protocol" } },
    "v1/ServiceAccount": { ...OBJECT_META, secrets: { key: "name" } },
    "networking.k8s.io/v1/NetworkPolicy": { ...OBJECT_META },
};

/** The lists of this kind that merge, or undefined for a custom resource (kustomize has no schema: every list is replaced). */
function mergedLists(o: KubeObject): Record<string, ListMerge> | undefined {
    const lists = BUILT_IN_LISTS[`${o.apiVersion}/${o.kind}`];
    if (lists === undefined && !o.apiVersion.includes(".")) {
        // A core kind this module has no table for: only a new Flux release could bring one.
        throw new PatchError(`strategic merge patches of ${o.apiVersion} ${o.kind} are not supported; write a JSON 6902 patch`);
    }
    return lists;
}

const DELETE = Symbol("delete");

function isMap(v: unknown): v is JsonMap {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Reads and removes `$patch`; refuses the directives kustomize does not implement. */
function takeDirective(patch: JsonMap, path: string): { directive: string; rest: JsonMap } {
    const rest: JsonMap = {};
    let directive = "merge";
    for (const [k, v] of Object.entries(patch)) {
        if (k === "$patch") {
            if (v !== "merge" && v !== "replace" && v !== "delete") {
                throw new PatchError(`unknown $patch "${String(v)}" at ${path || "the top"} (kustomize knows merge, replace and delete)`);
            }
            directive = v;
        } else if (k.startsWith("$")) {
            throw new PatchError(`${k} at ${path || "the top"} is a directive kustomize does not implement; write a JSON 6902 patch`);
        } else {
            rest[k] = v;
        }
    }
    return { directive, rest };
}

class Merger {
    constructor(private readonly lists: Record<string, ListMerge> | undefined) {}

    value(dest: Json | undefined, patch: Json, path: string): Json | typeof DELETE {
        if (patch === null) {
            return DELETE;
        }
        if (isMap(patch)) {
            return this.map(dest, patch, path);
        }
        if (Array.isArray(patch)) {
            return this.list(dest, patch, path);
        }
        return patch;
    }

    map(dest: Json | undefined, patch: JsonMap, path: string): Json | typeof DELETE {
        const { directive, rest } = takeDirective(patch, path);
        if (directive === "delete") {
            return DELETE;
        }
        if (directive === "replace") {
            return this.map(undefined, rest, path);
        }
        const result: JsonMap = isMap(dest) ? { ...dest } : {};
        for (const [k, v] of Object.entries(rest)) {
            const merged = this.value(result[k], v, path === "" ? k : `${path}.${k}`);
            if (merged === DELETE) {
                delete result[k];
            } else {
                result[k] = merged;
            }
        }
        return result;
    }

    list(dest: Json | undefined, patch: Json[], path: string): Json | typeof DELETE {
        const how = this.lists?.[path];
        if (how === undefined) {
            if (patch.some((e) => isMap(e) && "$patch" in e)) {
                throw new PatchError(`$patch inside ${path}, a list kustomize replaces whole: give the whole list, or write a JSON 6902 patch`);
            }
            // Taken as written: kustomize keeps even the nulls inside a list it replaces.
            return structuredClone(patch);
        }
        if ("severalKeys" in how) {
            throw new PatchError(`${path} is a list Kubernetes merges by ${how.severalKeys}; change it with a JSON 6902 patch`);
        }
        const destList = Array.isArray(dest) ? dest : [];
        if ("primitive" in how) {
            return [...patch, ...destList.filter((d) => !patch.includes(d))];
        }
        return this.keyedList(destList, patch, path, how.key);
    }

    private keyedList(dest: Json[], patch: Json[], path: string, key: string): Json | typeof DELETE {
        // A lone `{$patch: ...}` element applies to the list itself.
        const listDirective = patch.find((e) => isMap(e) && Object.keys(e).length === 1 && "$patch" in e) as JsonMap | undefined;
        const elements = patch.filter((e) => e !== listDirective);
        const directive = listDirective === undefined ? "merge" : takeDirective(listDirective, path).directive;
        if (listDirective !== undefined && dest.length === 0) {
            // kustomize then commits the directive itself into the object: refused rather than reproduced.
            throw new PatchError(`$patch: ${directive} on ${path}, which the object does not have: give the list without the directive`);
        }
        if (directive === "delete") {
            return DELETE;
        }
        const keyOf = (e: Json, from: string): string => {
            if (!isMap(e) || (typeof e[key] !== "string" && typeof e[key] !== "number")) {
                throw new PatchError(`every element of ${path} in the ${from} needs its merge key "${key}"`);
            }
            return String(e[key]);
        };
        if (directive === "replace") {
            return elements.map((e) => this.fresh(e, `${path}[]`));
        }
        const patchKeys = elements.map((e) => keyOf(e, "patch"));
        const result: Json[] = [];
        elements.forEach((e, i) => {
            const existing = dest.find((d) => keyOf(d, "object") === patchKeys[i]);
            const merged = this.value(existing, e, `${path}[]`);
            if (merged !== DELETE) {
                result.push(merged);
            }
        });
        return [...result, ...dest.filter((d) => !patchKeys.includes(keyOf(d, "object")))];
    }

    /** A value the object does not have yet: merged into nothing, so nulls and directives are resolved. */
    private fresh(value: Json, path: string): Json {
        const merged = isMap(value) ? this.map(undefined, value, path) : value;
        return merged === DELETE ? null : merged;
    }
}

/**
 * The object with the patch merged in, or undefined when the patch deletes it (`$patch: delete`
 * at the top). The patch's apiVersion, kind and metadata.name/namespace only select: kustomize
 * keeps the object's own.
 */
export function strategicMerge(object: KubeObject, patch: JsonMap): KubeObject | undefined {
    // Deleting the whole object needs no knowledge of its lists: any kind can be deleted.
    if (takeDirective(patch, "").directive === "delete") {
        return undefined;
    }
    const merger = new Merger(mergedLists(object));
    const body: JsonMap = { ...patch };
    delete body.apiVersion;
    delete body.kind;
    if (isMap(patch.metadata)) {
        const meta = { ...patch.metadata };
        delete meta.name;
        delete meta.namespace;
        body.metadata = meta;
    }
    const merged = merger.map(structuredClone(object) as unknown as JsonMap, body, "");
    if (merged === DELETE) {
        return undefined;
    }
    const result = merged as unknown as KubeObject;
    const metadata = { ...result.metadata, name: object.metadata.name };
    if (object.metadata.namespace !== undefined) {
        metadata.namespace = object.metadata.namespace;
    }
    return { ...result, apiVersion: object.apiVersion, kind: object.kind, metadata };
}

export type { Json, JsonMap };
