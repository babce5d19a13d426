// Floor (c) of the bench: the manual procedure's kubectl steps, as the application developer,
// for the same objects as welkin-flux (from the component's own renderers), and their teardown
// in reverse.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { delegatedSubjects } from "../../components/adminDelegation/resource";
import { resolveWelkinFluxConfig } from "../../components/config";
import { fluxCrds } from "../../components/flux/bundle";
import { KubeObject } from "../../components/kube/object";
import { renderFluxManifests } from "../../components/render/fluxManifests";
import { welkinFluxRoles } from "../../components/render/welkinRoles";
import { anchorOwnerOf, subnamespaceAnchorObject } from "../../components/steps/fluxNamespace";
import { kubectl } from "../lib/cluster";
import { SandboxFixture } from "../lib/fixture";
import { BenchError, Samples } from "./measure";

const PARENT = "production";
const FLUX_NS = "flux-system";
const GIT_SECRET = "fleet-auth";

export interface Procedure {
    dev: string;
    anchor: KubeObject;
    crds: KubeObject[];
    roles: KubeObject[];
    installObjects: KubeObject[];
    deployments: string[];
    keyFile: string;
    knownHostsFile: string;
}

/**
 * The objects of the procedure, from the component's pure renderers, for the cluster `clusterName`
 * of the stack `stackName` of this repository's program. The anchor names its WelkinFlux as that
 * stack's does; the bench is no running program, so it names the project and stack itself.
 */
export function manualProcedure(fx: SandboxFixture, clusterName: string, stackName: string): Procedure {
    const config = resolveWelkinFluxConfig(clusterName, {
        clusterName,
        repository: { url: fx.repoUrl },
        knownHosts: fx.git.knownHosts,
        deployKey: { privateKey: fs.readFileSync(fx.keyFile, "utf8"), readOnly: false },
    });
    const installObjects = renderFluxManifests(config).installObjects;
    const knownHostsFile = path.join(fx.work, "known_hosts");
    fs.writeFileSync(knownHostsFile, fx.git.knownHosts);
    const procedure: Procedure = {
        dev: fx.sandbox.kubeconfigs.developer,
        anchor: subnamespaceAnchorObject(PARENT, FLUX_NS, anchorOwnerOf("welkin-flux", stackName, clusterName)),
        crds: fluxCrds(config.fluxVersion),
        roles: welkinFluxRoles(PARENT, FLUX_NS),
        installObjects,
        deployments: installObjects.filter((o) => o.kind === "Deployment").map((o) => o.metadata.name),
        keyFile: fx.keyFile,
        knownHostsFile,
    };
    if (config.namespace !== FLUX_NS || config.names.gitSecret !== GIT_SECRET || procedure.crds.length !== 13) {
        throw new BenchError(`unexpected rendering: namespace ${config.namespace}, secret ${config.names.gitSecret}, ${procedure.crds.length} CRDs`);
    }
    return procedure;
}

const DELEGATED = delegatedSubjects(FLUX_NS);

function manifest(objects: KubeObject[]): string {
    return objects.map((o) => yaml.dump(o, { noRefs: true })).join("---\n");
}

export async function kubectlSteps(p: Procedure, samples: Samples): Promise<void> {
    const k = (args: string[], input?: string) => kubectl(p.dev, args, input);
    await samples.timed("  anchor + wait Ok", () => {
        k(["apply", "-f", "-"], manifest([p.anchor]));
        k(["wait", "subnamespaceanchor", FLUX_NS, "-n", PARENT, "--for=jsonpath={.status.status}=Ok", "--timeout=120s"]);
    });
    await samples.timed("  13 CRDs + wait Established", () => {
        // Server-side: the largest Flux CRDs are too big for client-side apply's annotation.
        k(["apply", "--server-side", "-f", "-"], manifest(p.crds));
        k(["wait", "--for=condition=Established", "--timeout=120s", ...p.crds.map((c) => `crd/${c.metadata.name}`)]);
    });
    await samples.timed("  4 Roles/RoleBindings", () => k(["apply", "-f", "-"], manifest(p.roles)));
    await samples.timed("  git Secret", () =>
        k(["create", "secret", "generic", GIT_SECRET, "-n", FLUX_NS, `--from-file=identity=${p.keyFile}`, `--from-file=identity.pub=${p.keyFile}.pub`, `--from-file=known_hosts=${p.knownHostsFile}`]),
    );
    await samples.timed("  apply --server-side install objects", () => k(["apply", "--server-side", "-f", "-"], manifest(p.installObjects)));
    await samples.timed("  delegation patch", () =>
        k(["patch", "rolebinding", "extra-workload-admins", "-n", PARENT, "--type=json", "-p", JSON.stringify(DELEGATED.map((value) => ({ op: "add", path: "/subjects/-", value })))]),
    );
    await samples.timed("  rollout status", () => {
        for (const d of p.deployments) {
            k(["rollout", "status", `deployment/${d}`, "-n", FLUX_NS, "--timeout=120s"]);
        }
    });
}

export async function kubectlTeardown(p: Procedure, samples: Samples): Promise<void> {
    const k = (args: string[], input?: string) => kubectl(p.dev, args, input);
    await samples.timed("  delegation unpatch", () => {
        const rb = JSON.parse(k(["get", "rolebinding", "extra-workload-admins", "-n", PARENT, "-o", "json"])) as { metadata: { resourceVersion: string }; subjects?: object[] };
        const ours = new Set(DELEGATED.map((s) => JSON.stringify(s)));
        const kept = (rb.subjects ?? []).filter((s) => !ours.has(JSON.stringify(s)));
        // resourceVersion: fails rather than dropping a subject someone added meanwhile.
        k(["patch", "rolebinding", "extra-workload-admins", "-n", PARENT, "--type=merge", "-p", JSON.stringify({ metadata: { resourceVersion: rb.metadata.resourceVersion }, subjects: kept })]);
    });
    await samples.timed("  delete install objects", () => k(["delete", "--wait", "-f", "-"], manifest([...p.installObjects].reverse())));
    await samples.timed("  delete git Secret", () => k(["delete", "secret", GIT_SECRET, "-n", FLUX_NS, "--wait"]));
    await samples.timed("  delete Roles/RoleBindings", () => k(["delete", "--wait", "-f", "-"], manifest([...p.roles].reverse())));
    await samples.timed("  delete CRDs", () => k(["delete", "--wait", ...p.crds.map((c) => `crd/${c.metadata.name}`)]));
    await samples.timed("  delete anchor", () => k(["delete", "subnamespaceanchor", FLUX_NS, "-n", PARENT, "--wait"]));
}

/** Untimed: what a teardown started is finished (namespace and CRDs gone), so the next install starts clean. */
export async function settled(fx: SandboxFixture): Promise<void> {
    const deadline = Date.now() + 180_000;
    for (;;) {
        const ns = fx.admin(["get", "namespace", FLUX_NS, "--ignore-not-found", "-o", "name"]).trim();
        const crds = fx.fluxCrds();
        if (ns === "" && crds.length === 0) {
            return;
        }
        if (Date.now() > deadline) {
            throw new BenchError(`teardown did not finish in 3 minutes: ${ns} ${crds.join(" ")}`);
        }
        await new Promise((r) => setTimeout(r, 250));
    }
}
