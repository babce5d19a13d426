// How the cost grows with what a user configures: the bench runs the program also with 5 parent
// namespaces and with 10 user patches, each as its own stack of the same program on the same
// sandbox (one at a time: they share flux-system), and prints them beside the default.
import { Stack } from "@pulumi/pulumi/automation";
import { applyObjects } from "../lib/cluster";
import { SandboxFixture } from "../lib/fixture";
import { PROGRAM_DIR } from "../lib/programStack";
import { userNamespaceObjects } from "../lib/welkinPlatform";
import { log, Samples } from "./measure";
import { settled } from "./procedure";
import { pulumi, upWithPreviewOrFail } from "./pulumiCli";

/** Root namespaces the bench adds to the sandbox's production and staging, as Welkin sets them up. */
const MORE_PARENTS = ["bench-1", "bench-2", "bench-3"];

const CONTROLLERS = ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"];

interface UserPatch {
    patch: string;
    target?: { kind: string; name?: string; labelSelector?: string };
}

/** Limits and requests for one controller, as a strategic merge patch (README, "Customising Flux's controllers"). */
function resourcesPatch(deployment: string, i: number): UserPatch {
    const patch = [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        `  name: ${deployment}`,
        "  namespace: flux-system",
        "spec:",
        "  template:",
        "    spec:",
        "      containers:",
        "      - name: manager",
        "        resources:",
        "          limits:",
        `            memory: ${1 + i}Gi`,
        "          requests:",
        `            cpu: ${100 + 50 * i}m`,
        `            memory: ${128 + 64 * i}Mi`,
    ];
    return { patch: patch.join("\n") };
}

/** One more argument for one controller, as a JSON 6902 patch. */
function argumentPatch(deployment: string, i: number): UserPatch {
    const patch = ["- op: add", "  path: /spec/template/spec/containers/0/args/-", `  value: --concurrent=${5 + i}`];
    return { patch: patch.join("\n"), target: { kind: "Deployment", name: deployment } };
}

/** Ten patches of the kinds the README shows: 4 strategic merge, 4 JSON 6902, 2 by label selector. */
export function tenUserPatches(): UserPatch[] {
    return [
        ...CONTROLLERS.map(resourcesPatch),
        ...CONTROLLERS.map(argumentPatch),
        {
            patch: ["- op: add", "  path: /spec/template/metadata/annotations/team.example.com~1owner", "  value: platform"].join("\n"),
            target: { kind: "Deployment", labelSelector: "app.kubernetes.io/part-of=flux" },
        },
        {
            patch: ["- op: add", "  path: /metadata/annotations", "  value:", "    team.example.com/owner: platform"].join("\n"),
            target: { kind: "ServiceAccount", labelSelector: "app.kubernetes.io/part-of=flux" },
        },
    ];
}

export interface Variant {
    /** The table's label. */
    label: string;
    stackName: string;
    stack: Stack;
}

/** The variants' stacks, and the namespaces 5 parents need (created as the platform administrator). */
export async function prepareVariants(fx: SandboxFixture, stackName: string): Promise<Variant[]> {
    applyObjects(fx.sandbox.kubeconfigs.admin, MORE_PARENTS.flatMap((ns) => userNamespaceObjects(ns)));
    const parents = `${stackName}-5-parents`;
    const patches = `${stackName}-10-patches`;
    return [
        { label: "5 parent namespaces", stackName: parents, stack: await fx.programStack(parents, { structured: { extraParentNamespaces: ["staging", ...MORE_PARENTS] } }) },
        { label: "10 user patches", stackName: patches, stack: await fx.programStack(patches, { structured: { patches: tenUserPatches() } }) },
    ];
}

/** The rows a variant is measured in, in the order measured. */
export function variantRows(label: string): string[] {
    return [`ours ${label}: up, fresh environment (CLI, with preview)`, `ours ${label}: preview (steady stack)`, `ours ${label}: no-op up (CLI, with preview)`, `ours ${label}: destroy`];
}

/** One run of a variant on a sandbox without flux-system: fresh up, steady preview, no-op up, destroy. */
export async function measureVariant(fx: SandboxFixture, v: Variant, samples: Samples): Promise<void> {
    log(`variant: ${v.label}`);
    const [up, preview, noop, destroy] = variantRows(v.label);
    await samples.timed(up, () => upWithPreviewOrFail(v.stackName, fx.pulumiDir));
    await samples.timed(preview, () => pulumi(["preview", "--stack", v.stackName], PROGRAM_DIR, fx.pulumiDir));
    await samples.timed(noop, () => upWithPreviewOrFail(v.stackName, fx.pulumiDir));
    await samples.timed(destroy, () => pulumi(["destroy", "--yes", "--stack", v.stackName], PROGRAM_DIR, fx.pulumiDir));
    await settled(fx);
}
