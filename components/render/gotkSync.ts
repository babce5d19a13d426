// gotk-sync.yaml exactly as the flux CLI prints it for
//   flux create source git <repo>-repo --url=ssh://git@github.com/<owner>/<repo>.git \
//     --branch=<branch> --secret-ref=<repo>-auth --interval=<interval> --export
//   flux create kustomization <repo>-repo --namespace=flux-system \
//     --source=GitRepository/<repo>-repo.flux-system --path=./clusters/<cluster>/flux-system \
//     --prune=true --interval=<interval> --export
// The CLI marshals with sigs.k8s.io/yaml (keys sorted, block style) and `--export` frames each
// object as "---\n" + object (cmd/flux/export.go printExport).
import * as yaml from "js-yaml";
import { KubeObject } from "../kube/object";

/** The kinds of the objects gotk-sync.yaml holds: the component owns their spec. */
export const SYNC_KINDS: readonly string[] = ["GitRepository", "Kustomization"];

export interface GotkSyncOptions {
    /** GitRepository and Kustomization name (`<repo>-repo`). */
    name: string;
    namespace: string;
    url: string;
    branch: string;
    /** Secret with identity, identity.pub and known_hosts (`<repo>-auth`). */
    secretName: string;
    /** In Go Duration.String() form, e.g. `1m0s`. */
    interval: string;
    /** `./clusters/<cluster>/flux-system` */
    path: string;
}

/** A sync object named and placed as both of gotk-sync.yaml's are. */
function syncObject(o: GotkSyncOptions, apiVersion: string, kind: string, spec: Record<string, unknown>): KubeObject {
    return { apiVersion, kind, metadata: { name: o.name, namespace: o.namespace }, spec };
}

export function gitRepositoryObject(o: GotkSyncOptions): KubeObject {
    return syncObject(o, "source.toolkit.fluxcd.io/v1", "GitRepository", {
        interval: o.interval,
        ref: { branch: o.branch },
        secretRef: { name: o.secretName },
        url: o.url,
    });
}

export function kustomizationObject(o: GotkSyncOptions): KubeObject {
    return syncObject(o, "kustomize.toolkit.fluxcd.io/v1", "Kustomization", {
        interval: o.interval,
        path: o.path,
        prune: true,
        sourceRef: { kind: "GitRepository", name: o.name, namespace: o.namespace },
    });
}

/** One object the way `--export` prints it: "---\n" then the sorted-key YAML. */
export function fluxExport(object: KubeObject): string {
    return "---\n" + yaml.dump(object, { sortKeys: true, lineWidth: -1, noArrayIndent: true, noRefs: true });
}

export function renderGotkSync(o: GotkSyncOptions): string {
    return fluxExport(gitRepositoryObject(o)) + fluxExport(kustomizationObject(o));
}
