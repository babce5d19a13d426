// Steps 4 and 5 of the demo, after the up: what it made, read back from the cluster and the git
// server, then Flux's real controllers reconciling it.
import * as path from "path";
import { OutputMap } from "@pulumi/pulumi/automation";
import { kubectl, openSandbox } from "../lib/cluster";
import { fluxControllerVersions, fluxGetTable, missingFluxControllerBinaries, RunningFluxController, runningFluxControllers, startFluxControllers, waitForFluxReady } from "../lib/fluxControllers";
import { repositoryHead, repositoryLog } from "../lib/gitCommits";
import { repositoryDir } from "../lib/gitServer";
import { FLEET } from "../lib/sandboxWithGit";
import { DemoError, section, shortPath } from "./common";

interface K8sObject {
    metadata: { name: string };
    spec?: Record<string, unknown>;
    status?: { conditions?: { type: string; status: string; reason?: string }[]; readyReplicas?: number };
    data?: Record<string, string>;
}

function getJson(kubeconfig: string, args: string[]): K8sObject[] {
    const out = JSON.parse(kubectl(kubeconfig, [...args, "-o", "json"])) as K8sObject | { items: K8sObject[] };
    return "items" in out ? out.items : [out];
}

function condition(o: K8sObject, type: string): string {
    const c = o.status?.conditions?.find((x) => x.type === type);
    return c === undefined ? "none" : `${c.status}${c.reason ? ` (${c.reason})` : ""}`;
}

export function outputString(outputs: OutputMap, key: string): string {
    const v = outputs[key]?.value;
    return typeof v === "string" ? v : JSON.stringify(v);
}

/** flux-system and the Flux objects in it, as the platform administrator reads them. */
function printFluxObjects(admin: string, outputs: OutputMap): void {
    const ns = outputString(outputs, "namespace");
    const [nsObj] = getJson(admin, ["get", "namespace", ns]);
    const anchor = kubectl(admin, ["get", "subnamespaceanchor", ns, "-n", "production", "-o", "jsonpath={.status.status}"]).trim();
    console.log(`\nNamespace\n  ${nsObj.metadata.name}  (HNC subnamespace of production, anchor ${anchor || "no status"})`);

    console.log("\nFlux objects");
    const [gitRepo] = getJson(admin, ["get", "gitrepositories.source.toolkit.fluxcd.io", outputString(outputs, "gitRepositoryName"), "-n", ns]);
    const gitSpec = gitRepo.spec as { url?: string; ref?: { branch?: string } };
    console.log(`  GitRepository  ${gitRepo.metadata.name}  ${gitSpec.url} (branch ${gitSpec.ref?.branch})`);
    const [ks] = getJson(admin, ["get", "kustomizations.kustomize.toolkit.fluxcd.io", outputString(outputs, "kustomizationName"), "-n", ns]);
    console.log(`  Kustomization  ${ks.metadata.name}  path ${(ks.spec as { path?: string }).path}`);
    const [secret] = getJson(admin, ["get", "secret", outputString(outputs, "gitSecretName"), "-n", ns]);
    console.log(`  Secret         ${secret.metadata.name}  keys: ${Object.keys(secret.data ?? {}).sort().join(", ")}`);
    for (const d of getJson(admin, ["get", "deployments", "-n", ns])) {
        console.log(`  Deployment     ${d.metadata.name.padEnd(24)} Available=${condition(d, "Available")}, ready ${d.status?.readyReplicas ?? 0}`);
    }
    console.log("  (their pods are kwok's simulated ones; the controllers that reconcile run out of cluster, below)");
}

/** Step 4: what the up made, read back from the cluster and the git server. */
export function printSummary(stateDir: string, outputs: OutputMap, elapsed: string): void {
    const { admin, developer } = openSandbox(stateDir).kubeconfigs;
    section("What was made");
    console.log(`Read back with the admin kubeconfig (the application developer may not list namespaces).`);
    printFluxObjects(admin, outputs);

    const gitDir = repositoryDir(stateDir, FLEET);
    console.log(`\nCommits in the sandbox repository (${gitDir})`);
    for (const line of repositoryLog(gitDir, ["--format=%h %s", "--", "clusters/"])) {
        console.log(`  ${line}`);
    }

    console.log(`\nDeploy key\n  fingerprint  ${outputString(outputs, "deployKeyFingerprint")}`);

    console.log(`\nTry it\n  kubectl --kubeconfig ${shortPath(developer)} -n ${outputString(outputs, "namespace")} get deployments,gitrepositories,kustomizations`);
    console.log(`  tail -f ${shortPath(path.join(stateDir, "logs", "flux-kustomize-controller.log"))}`);
    console.log(`  npm run demo -- --destroy     # pulumi destroy, then stop the sandbox`);
    console.log(`\n(up done after ${elapsed})`);
}

/** Step 5: Flux's real controllers reconcile what the up committed and applied. */
export async function fluxSyncing(stateDir: string, gitRepository: string, kustomization: string): Promise<void> {
    section("Flux syncing (real source- and kustomize-controller)");
    const missing = missingFluxControllerBinaries();
    if (missing.length > 0) {
        // Step 1 built them; only a cache emptied meanwhile gets here.
        throw new DemoError(`the Flux controllers are gone from the toolchain cache (${missing.join(", ")}); run the demo again to build them`);
    }
    const sandbox = openSandbox(stateDir);
    let controllers: RunningFluxController[] = runningFluxControllers(sandbox);
    if (controllers.length === 0) {
        controllers = await startFluxControllers(sandbox);
        console.log(`started ${fluxControllerVersions().join(", ")}, out of cluster, each as its ServiceAccount in flux-system:`);
    } else {
        console.log(`already running (${fluxControllerVersions().join(", ")}):`);
    }
    for (const c of controllers) {
        console.log(`  ${c.name.padEnd(22)} system:serviceaccount:flux-system:${c.serviceAccount}  log ${shortPath(c.log)}`);
    }
    const head = repositoryHead(repositoryDir(stateDir, FLEET));
    const atHead = (r: string) => r === `main@sha1:${head}`;
    const developer = sandbox.kubeconfigs.developer;
    const source = await waitForFluxReady(developer, "gitrepository", gitRepository, 120_000, atHead);
    console.log(`\n$ flux get sources git -n flux-system\n${fluxGetTable([source])}`);
    const sync = await waitForFluxReady(developer, "kustomization", kustomization, 180_000, atHead);
    console.log(`\n$ flux get kustomizations -n flux-system\n${fluxGetTable([sync])}`);
    console.log(`\nFlux reconciles main@${head.slice(0, 12)}, the newest commit welkin-flux made. The controllers keep running;`);
    console.log(`npm run demo -- --destroy (or npm run sandbox:down) stops them.`);
}
