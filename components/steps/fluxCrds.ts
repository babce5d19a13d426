// Step 2: the Flux CRDs, as cluster resources. Welkin's "self-managed cluster resources" lets an
// application developer create CRDs and update/delete exactly the 13 Flux ones.
import * as pulumi from "@pulumi/pulumi";
import { WelkinFluxConfig } from "../config";
import { ChildOptions, childOptions } from "./childOptions";
import { fluxCrds } from "../fluxDistribution";
import { kubeObjectResource } from "../kubeObjectResource";

export function createFluxCrds(name: string, config: WelkinFluxConfig, base: ChildOptions): pulumi.CustomResource[] {
    return fluxCrds(config.fluxVersion).map((crd) => kubeObjectResource(`${name}-crd-${crd.metadata.name}`, crd, childOptions(base)));
}
