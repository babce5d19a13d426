// A value known only after another resource exists: the one Pulumi technique the steps use to
// keep the kubernetes provider from a server-side dry run that would fail.
//
// The kubernetes provider previews a planned create or update with a server-side dry run, except
// when an input is not known yet. A resource's ID is unknown at preview until the resource exists.
// So an input whose value (unchanged) comes through another resource's ID skips the dry run on
// exactly the preview that creates (or replaces) that resource, and the server checks it on every
// other preview. The steps need that where the dry run is refused until the other resource exists:
//   - anything in flux-system, through its anchor (step 3): until HNC has made the namespace,
//     Welkin's RBAC refuses the dry run (Forbidden, after retries);
//   - each Flux Role's RoleBinding, through the Role (step 4): Welkin grants no `bind`, so a
//     RoleBinding can be checked only once its Role exists (docs/ARCHITECTURE.md, the known issue);
//   - each Flux CRD, through FluxCrdStorage (step 2), new on every version change: the API server
//     refuses the dry run of a CRD that is being replaced (its status.storedVersions).
// The value itself is the same either way. Not the namespace: the provider replaces an unknown
// namespace with its default one. Not another output of the resource: its own dry run fills
// those in.
import * as pulumi from "@pulumi/pulumi";
import { KubeObject } from "./object";

/** `value`, known only once `resource` exists. */
export function knownAfter<T>(resource: pulumi.CustomResource, value: T): pulumi.Output<T> {
    return resource.id.apply(() => value);
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * `obj` with the value at `path` (e.g. `["roleRef", "name"]`) known only once `resource` exists;
 * `obj` itself where it holds nothing there. Copies along the path; `obj` is not changed.
 */
export function withFieldKnownAfter(obj: KubeObject, path: readonly [string, ...string[]], resource: pulumi.CustomResource): KubeObject {
    const replaced = replaceAt(obj, path, resource);
    return replaced === undefined ? obj : { ...obj, ...replaced };
}

function replaceAt(tree: Record<string, unknown>, [key, ...rest]: readonly string[], resource: pulumi.CustomResource): Record<string, unknown> | undefined {
    const value = tree[key];
    if (rest.length === 0) {
        return value === undefined ? undefined : { ...tree, [key]: knownAfter(resource, value) };
    }
    const inner = isRecord(value) ? replaceAt(value, rest, resource) : undefined;
    return inner === undefined ? undefined : { ...tree, [key]: inner };
}
