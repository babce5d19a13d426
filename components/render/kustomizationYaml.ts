// kustomization.yaml next to gotk-components.yaml and gotk-sync.yaml: the built-in patches
// (render/builtInPatches.ts) written as Welkin's guide writes them, then the user's patches as
// given, then the registry mirror as kustomize's `images:`.
import * as yaml from "js-yaml";
import { UserPatch } from "../config/patches";
import { ImageEntry } from "../kustomize/images";
import { BuiltInPatch } from "./builtInPatches";

function indent(spaces: number, text: string): string[] {
    return text.trimEnd().split("\n").map((line) => " ".repeat(spaces) + line);
}

function builtInEntry(p: BuiltInPatch): string {
    const target = Object.entries(p.target).map(([k, v]) => `${k}: ${v}`);
    return [`  # ${p.comment}`, `  - patch: |`, ...indent(6, p.text), `    target:`, ...indent(6, target.join("\n"))].join("\n");
}

/** The user's patch as given: its text in a literal block, its target's fields as set. */
function userEntry(p: UserPatch): string {
    const entry = yaml.dump([{ patch: p.text, ...(p.target ? { target: p.target } : {}) }], { lineWidth: -1, noRefs: true });
    return [`  # Your ${p.field}`, ...indent(2, entry)].join("\n");
}

export function renderKustomizationYaml(builtIns: BuiltInPatch[], userPatches: UserPatch[], images: ImageEntry[]): string {
    const patches = [...builtIns.map(builtInEntry), ...userPatches.map(userEntry)];
    let text =
        "apiVersion: kustomize.config.k8s.io/v1beta1\n" +
        "kind: Kustomization\n" +
        "resources:\n" +
        "- gotk-components.yaml\n" +
        "- gotk-sync.yaml\n" +
        "\n" +
        "patches:\n" +
        patches.join("\n") +
        "\n";
    if (images.length > 0) {
        text += "\nimages:\n" + images.map((i) => `- name: ${i.name}\n  newName: ${i.newName}\n`).join("");
    }
    return text;
}
