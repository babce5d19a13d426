// Step 2: the Flux CRDs, as cluster resources. Welkin's "self-managed cluster resources" lets an
// application developer create CRDs and update/delete exactly the Flux ones it allows. A change
// of Flux version first goes through FluxCrdStorage (crdStorage/provider.ts): installed CRDs the
// new ones cannot update in place are replaced when no object of their kind exists, and the
// preview fails, before anything changes, when objects do.
import * as pulumi from "@pulumi/pulumi";
import { WelkinFluxConfig } from "../config";
import { crdStorageProvider, PlannedCrd } from "../crdStorage/provider";
import { crdShape } from "../kube/crd";
import { fluxCrds } from "../flux/bundle";
import { KubeObject } from "../kube/object";
import { SUPPORTED_FLUX_VERSIONS } from "../flux/releases";
import { KubeAccess } from "../kube/access";
import { kubeObjectResource } from "../kubeObjectResource";
import { ChildOptions, childOptions } from "./childOptions";

/** The storage version of each CRD in every bundled release, by CRD name. */
function storageVersions(): Map<string, Set<string>> {
    const stored = new Map<string, Set<string>>();
    for (const version of SUPPORTED_FLUX_VERSIONS) {
        for (const crd of fluxCrds(version).map(crdShape)) {
            stored.set(crd.name, new Set([...(stored.get(crd.name) ?? []), crd.storageVersion]));
        }
    }
    return stored;
}

export function plannedCrds(fluxVersion: string): PlannedCrd[] {
    const stored = storageVersions();
    return fluxCrds(fluxVersion).map((crd) => {
        const { name, group, plural, kind, versions } = crdShape(crd);
        // Only where some bundled release stores a version this one does not serve: the state
        // keeps the manifest of just the CRDs a version change may have to create again.
        const mayBeReplaced = [...(stored.get(name) ?? [])].some((v) => !versions.includes(v));
        return { name, group, plural, kind, versions, ...(mayBeReplaced ? { manifest: crd } : {}) };
    });
}

/** What a version change does to the installed CRDs; replaced whenever fluxVersion changes. */
export class FluxCrdStorage extends pulumi.dynamic.Resource {
    /** Installed CRDs deleted and created again for this version (none exist of their kinds). */
    declare public readonly replaceCrds: pulumi.Output<string[]>;

    constructor(name: string, args: { fluxVersion: string; crds: PlannedCrd[]; access: pulumi.Input<KubeAccess> }, opts: pulumi.CustomResourceOptions) {
        super(crdStorageProvider, name, { ...args, access: pulumi.secret(args.access), replaceCrds: undefined }, { ...opts, additionalSecretOutputs: ["access"] }, "welkin-flux", "FluxCrdStorage");
    }
}

const VERSION_LABEL = "app.kubernetes.io/version";

/**
 * The CRD with its version label's value (unchanged) taken through the storage resource. The
 * kubernetes provider previews an update with a server-side dry run, which the API server refuses
 * for a CRD being replaced (its storedVersions); a value known only once the storage resource
 * exists — new on every version change — skips those dry runs exactly then. Every other preview
 * still checks the CRDs on the server.
 */
function afterStorage(crd: KubeObject, storage: FluxCrdStorage): KubeObject {
    const labels = (crd.metadata.labels ?? {}) as Record<string, string>;
    return { ...crd, metadata: { ...crd.metadata, labels: { ...labels, [VERSION_LABEL]: storage.id.apply(() => labels[VERSION_LABEL]) } } } as unknown as KubeObject;
}

export function createFluxCrds(name: string, config: WelkinFluxConfig, access: pulumi.Input<KubeAccess>, base: ChildOptions): pulumi.CustomResource[] {
    const storage = new FluxCrdStorage(`${name}-crd-storage`, { fluxVersion: config.fluxVersion, crds: plannedCrds(config.fluxVersion), access }, childOptions(base));
    return fluxCrds(config.fluxVersion).map((crd) => kubeObjectResource(`${name}-crd-${crd.metadata.name}`, afterStorage(crd, storage), childOptions(base, storage)));
}
