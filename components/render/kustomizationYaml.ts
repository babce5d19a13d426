// kustomization.yaml next to gotk-components.yaml and gotk-sync.yaml: the Welkin patches (an
// application developer may not create Namespaces, ResourceQuotas, ClusterRoles,
// ClusterRoleBindings or CRDs, so they are cut from what Flux applies) plus the customizations
// the user asked for, then the user's own patches. The same FluxCustomizations drive
// installObjects.ts, so what Pulumi applies and what Flux later reconciles from git cannot drift
// apart.
import * as yaml from "js-yaml";
import {
    FluxController,
    fluxControllers,
    EXTRA_COMPONENTS,
    FluxExtraComponent,
    gotkComponentsObjects,
    lockdownFlagControllers,
    UPSTREAM_IMAGE_REGISTRY,
    welkinArgReplacements,
} from "../fluxDistribution";
import { UserPatch } from "../config/patches";
import { podTemplate } from "../podTemplate";

/** One `--flag` appended to the args of the first container of some controllers. */
export interface ControllerArgPatch {
    comment: string;
    arg: string;
    controllers: FluxController[];
}

/** One argument of the first container of some controllers, replaced where it stands. */
export interface ControllerArgReplacement {
    comment: string;
    /** Its position in the args of every controller listed (a JSON pointer needs one). */
    index: number;
    from: string;
    to: string;
    controllers: FluxController[];
}

export interface FluxCustomizations {
    /** What Welkin needs changed in this Flux version's Deployments. */
    argReplacements: ControllerArgReplacement[];
    argPatches: ControllerArgPatch[];
    /** Added as spec.template.spec.imagePullSecrets of every controller. */
    imagePullSecret?: string;
    /** ghcr.io/fluxcd/<controller> → <registry>/<controller>, for every installed controller. */
    images: { name: string; newName: string }[];
    /** The user's patches, after all of the above. */
    userPatches: UserPatch[];
}

export interface CustomizationOptions {
    fluxVersion: string;
    componentsExtra: readonly FluxExtraComponent[];
    lockdown: { noCrossNamespaceRefs: boolean; noRemoteBases: boolean; defaultServiceAccount?: string };
    registry?: string;
    imagePullSecret?: string;
    userPatches?: UserPatch[];
}

export function fluxCustomizations(o: CustomizationOptions): FluxCustomizations {
    const installed = fluxControllers(o.componentsExtra);
    // The flag goes to the installed controllers of this Flux version that accept it.
    const accepting = (flag: Parameters<typeof lockdownFlagControllers>[1]) => lockdownFlagControllers(o.fluxVersion, flag).filter((c) => installed.includes(c));
    const argPatches: ControllerArgPatch[] = [];
    if (o.lockdown.noCrossNamespaceRefs) {
        argPatches.push({
            comment: "Lockdown: forbid references to sources and objects in other namespaces",
            arg: "--no-cross-namespace-refs=true",
            controllers: accepting("noCrossNamespaceRefs"),
        });
    }
    if (o.lockdown.noRemoteBases) {
        argPatches.push({
            comment: "Lockdown: forbid kustomize remote bases",
            arg: "--no-remote-bases=true",
            controllers: accepting("noRemoteBases"),
        });
    }
    if (o.lockdown.defaultServiceAccount !== undefined) {
        argPatches.push({
            comment: "Lockdown: impersonate this ServiceAccount when none is set",
            arg: `--default-service-account=${o.lockdown.defaultServiceAccount}`,
            controllers: accepting("defaultServiceAccount"),
        });
    }
    const images =
        o.registry === undefined || o.registry === UPSTREAM_IMAGE_REGISTRY
            ? []
            : installed.map((c) => ({ name: `${UPSTREAM_IMAGE_REGISTRY}/${c}`, newName: `${o.registry}/${c}` }));
    return { argReplacements: argReplacements(o.fluxVersion, installed), argPatches, imagePullSecret: o.imagePullSecret, images, userPatches: o.userPatches ?? [] };
}

