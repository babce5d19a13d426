// Step 9, for `destroy`: every Flux object goes while the controllers still run to finalize it
// (teardown/provider.ts says why). Deleted first because it depends on everything the
// controllers need to finalize: their Deployments, ServiceAccounts, Roles, admin delegation, the
// namespace and the CRDs.
import * as pulumi from "@pulumi/pulumi";
import { childOptions, StepContext } from "../context/stepContext";
import { fluxKinds, FluxObjectsTeardown, ownSyncObjects, TEARDOWN_TIMEOUT_SECONDS } from "../teardown/resource";

/** `controllersNeed`: what the running controllers need to finalize (all of the install, really). */
export function createFluxTeardown(ctx: StepContext, inputs: { controllersNeed: pulumi.Resource[] }): { teardown: FluxObjectsTeardown } {
    const { name, config, access } = ctx;
    const teardown = new FluxObjectsTeardown(
        `${name}-flux-objects-teardown`,
        { kinds: fluxKinds(config.fluxVersion), own: ownSyncObjects(config), timeoutSeconds: TEARDOWN_TIMEOUT_SECONDS, access },
        childOptions(ctx, ...inputs.controllersNeed),
    );
    return { teardown };
}
