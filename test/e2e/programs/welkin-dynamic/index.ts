// The parts of WelkinFlux that run on the component's own dynamic providers, deployed by the real
// Pulumi engine in the sandbox tests: step 0 (preflight) and step 5 (admin delegation), wired as
// the component wires them. The kubernetes, tls and github provider plugins cannot be built here
// (the Go module proxy refuses their modules), so the other steps are not part of this program.
import * as pulumi from "@pulumi/pulumi";
import { resolveWelkinFluxConfig } from "../../../../components/config";
import { renderFluxManifests } from "../../../../components/render/fluxManifests";
import { StepContext } from "../../../../components/context/stepContext";
import { WelkinPreflight } from "../../../../components/preflight/resource";
import { delegateAdmin } from "../../../../components/steps/adminDelegation";
import { preflightPlan } from "../../../../components/steps/preflight";

const cfg = new pulumi.Config();
const kubeconfig = cfg.requireSecret("kubeconfig");
const config = resolveWelkinFluxConfig("sandbox", {
    clusterName: "sandbox",
    repository: { owner: "sandbox", name: "fleet" },
    parentNamespace: "production",
    extraParentNamespaces: ["staging"],
    kubeconfig,
});
const access = pulumi.secret(kubeconfig.apply((k) => ({ kubeconfig: k })));
const root = new pulumi.ComponentResource("welkin-flux:test:DynamicSteps", "sandbox");
const preflight = new WelkinPreflight("sandbox-preflight", { plan: preflightPlan("sandbox", config, renderFluxManifests(config).installObjects), access }, { parent: root });
const ctx: StepContext = { name: "sandbox", config, access, parent: root, dependsOn: [preflight] };
const { delegations } = delegateAdmin(ctx);


export const delegatedNamespaces = delegations.map((d) => d.namespace);