/** The release's Welkin argument replacements, placed by where each argument is in the bundled Deployments. */
function argReplacements(fluxVersion: string, installed: FluxController[]): ControllerArgReplacement[] {
    // The image-automation bundle has every controller's Deployment.
    const deployments = gotkComponentsObjects(fluxVersion, EXTRA_COMPONENTS);
    const result: ControllerArgReplacement[] = [];
    for (const r of welkinArgReplacements(fluxVersion)) {
        const byIndex = new Map<number, FluxController[]>();
        for (const controller of r.controllers.filter((c) => installed.includes(c))) {
            const deployment = deployments.find((d) => d.kind === "Deployment" && d.metadata.name === controller);
            const index = podTemplate(deployment!)?.spec?.containers?.[0]?.args?.indexOf(r.from) ?? -1;
            if (index < 0) {
                // Release data and bundled manifest disagree: a packaging error, never the user's.
                throw new Error(`Flux ${fluxVersion}'s ${controller} Deployment has no argument ${r.from} to replace.`);
            }
            byIndex.set(index, [...(byIndex.get(index) ?? []), controller]);
        }
        for (const [index, controllers] of byIndex) {
            result.push({ comment: r.why, index, from: r.from, to: r.to, controllers });
        }
    }
    return result;
}

/** The kinds Welkin's flux-system kustomization deletes, in the order of Welkin's guide. */
export const WELKIN_REMOVED_KINDS: { kind: string; apiVersion: string; comment: string }[] = [
    { kind: "ResourceQuota", apiVersion: "v1", comment: "Remove all resourcequotas" },
    { kind: "Namespace", apiVersion: "v1", comment: "Remove all namespaces" },
    { kind: "ClusterRole", apiVersion: "rbac.authorization.k8s.io/v1", comment: "Remove all clusterroles" },
    { kind: "ClusterRoleBinding", apiVersion: "rbac.authorization.k8s.io/v1", comment: "Remove all clusterrolesbindings" },
    { kind: "CustomResourceDefinition", apiVersion: "apiextensions.k8s.io/v1", comment: "Remove all CRDS" },
];

function deletePatch(k: { kind: string; apiVersion: string; comment: string }): string {
    return [
        `  # ${k.comment}`,
        `  - patch: |`,
        `      apiVersion: ${k.apiVersion}`,
        `      kind: ${k.kind}`,
        `      metadata:`,
        `        name: DOES NOT MATTER`,
        `      $patch: delete`,
        `    target:`,
        `      kind: ${k.kind}`,
    ].join("\n");
}

function argPatch(p: ControllerArgPatch): string {
    return [
        `  # ${p.comment}`,
        `  - patch: |`,
        `      - op: add`,
        `        path: /spec/template/spec/containers/0/args/-`,
        `        value: ${p.arg}`,
        `    target:`,
        `      kind: Deployment`,
        `      name: (${p.controllers.join("|")})`,
    ].join("\n");
}

function argReplacementPatch(r: ControllerArgReplacement): string {
    const pointer = `/spec/template/spec/containers/0/args/${r.index}`;
    return [
        `  # ${r.comment}`,
        `  - patch: |`,
        `      - op: test`,
        `        path: ${pointer}`,
        `        value: ${r.from}`,
        `      - op: replace`,
        `        path: ${pointer}`,
        `        value: ${r.to}`,
        `    target:`,
        `      kind: Deployment`,
        `      name: (${r.controllers.join("|")})`,
    ].join("\n");
}

function pullSecretPatch(secret: string): string {
    return [
        `  # Pull the controller images with this Secret`,
        `  - patch: |`,
        `      - op: add`,
        `        path: /spec/template/spec/imagePullSecrets`,
        `        value:`,
        `          - name: ${secret}`,
        `    target:`,
        `      kind: Deployment`,
    ].join("\n");
}

/** The user's patch as given: its text in a literal block, its target's fields as set. */
function userPatch(p: UserPatch): string {
    const entry = yaml.dump([{ patch: p.text, ...(p.target ? { target: p.target } : {}) }], { lineWidth: -1, noRefs: true }).trimEnd();
    return [`  # Your ${p.field}`, ...entry.split("\n").map((line) => `  ${line}`)].join("\n");
}

export function renderKustomizationYaml(c: FluxCustomizations): string {
    const patches = [
        ...WELKIN_REMOVED_KINDS.map(deletePatch),
        ...c.argReplacements.map(argReplacementPatch),
        ...c.argPatches.map(argPatch),
        ...(c.imagePullSecret === undefined ? [] : [pullSecretPatch(c.imagePullSecret)]),
        ...c.userPatches.map(userPatch),
    ];
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
    if (c.images.length > 0) {
        text += "\nimages:\n" + c.images.map((i) => `- name: ${i.name}\n  newName: ${i.newName}\n`).join("");
    }
    return text;
}
