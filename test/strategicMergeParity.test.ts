// Generated strategic merge patches of Flux's Deployments, built by the real `kubectl kustomize`
// and by the component: both must give the same objects. Seeded, so a failure reproduces; each
// patch combines edits from a vocabulary of what users change (env, volumes, sidecars, resources,
// scheduling, metadata) with kustomize's directives (null, `$patch: delete`, `$patch: replace`).
import * as yaml from "js-yaml";
import { FluxPatchArgs, WelkinFluxArgs } from "../components/args";
import { resolveWelkinFluxConfig } from "../components/config";
import { renderFluxManifests } from "../components/render/fluxManifests";
import { assertAppliedIsKustomizeBuild } from "./support/kustomize";
import { seededRandom } from "./support/random";

type Map = Record<string, unknown>;

/** One edit to a patch's pod template spec (`spec`) and its manager container (`manager`). */
const EDITS: ((p: { spec: Map; manager: Map; template: Map }, n: number) => void)[] = [
    ({ manager }, n) => push(manager, "env", { name: `EXTRA_${n}`, value: `v${n}` }),
    ({ manager }, n) => push(manager, "env", { name: "TUF_ROOT", value: `/tmp/tuf-${n}` }),
    ({ manager }) => push(manager, "env", { name: "RUNTIME_NAMESPACE", $patch: "delete" }),
    ({ manager }) => push(manager, "env", { name: "RUNTIME_NAMESPACE", valueFrom: null, value: "flux-system" }),
    ({ manager }, n) => push(manager, "volumeMounts", { name: `cache-${n}`, mountPath: `/cache-${n}` }),
    ({ manager }) => push(manager, "volumeMounts", { mountPath: "/tmp", name: "temp", readOnly: false }),
    ({ spec }, n) => push(spec, "volumes", { name: `cache-${n}`, emptyDir: { sizeLimit: `${n + 1}Gi` } }),
    ({ spec }) => push(spec, "volumes", { name: "temp", emptyDir: { medium: "Memory" } }),
    ({ spec }, n) => push(spec, "containers", { name: `sidecar-${n}`, image: `registry.example.com/sidecar:${n}`, resources: { requests: { cpu: "10m", memory: "16Mi" } } }),
    ({ manager }, n) => (manager.resources = { limits: { memory: `${n + 1}Gi` } }),
    ({ manager }, n) => (manager.resources = { $patch: "replace", requests: { cpu: `${n + 1}00m`, memory: "128Mi" } }),
    ({ manager }) => (manager.args = ["--log-level=debug", "--log-encoding=json"]),
    ({ manager }) => (manager.livenessProbe = null),
    ({ manager }, n) => (manager.securityContext = { runAsUser: 65000 + n }),
    ({ spec }, n) => (spec.nodeSelector = { "kubernetes.io/os": null, [`example.com/pool-${n}`]: "flux" }),
    ({ spec }, n) => (spec.tolerations = [{ key: `example.com/pool-${n}`, operator: "Exists", effect: "NoSchedule" }]),
    ({ spec }) => (spec.priorityClassName = null),
    ({ spec }, n) => (spec.terminationGracePeriodSeconds = 30 + n),
    ({ spec }, n) => push(spec, "imagePullSecrets", { name: `pull-${n}` }),
    ({ spec }, n) => push(spec, "hostAliases", { ip: `10.0.0.${n + 1}`, hostnames: [`git-${n}.internal`] }),
    ({ template }, n) => (template.metadata = { annotations: { [`example.com/note-${n}`]: "x", "prometheus.io/scrape": null } }),
    ({ template }, n) => (template.metadata = { labels: { [`example.com/team-${n}`]: "platform" } }),
];

function push(into: Map, list: string, element: Map): void {
    const items = (into[list] ??= []) as Map[];
    // One element per key in a patch, as kustomize reads a patch (a repeated key is ambiguous).
    const key = "name" in element ? "name" : "ip";
    if (!items.some((e) => e[key] === element[key] || (element.mountPath !== undefined && e.mountPath === element.mountPath))) {
        items.push(element);
    }
}

function generatedPatch(next: () => number, n: number): FluxPatchArgs {
    const manager: Map = { name: "manager" };
    const spec: Map = { containers: [manager] };
    const template: Map = { spec };
    const edits = 2 + Math.floor(next() * 4);
    for (let i = 0; i < edits; i++) {
        EDITS[Math.floor(next() * EDITS.length)]({ spec, manager, template }, n * 10 + i);
    }
    const body = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "all" }, spec: { template } };
    const names = ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"];
    const target = next() < 0.3 ? { kind: "Deployment", labelSelector: "app.kubernetes.io/part-of=flux" } : { kind: "Deployment", name: names[Math.floor(next() * names.length)] };
    return { patch: yaml.dump(body), target };
}

describe("generated strategic merge patches: the component's merge equals kubectl kustomize", () => {
    const base: WelkinFluxArgs = { clusterName: "dev", repository: { owner: "acme", name: "fleet" } };
    for (let seed = 1; seed <= 12; seed++) {
        it(`seed ${seed}: 4 patches of 2–5 edits each`, () => {
            const next = seededRandom(seed);
            const patches = [0, 1, 2, 3].map((n) => generatedPatch(next, n));
            const manifests = renderFluxManifests(resolveWelkinFluxConfig("f", { ...base, patches }));
            assertAppliedIsKustomizeBuild(manifests);
        });
    }
});
