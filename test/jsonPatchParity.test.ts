// Generated JSON 6902 patches of Flux's Deployments, built by the real `kubectl kustomize`
// (evanphx/json-patch inside) and by the component (fast-json-patch): both must give the same
// objects. Seeded; every operation of RFC 6902 appears, on paths that exist when it runs (the
// generator follows each Deployment's args and fields as the operations change them).
import * as yaml from "js-yaml";
import { FluxPatchArgs, WelkinFluxArgs } from "../components/args";
import { resolveWelkinFluxConfig } from "../components/config";
import { renderFluxManifests } from "../components/render/fluxManifests";
import { assertAppliedIsKustomizeBuild } from "./support/kustomize";
import { seededRandom } from "./support/random";

/** What the generator knows of a Deployment while its operations run. */
interface Shape {
    args: number;
    priorityClassName: boolean;
}

const ARGS = "/spec/template/spec/containers/0/args";
const POD = "/spec/template/spec";

type Op = Record<string, unknown>;
const OPERATIONS: ((s: Shape, n: number) => Op | undefined)[] = [
    (s, n) => (s.args++, { op: "add", path: `${ARGS}/-`, value: `--extra-${n}=true` }),
    (s, n) => (s.args++, { op: "add", path: `${ARGS}/0`, value: `--first-${n}` }),
    (s, n) => ({ op: "replace", path: `${ARGS}/${n % s.args}`, value: `--replaced-${n}` }),
    (s, n) => (s.args > 3 ? (s.args--, { op: "remove", path: `${ARGS}/${n % s.args}` }) : undefined),
    () => ({ op: "move", from: `${ARGS}/0`, path: `${ARGS}/-` }),
    (s) => (s.args++, { op: "copy", from: `${ARGS}/0`, path: `${ARGS}/1` }),
    () => ({ op: "test", path: "/spec/template/spec/containers/0/name", value: "manager" }),
    (_s, n) => ({ op: "replace", path: "/spec/replicas", value: 1 + (n % 3) }),
    (_s, n) => ({ op: "add", path: `${POD}/tolerations`, value: [{ key: `pool-${n}`, operator: "Exists", effect: "NoSchedule" }] }),
    (_s, n) => ({ op: "add", path: "/spec/template/metadata/labels/example.com~1team", value: `team-${n}` }),
    (_s, n) => ({ op: "add", path: "/spec/template/metadata/annotations/example.com~1note", value: `note ${n}` }),
    () => ({ op: "copy", from: `${POD}/containers/0/env/0`, path: `${POD}/containers/0/env/-` }),
    (_s, n) => ({ op: "replace", path: `${POD}/terminationGracePeriodSeconds`, value: 30 + n }),
    (s) => (s.priorityClassName ? ((s.priorityClassName = false), { op: "remove", path: `${POD}/priorityClassName` }) : undefined),
    (_s, n) => ({ op: "add", path: `${POD}/containers/0/resources/limits/memory`, value: `${n + 1}Gi` }),
];

function generatedPatch(next: () => number, n: number, shapes: Map<string, Shape>): FluxPatchArgs {
    const names = [...shapes.keys()];
    const name = names[Math.floor(next() * names.length)];
    const shape = shapes.get(name)!;
    const ops: Op[] = [];
    while (ops.length < 2 + Math.floor(next() * 4)) {
        const op = OPERATIONS[Math.floor(next() * OPERATIONS.length)](shape, n * 10 + ops.length);
        if (op !== undefined) {
            ops.push(op);
        }
    }
    // Half as JSON, half as YAML: kustomize reads both.
    return { patch: next() < 0.5 ? JSON.stringify(ops) : yaml.dump(ops), target: { kind: "Deployment", name } };
}

describe("generated JSON 6902 patches: fast-json-patch in the component equals kubectl kustomize", () => {
    const base: WelkinFluxArgs = { clusterName: "dev", repository: { owner: "acme", name: "fleet" } };
    const shapesOf = () =>
        new Map<string, Shape>(
            renderFluxManifests(resolveWelkinFluxConfig("f", base))
                .installObjects.filter((o) => o.kind === "Deployment")
                .map((d) => {
                    const spec = (d.spec as { template: { spec: { priorityClassName?: string; containers: { args: string[] }[] } } }).template.spec;
                    return [d.metadata.name, { args: spec.containers[0].args.length, priorityClassName: spec.priorityClassName !== undefined }];
                }),
        );
    for (let seed = 1; seed <= 12; seed++) {
        it(`seed ${seed}: 4 patches of 2–5 operations each`, () => {
            const next = seededRandom(seed);
            const shapes = shapesOf();
            const patches = [0, 1, 2, 3].map((n) => generatedPatch(next, n, shapes));
            assertAppliedIsKustomizeBuild(renderFluxManifests(resolveWelkinFluxConfig("f", { ...base, patches })));
        });
    }
});
