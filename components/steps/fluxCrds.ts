// Step 2: the Flux CRDs, as cluster resources. Welkin's "self-managed cluster resources" lets an
// application developer create CRDs and update/delete exactly the Flux ones it allows. A change
// of Flux version first goes through FluxCrdStorage (crdStorage/): installed CRDs the new ones
// cannot update in place are replaced when no object of their kind exists, and the preview
// fails, before anything changes, when objects do.
import * as pulumi from "@pulumi/pulumi";
import { awaitedChildOptions, childOptions, StepContext } from "../context/stepContext";
import { FluxCrdStorage, plannedCrds } from "../crdStorage/resource";
import { fluxCrds } from "../flux/bundle";
import { withFieldKnownAfter } from "../kube/knownAfter";
import { kubeObjectResource } from "../kube/objectResource";

/** Every Flux CRD carries it; its value goes through the storage resource (kube/knownAfter.ts). */
const VERSION_LABEL = "app.kubernetes.io/version";

export function createFluxCrds(ctx: StepContext): { crds: pulumi.CustomResource[] } {
    const { name, config, access } = ctx;
    const storage = new FluxCrdStorage(`${name}-crd-storage`, { fluxVersion: config.fluxVersion, crds: plannedCrds(config.fluxVersion), access }, childOptions(ctx));
    const crds = fluxCrds(config.fluxVersion).map((crd) =>
        kubeObjectResource(`${name}-crd-${crd.metadata.name}`, withFieldKnownAfter(crd, ["metadata", "labels", VERSION_LABEL], storage), awaitedChildOptions(ctx, storage)),
    );
    return { crds };
}
