// The component's own changes to Flux's objects as kustomize patch data: Welkin's deletions, its
// argument replacements, the lockdown flags and the pull secret. kustomizationYaml.ts writes this
// data into kustomization.yaml and installObjects.ts applies the same data with the kustomize
// engine that applies the user's patches, so what Pulumi applies is what Flux builds from git.
import { PatchTarget, KustomizePatch, parsePatch } from "../kustomize/patch";
import { ControllerArgPatch, ControllerArgReplacement, FluxCustomizations } from "./customizations";
import { WELKIN_REMOVED_KINDS } from "./welkinChanges";

/** A built-in patch, with the comment kustomization.yaml shows above it. */
export interface BuiltInPatch extends KustomizePatch {
    comment: string;
    target: PatchTarget;
}

const ARGS = "/spec/template/spec/containers/0/args";

function builtIn(comment: string, lines: string[], target: PatchTarget): BuiltInPatch {
    const text = lines.join("\n") + "\n";
    return { comment, text, target, parsed: parsePatch(text) };
}

function deployments(controllers: string[]): PatchTarget {
    return { kind: "Deployment", name: `(${controllers.join("|")})` };
}

function removedKindPatches(): BuiltInPatch[] {
    return WELKIN_REMOVED_KINDS.map((k) =>
        builtIn(k.comment, [`apiVersion: ${k.apiVersion}`, `kind: ${k.kind}`, `metadata:`, `  name: DOES NOT MATTER`, `$patch: delete`], { kind: k.kind }),
    );
}

function argReplacementPatch(r: ControllerArgReplacement): BuiltInPatch {
    // `test` first: a changed upstream manifest fails the build instead of keeping the old argument.
    const path = `${ARGS}/${r.index}`;
    const lines = [`- op: test`, `  path: ${path}`, `  value: ${r.from}`, `- op: replace`, `  path: ${path}`, `  value: ${r.to}`];
    return builtIn(r.comment, lines, deployments(r.controllers));
}

function argPatch(p: ControllerArgPatch): BuiltInPatch {
    return builtIn(p.comment, [`- op: add`, `  path: ${ARGS}/-`, `  value: ${p.arg}`], deployments(p.controllers));
}

function pullSecretPatch(secret: string): BuiltInPatch {
    const lines = [`- op: add`, `  path: /spec/template/spec/imagePullSecrets`, `  value:`, `    - name: ${secret}`];
    return builtIn("Pull the controller images with this Secret", lines, { kind: "Deployment" });
}

/** The built-in patches in the order kustomization.yaml lists them, before the user's. */
export function builtInPatches(c: FluxCustomizations): BuiltInPatch[] {
    return [
        ...removedKindPatches(),
        ...c.argReplacements.map(argReplacementPatch),
        ...c.argPatches.map(argPatch),
        ...(c.imagePullSecret === undefined ? [] : [pullSecretPatch(c.imagePullSecret)]),
    ];
}
