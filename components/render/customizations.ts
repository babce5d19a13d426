// What the component changes in Flux's Deployments, as the user's settings and Welkin ask: the
// Welkin argument replacements of the release, the lockdown flags, the image pull secret, the
// registry mirror, then the user's own patches. render/builtInPatches.ts turns the first four
// into kustomize patches; userPatches.ts refuses a user's patch that undoes any of them.
import { UserPatch } from "../config/patches";
import { FluxBundle } from "../flux/bundle";
import { ImageEntry } from "../kustomize/images";
import { FluxController, fluxControllers, LockdownFlag, lockdownFlagControllers, UPSTREAM_IMAGE_REGISTRY } from "../flux/releases";
import { podTemplate } from "../kube/podTemplate";
import { welkinArgReplacements } from "./welkinChanges";

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
    images: ImageEntry[];
    /** The user's patches, after all of the above. */
    userPatches: UserPatch[];
}

interface CustomizationOptions {
    lockdown: { noCrossNamespaceRefs: boolean; noRemoteBases: boolean; defaultServiceAccount?: string };
    registry?: string;
    imagePullSecret?: string;
    userPatches?: UserPatch[];
}

const LOCKDOWN_ARGS: { flag: LockdownFlag; comment: string; arg: (o: CustomizationOptions["lockdown"]) => string | undefined }[] = [
    {
        flag: "noCrossNamespaceRefs",
        comment: "Lockdown: forbid references to sources and objects in other namespaces",
        arg: (l) => (l.noCrossNamespaceRefs ? "--no-cross-namespace-refs=true" : undefined),
    },
    { flag: "noRemoteBases", comment: "Lockdown: forbid kustomize remote bases", arg: (l) => (l.noRemoteBases ? "--no-remote-bases=true" : undefined) },
    {
        flag: "defaultServiceAccount",
        comment: "Lockdown: impersonate this ServiceAccount when none is set",
        arg: (l) => (l.defaultServiceAccount !== undefined ? `--default-service-account=${l.defaultServiceAccount}` : undefined),
    },
];

export function fluxCustomizations(bundle: FluxBundle, o: CustomizationOptions): FluxCustomizations {
    const installed = fluxControllers(bundle.componentsExtra);
    const argPatches: ControllerArgPatch[] = [];
    for (const l of LOCKDOWN_ARGS) {
        const arg = l.arg(o.lockdown);
        if (arg !== undefined) {
            // The flag goes to the installed controllers of this Flux version that accept it.
            argPatches.push({ comment: l.comment, arg, controllers: lockdownFlagControllers(bundle.release, l.flag).filter((c) => installed.includes(c)) });
        }
    }
    const images =
        o.registry === undefined || o.registry === UPSTREAM_IMAGE_REGISTRY
            ? []
            : installed.map((c) => ({ name: `${UPSTREAM_IMAGE_REGISTRY}/${c}`, newName: `${o.registry}/${c}` }));
    return { argReplacements: argReplacements(bundle, installed), argPatches, imagePullSecret: o.imagePullSecret, images, userPatches: o.userPatches ?? [] };
}

/** The release's Welkin argument replacements, placed by where each argument is in the bundled Deployments. */
function argReplacements(bundle: FluxBundle, installed: FluxController[]): ControllerArgReplacement[] {
    const result: ControllerArgReplacement[] = [];
    for (const r of welkinArgReplacements(bundle.version)) {
        const byIndex = new Map<number, FluxController[]>();
        for (const controller of r.controllers.filter((c) => installed.includes(c))) {
            const deployment = bundle.objects.find((d) => d.kind === "Deployment" && d.metadata.name === controller);
            const index = (deployment && podTemplate(deployment)?.spec?.containers?.[0]?.args?.indexOf(r.from)) ?? -1;
            if (index < 0) {
                // Release data and bundled manifest disagree: a packaging error, never the user's.
                throw new Error(`Flux ${bundle.version}'s ${controller} Deployment has no argument ${r.from} to replace.`);
            }
            byIndex.set(index, [...(byIndex.get(index) ?? []), controller]);
        }
        for (const [index, controllers] of byIndex) {
            result.push({ comment: r.why, index, from: r.from, to: r.to, controllers });
        }
    }
    return result;
}
