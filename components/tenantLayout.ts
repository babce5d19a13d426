// Welkin known issue: Flux cannot apply a Role and a RoleBinding to it in one Kustomization.
// kustomize-controller server-side dry-runs the whole set first; the RoleBinding's escalation
// check needs the Role to exist (or the `bind` verb, which Welkin does not grant), so the dry
// run is Forbidden. The workaround is two Kustomizations, the RoleBindings one dependsOn the
// Roles one. This lays a tenant's manifests out that way, ready to commit.
import * as yaml from "js-yaml";
import { FLUX_NAMESPACE } from "./config/defaults";
import { KubeObject } from "./kube/object";
import { normalizeFluxInterval } from "./config/goDuration";
import { fluxExport } from "./render/gotkSync";
import { intervalProblems, namespaceNameProblems, DNS1123_LABEL, q } from "./config/fieldProblems";

export interface TenantLayoutOptions {
    /** Names the Flux Kustomizations `<name>-roles`, `<name>-rolebindings` and `<name>-workloads`. */
    name: string;
    /** Repository folder for the tenant, e.g. `clusters/dev/tenants/team-a` (no leading `./`). */
    path: string;
    /** The GitRepository in flux-system the Kustomizations read (WelkinFlux's `gitRepositoryName`). */
    sourceName: string;
    /** Default `10m`. */
    interval?: string;
    /** Namespace for objects that name none (Flux's `targetNamespace`). */
    targetNamespace?: string;
}

export interface TenantLayout {
    /** Files to commit, by repository path. */
    files: { path: string; content: string }[];
    /** The Flux Kustomizations (also in `<path>/flux-kustomizations.yaml`), in dependency order. */
    kustomizations: KubeObject[];
}

// Welkin application developers (and so Flux acting for them) cannot create these at all.
const CLUSTER_RBAC = new Set(["ClusterRole", "ClusterRoleBinding"]);

function folderKustomization(file: string): string {
    return `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ${file}\n`;
}

function manifest(objects: KubeObject[]): string {
    return objects.map((o) => "---\n" + yaml.dump(o, { lineWidth: -1, noRefs: true })).join("");
}

export function layoutTenantManifests(options: TenantLayoutOptions, objects: KubeObject[]): TenantLayout {
    const problems: string[] = [];
    if (!DNS1123_LABEL.test(options.name) || options.name.length > 50) {
        problems.push(`name ${q(options.name)} must be lowercase letters, digits and '-' (at most 50 characters).`);
    }
    if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(options.path) || options.path.split("/").some((s) => s === "." || s === "..")) {
        problems.push(`path ${q(options.path)} must be a relative repository folder like "clusters/dev/tenants/team-a".`);
    }
    if (options.targetNamespace !== undefined) {
        problems.push(...namespaceNameProblems("targetNamespace", options.targetNamespace));
    }
    const interval = options.interval ?? "10m";
    problems.push(...intervalProblems("interval", interval));
    for (const o of objects.filter((x) => CLUSTER_RBAC.has(x.kind))) {
        problems.push(`${o.kind} ${o.metadata.name}: application developers on Welkin cannot create cluster-wide RBAC, so Flux cannot either; use a Role and RoleBinding.`);
    }
    if (problems.length > 0) {
        throw new Error(`Cannot lay out tenant ${q(options.name)}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }

    const groups: { suffix: string; objects: KubeObject[] }[] = [
        { suffix: "roles", objects: objects.filter((o) => o.kind === "Role") },
        { suffix: "rolebindings", objects: objects.filter((o) => o.kind === "RoleBinding") },
        { suffix: "workloads", objects: objects.filter((o) => o.kind !== "Role" && o.kind !== "RoleBinding") },
    ].filter((g) => g.objects.length > 0);

    const files: TenantLayout["files"] = [];
    const kustomizations: KubeObject[] = [];
    for (const [i, g] of groups.entries()) {
        const folder = `${options.path}/${g.suffix}`;
        files.push({ path: `${folder}/${g.suffix}.yaml`, content: manifest(g.objects) });
        files.push({ path: `${folder}/kustomization.yaml`, content: folderKustomization(`${g.suffix}.yaml`) });
        const previous = kustomizations[i - 1];
        kustomizations.push({
            apiVersion: "kustomize.toolkit.fluxcd.io/v1",
            kind: "Kustomization",
            metadata: { name: `${options.name}-${g.suffix}`, namespace: FLUX_NAMESPACE },
            spec: {
                // The RoleBindings wait until the Roles Kustomization is Ready; the rest after both.
                ...(previous === undefined ? {} : { dependsOn: [{ name: previous.metadata.name }] }),
                interval: normalizeFluxInterval(interval),
                path: `./${folder}`,
                prune: true,
                sourceRef: { kind: "GitRepository", name: options.sourceName, namespace: FLUX_NAMESPACE },
                ...(options.targetNamespace === undefined ? {} : { targetNamespace: options.targetNamespace }),
            },
        });
    }
    files.push({ path: `${options.path}/flux-kustomizations.yaml`, content: kustomizations.map(fluxExport).join("") });
    return { files, kustomizations };
}
