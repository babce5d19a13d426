// Render tier: the user's kustomize patches. What the component applies must be exactly what
// `kubectl kustomize` builds from the committed files, and a patch that matches nothing, is
// malformed or undoes what Welkin and the component need is refused before anything is created.
import * as assert from "assert";
import { FluxPatchArgs, WelkinFluxArgs } from "../components/args";
import { resolveWelkinFluxConfig, WelkinFluxArgsError } from "../components/config";
import { KubeObject } from "../components/kube/object";
import { parseSelector } from "../components/kustomize/labelSelector";
import { checkWelkinPolicies } from "../components/policy/welkinPolicies";
import { Container, podTemplate } from "../components/kube/podTemplate";
import { renderFluxManifests } from "../components/render/fluxManifests";
import { FluxPatchProblems } from "../components/render/userPatches";
import { WelkinFlux } from "../components/welkinFlux";
import { assertAppliedIsKustomizeBuild } from "./support/kustomize";
import { CONCURRENCY, RESOURCES, SCHEDULING } from "./support/patchExamples";

const base: WelkinFluxArgs = { clusterName: "dev", repository: { owner: "acme", name: "fleet" } };
const IMAGE_AUTOMATION = ["image-reflector-controller", "image-automation-controller"] as const;

/** A strategic merge patch of Deployments: kustomize needs kind and a name even when a target selects. */
function deploymentPatch(body: string): string {
    return `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: all\n${body}`;
}

function render(args: WelkinFluxArgs) {
    return renderFluxManifests(resolveWelkinFluxConfig("f", args));
}

function deployment(objects: Map<string, KubeObject>, name: string): KubeObject {
    return objects.get(`apps/v1/Deployment/flux-system/${name}`)!;
}

function manager(o: KubeObject): Container & Record<string, unknown> {
    return podTemplate(o)!.spec!.containers![0] as Container & Record<string, unknown>;
}

/** The problems a set of patches is refused with, at argument resolution or at rendering. */
function refusal(patches: unknown[], args: Partial<WelkinFluxArgs> = {}): string {
    try {
        render({ ...base, ...args, patches: patches as FluxPatchArgs[] });
    } catch (e) {
        if (e instanceof WelkinFluxArgsError || e instanceof FluxPatchProblems) {
            return e.problems.join("\n");
        }
        throw e;
    }
    assert.fail("the patches were accepted");
}

describe("user patches: applied exactly as `kubectl kustomize` builds them", () => {
    it("raise --concurrent with a JSON 6902 patch on three controllers", () => {
        const objects = assertAppliedIsKustomizeBuild(render({ ...base, patches: [CONCURRENCY] }));
        for (const name of ["kustomize-controller", "helm-controller", "source-controller"]) {
            assert.deepStrictEqual(manager(deployment(objects, name)).args!.slice(-2), ["--concurrent=20", "--requeue-dependency=5s"]);
        }
        assert.ok(!manager(deployment(objects, "notification-controller")).args!.includes("--concurrent=20"));
    });

    it("set resources with a strategic merge patch that names its Deployment", () => {
        const objects = assertAppliedIsKustomizeBuild(render({ ...base, patches: [RESOURCES] }));
        assert.deepStrictEqual(manager(deployment(objects, "kustomize-controller")).resources, {
            limits: { cpu: "2000m", memory: "2Gi" },
            requests: { cpu: "200m", memory: "256Mi" },
        });
    });

    it("add tolerations and a node selector to every controller by label, with image automation", () => {
        const objects = assertAppliedIsKustomizeBuild(render({ ...base, componentsExtra: [...IMAGE_AUTOMATION], patches: [SCHEDULING] }));
        const deployments = [...objects.values()].filter((o) => o.kind === "Deployment");
        assert.strictEqual(deployments.length, 6);
        for (const d of deployments) {
            const spec = podTemplate(d)!.spec as Record<string, unknown>;
            assert.deepStrictEqual(spec.tolerations, [{ key: "elastisys.io/node-group", operator: "Equal", value: "flux", effect: "NoSchedule" }]);
            // Merged into Flux's own nodeSelector, not replacing it.
            assert.deepStrictEqual(spec.nodeSelector, { "kubernetes.io/os": "linux", "elastisys.io/node-group": "flux" });
        }
    });

    it("all three together, after the lockdown flags, on Flux v2.9.4 behind a registry mirror", () => {
        const objects = assertAppliedIsKustomizeBuild(
            render({
                ...base,
                fluxVersion: "v2.9.4",
                lockdown: { noCrossNamespaceRefs: true, noRemoteBases: true },
                registry: "harbor.example.com/fluxcd",
                imagePullSecret: { name: "harbor-pull" },
                patches: [CONCURRENCY, RESOURCES, SCHEDULING],
            }),
        );
        const args = manager(deployment(objects, "kustomize-controller")).args!;
        assert.ok(args.includes("--watch-all-namespaces=false") && args.includes("--no-remote-bases=true") && args.includes("--concurrent=20"));
    });

    it("merges lists by their Kubernetes merge keys and replaces the others, as kustomize does", () => {
        const patch = deploymentPatch([
            "spec:",
            "  template:",
            "    spec:",
            "      priorityClassName: null",
            "      containers:",
            "      - name: manager",
            "        env:",
            "        - name: HTTPS_PROXY",
            "          value: http://proxy.internal:3128",
            "        - name: RUNTIME_NAMESPACE",
            "          $patch: delete",
            "        volumeMounts:",
            "        - name: cache",
            "          mountPath: /cache",
            "        args: [--watch-all-namespaces=true, --log-level=debug]",
            "        resources:",
            "          $patch: replace",
            "          requests: { cpu: 50m, memory: 64Mi }",
            "      - name: proxy",
            "        image: registry.example.com/proxy:1.0",
            "      volumes:",
            "      - name: cache",
            "        emptyDir: {}",
        ].join("\n"));
        const objects = assertAppliedIsKustomizeBuild(render({ ...base, patches: [{ patch, target: { kind: "Deployment", name: "helm-controller" } }] }));
        const helm = deployment(objects, "helm-controller");
        assert.deepStrictEqual(
            podTemplate(helm)!.spec!.containers!.map((c) => c.name),
            ["manager", "proxy"],
        );
        assert.deepStrictEqual(manager(helm).args, ["--watch-all-namespaces=true", "--log-level=debug"]);
        assert.strictEqual((podTemplate(helm)!.spec as Record<string, unknown>).priorityClassName, undefined);
    });

    it("keeps nulls inside a list it replaces and resolves them in maps and merged lists, as kustomize does", () => {
        const patch = deploymentPatch(
            [
                "spec:",
                "  template:",
                "    spec:",
                "      tolerations: [{key: a, operator: Exists, value: null}]",
                "      affinity: {nodeAffinity: null, podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: null}}",
                "      containers:",
                "      - name: manager",
                "        env: [{name: A, value: a, valueFrom: null}, {name: B, $patch: delete}]",
                "        volumeMounts: [{name: m, mountPath: /m, subPath: null}]",
                "      volumes:",
                "      - $patch: replace",
                "      - {name: temp, emptyDir: null, configMap: {name: c, optional: null}}",
            ].join("\n"),
        );
        const objects = assertAppliedIsKustomizeBuild(render({ ...base, patches: [{ patch, target: { kind: "Deployment", name: "helm-controller" } }] }));
        const spec = podTemplate(deployment(objects, "helm-controller"))!.spec as Record<string, unknown>;
        assert.deepStrictEqual(spec.tolerations, [{ key: "a", operator: "Exists", value: null }]);
        assert.deepStrictEqual(spec.volumes, [{ name: "temp", configMap: { name: "c" } }]);
    });

    it("every merged, replaced and value-merged list of the kinds Flux installs, as kustomize's schema has them", () => {
        const podSpec = [
            "spec:",
            "  template:",
            "    metadata:",
            "      finalizers: [example.com/a]",
            "    spec:",
            "      initContainers: [{name: init, image: busybox:1.36}]",
            "      containers:",
            "      - name: manager",
            "        env: [{name: A, value: a}]",
            "        volumeMounts: [{name: temp, mountPath: /tmp, readOnly: false}, {name: extra, mountPath: /extra}]",
            "        volumeDevices: [{name: dev, devicePath: /dev/x}]",
            "        resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]",
            "        envFrom: [{configMapRef: {name: flux-env}}]",
            "      volumes: [{name: extra, emptyDir: {}}]",
            "      imagePullSecrets: [{name: extra-pull}]",
            "      hostAliases: [{ip: 10.0.0.1, hostnames: [git.internal]}]",
            "      readinessGates: [{conditionType: example.com/ready}]",
            "      resourceClaims: [{name: gpu}]",
            "      schedulingGates: [{name: example.com/gate}]",
        ].join("\n");
        const patches: FluxPatchArgs[] = [
            { patch: `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: all\n  finalizers: [example.com/b]\n  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: u-1}]\n${podSpec}`, target: { kind: "Deployment" } },
            { patch: "kind: ServiceAccount\nmetadata: {name: all}\nsecrets: [{name: token}]\nimagePullSecrets: [{name: extra-pull}]", target: { kind: "ServiceAccount" } },
            { patch: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-egress, namespace: flux-system}\nspec:\n  policyTypes: [Egress]\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]" },
        ];
        assertAppliedIsKustomizeBuild(render({ ...base, imagePullSecret: { name: "harbor-pull" }, patches }));
    });

    it("patches the sync objects where no input sets the field (decryption), and Services and annotations by selector", () => {
        const decryption = {
            patch: "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: fleet-repo\n  namespace: flux-system\nspec:\n  decryption:\n    provider: sops\n    secretRef:\n      name: sops-age\n",
        };
        const annotate = {
            patch: '[{"op": "add", "path": "/metadata/annotations", "value": {"team": "platform"}}]',
            target: { kind: "Service|ServiceAccount", labelSelector: "app.kubernetes.io/component in (source-controller, notification-controller), app.kubernetes.io/part-of" },
        };
        const objects = assertAppliedIsKustomizeBuild(render({ ...base, patches: [decryption, annotate] }));
        assert.deepStrictEqual((objects.get("kustomize.toolkit.fluxcd.io/v1/Kustomization/flux-system/fleet-repo")!.spec as Record<string, unknown>).decryption, {
            provider: "sops",
            secretRef: { name: "sops-age" },
        });
        const annotated = [...objects.values()].filter((o) => (o.metadata.annotations as Record<string, string> | undefined)?.team === "platform");
        assert.deepStrictEqual(annotated.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
            "Service/notification-controller",
            "Service/source-controller",
            "Service/webhook-receiver",
            "ServiceAccount/notification-controller",
            "ServiceAccount/source-controller",
        ]);
    });

    it("rewrites an image a patch sets through the registry mirror, as `images:` runs after the patches", () => {
        const patch = { patch: '[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "ghcr.io/fluxcd/source-controller:v1.1.1"}]', target: { name: "source-controller", kind: "Deployment" } };
        const objects = assertAppliedIsKustomizeBuild(render({ ...base, registry: "harbor.example.com/fluxcd", patches: [patch] }));
        assert.strictEqual(manager(deployment(objects, "source-controller")).image, "harbor.example.com/fluxcd/source-controller:v1.1.1");
    });

    it("commits each patch after Welkin's, with its text and target as given", () => {
        const text = render({ ...base, patches: [CONCURRENCY, RESOURCES] }).files.kustomization.content;
        const welkin = text.indexOf("Remove all CRDS");
        const mine = text.indexOf("# Your patches[0]");
        assert.ok(welkin > 0 && mine > welkin, text);
        assert.ok(text.includes("      name: (kustomize-controller|helm-controller|source-controller)"), text);
        assert.ok(text.includes("  # Your patches[1]\n  - patch: |-\n      apiVersion: apps/v1\n"), text);
    });

    it("runs the Welkin policy checks on the patched objects", () => {
        const latest = { patch: '[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "ghcr.io/fluxcd/helm-controller:latest"}]', target: { kind: "Deployment", name: "helm-controller" } };
        const noRequests = { patch: deploymentPatch("spec:\n  template:\n    spec:\n      containers:\n      - name: manager\n        resources: null\n"), target: { kind: "Deployment", name: "notification-controller" } };
        const findings = checkWelkinPolicies(render({ ...base, patches: [latest, noRequests] }).installObjects);
        const about = (policy: string) => findings.filter((f) => f.policy === policy).map((f) => f.object);
        assert.deepStrictEqual(about("disallowed-tags"), ["Deployment/helm-controller container manager"]);
        assert.deepStrictEqual(about("resource-requests"), ["Deployment/notification-controller container manager"]);
    });
});

describe("user patches refused at preview, by index and reason", () => {
    const cases: [string, unknown[], RegExp, Partial<WelkinFluxArgs>?][] = [
        ["a target that matches nothing", [{ patch: "[]", target: { kind: "Deploymnt" } }], /patches\[0\] \(JSON 6902\): its target \{"kind":"Deploymnt"\} matches none of the 16 objects WelkinFlux applies \(NetworkPolicy flux-system\/allow-egress, [^]*Kustomization flux-system\/fleet-repo\)/],
        ["a CRD, which Welkin's patches remove first", [{ patch: "kind: CustomResourceDefinition\nmetadata:\n  name: all\n  labels: {a: b}", target: { kind: "CustomResourceDefinition" } }], /matches none .*and the component installs Flux's CRDs itself/],
        ["YAML that does not parse", [{ patch: "spec: [unclosed", target: { kind: "Deployment" } }], /patches\[0\]\.patch: it is not valid YAML or JSON: /],
        ["a scalar", [{ patch: "42", target: { kind: "Deployment" } }], /neither a strategic merge patch \(an object\) nor a JSON 6902 patch/],
        ["two documents", [{ patch: "a: 1\n---\nb: 2\n", target: { kind: "Deployment" } }], /it holds 2 YAML documents; give one patch per entry/],
        ["an unknown JSON 6902 operation", [{ patch: '[{"op": "merge", "path": "/spec"}]', target: { kind: "Deployment" } }], /JSON 6902 operation 0 is malformed: Operation `op` property is not one of operations defined in RFC-6902/],
        ["a JSON 6902 operation on a missing path", [{ patch: "- op: add\n  path: /spec/template/spec/affinity/nodeAffinity\n  value: {}", target: { kind: "Deployment", name: "source-controller" } }], /JSON 6902 operation 0 \(add \/spec\/template\/spec\/affinity\/nodeAffinity\) fails on Deployment flux-system\/source-controller/],
        ["a JSON 6902 patch without a target", [{ patch: '[{"op": "add", "path": "/metadata/labels/a", "value": "b"}]' }], /a JSON 6902 patch needs a target/],
        ["a strategic merge patch naming no object", [{ patch: "spec:\n  replicas: 2", target: { kind: "Deployment" } }], /a strategic merge patch must give kind and metadata\.name, as kustomize requires/],
        ["a strategic merge patch without a target and without apiVersion", [{ patch: "kind: Deployment\nmetadata: {name: helm-controller, namespace: flux-system}\nspec: {replicas: 2}" }], /patches\[0\] \(strategic merge\): the object it names matches none of the 16 objects/],
        [
            "an unquoted label or annotation value YAML reads as a date, number or boolean",
            [
                { patch: "kind: Deployment\nmetadata:\n  name: all\n  annotations: {since: 2024-01-01, mode: 0755}", target: { kind: "Deployment" } },
                { patch: "- op: add\n  path: /metadata/labels/replicas\n  value: 1", target: { kind: "Deployment" } },
            ],
            /patches\[0\]\.patch: label and annotation values are strings: quote metadata\.annotations\.since: 2024-01-01, metadata\.annotations\.mode: 755 [^]*patches\[1\]\.patch: label and annotation values are strings: quote \/metadata\/labels\/replicas: 1/,
        ],
        ["an unknown target field", [{ patch: "[]", target: { kinds: "Deployment" } }], /patches\[0\]\.target has an unknown field "kinds"/],
        ["a target regular expression that does not compile", [{ patch: "[]", target: { name: "(source" } }], /target\.name "\(source" is not a regular expression/],
        ["a label selector that does not parse", [{ patch: "[]", target: { labelSelector: "app in (a" } }], /target\.labelSelector "app in \(a" is not a selector/],
        ["a directive kustomize does not implement", [{ patch: deploymentPatch("spec:\n  template:\n    spec:\n      $retainKeys: [containers]"), target: { kind: "Deployment" } }], /\$retainKeys at spec\.template\.spec is a directive kustomize does not implement/],
        [
            "a list directive on a list the object does not have (kustomize would commit the directive itself)",
            [{ patch: deploymentPatch("spec:\n  template:\n    spec:\n      initContainers:\n      - $patch: replace\n      - {name: init, image: busybox:1.36}"), target: { kind: "Deployment" } }],
            /\$patch: replace on spec\.template\.spec\.initContainers, which the object does not have: give the list without the directive/,
        ],
        ["a list merged by several keys", [{ patch: "kind: Service\nmetadata: {name: all}\nspec:\n  ports:\n  - port: 8080\n    name: x", target: { kind: "Service", name: "source-controller" } }], /spec\.ports is a list Kubernetes merges by port and protocol; change it with a JSON 6902 patch/],
        [
            "one that re-adds what Welkin's patches replace (v2.9.4's --watch-all-namespaces=true)",
            [{ patch: "- op: replace\n  path: /spec/template/spec/containers/0/args/1\n  value: --watch-all-namespaces=true", target: { kind: "Deployment", name: "kustomize-controller" } }],
            /it undoes Welkin's change of --watch-all-namespaces=true to --watch-all-namespaces=false on Deployment flux-system\/kustomize-controller/,
            { fluxVersion: "v2.9.4" },
        ],
        [
            "one that removes a seccompProfile",
            [{ patch: deploymentPatch("spec:\n  template:\n    spec:\n      containers:\n      - name: manager\n        securityContext:\n          seccompProfile: null"), target: { kind: "Deployment" } }],
            /it removes securityContext\.seccompProfile\.type: RuntimeDefault from container manager of Deployment flux-system\/helm-controller: Welkin runs workloads under restricted Pod Security/,
        ],
        ["one that moves a controller to another namespace", [{ patch: '[{"op": "replace", "path": "/metadata/namespace", "value": "production"}]', target: { kind: "Deployment", name: "source-controller" } }], /it changes apps\/v1 Deployment flux-system\/source-controller into apps\/v1 Deployment production\/source-controller/],
        ["one that renames a ServiceAccount", [{ patch: '[{"op": "replace", "path": "/metadata/name", "value": "sc"}]', target: { kind: "ServiceAccount", name: "source-controller" } }], /into v1 ServiceAccount flux-system\/sc/],
        ["one that runs a controller as another ServiceAccount", [{ patch: deploymentPatch("spec:\n  template:\n    spec:\n      serviceAccountName: default"), target: { kind: "Deployment", name: "helm-controller" } }], /runs Deployment flux-system\/helm-controller as ServiceAccount "default" instead of "helm-controller"/],
        ["one that renames the sync objects", [{ patch: '[{"op": "replace", "path": "/metadata/name", "value": "flux-system"}]', target: { kind: "GitRepository|Kustomization" } }], /into source\.toolkit\.fluxcd\.io\/v1 GitRepository flux-system\/flux-system[^]*into kustomize\.toolkit\.fluxcd\.io\/v1 Kustomization flux-system\/flux-system/],
        ["one that changes the branch Flux follows", [{ patch: '[{"op": "replace", "path": "/spec/ref/branch", "value": "dev"}]', target: { kind: "GitRepository" } }], /changes spec\.ref of GitRepository flux-system\/fleet-repo, which the component sets from repository\.branch/],
        ["one that deletes a ServiceAccount", [{ patch: "$patch: delete\nkind: ServiceAccount\nmetadata: {name: x}", target: { kind: "ServiceAccount", name: "helm-controller" } }], /it deletes ServiceAccount flux-system\/helm-controller, which Flux needs on Welkin/],
        [
            "one that removes a lockdown flag the inputs add",
            [{ patch: deploymentPatch("spec:\n  template:\n    spec:\n      containers:\n      - name: manager\n        args: [--events-addr=]"), target: { kind: "Deployment", name: "kustomize-controller" } }],
            /it removes --no-remote-bases=true from Deployment flux-system\/kustomize-controller, which the lockdown input adds: change lockdown instead/,
            { lockdown: { noRemoteBases: true } },
        ],
    ];
    for (const [title, patches, message, args] of cases) {
        it(title, () => {
            assert.match(refusal(patches, args), message);
        });
    }

    it("reports every bad patch at once, and the good ones are not blamed", () => {
        const problems = refusal([
            CONCURRENCY,
            { patch: "[]", target: { kind: "Nope" } },
            RESOURCES,
            { patch: '[{"op": "remove", "path": "/spec/nope"}]', target: { kind: "Deployment", name: "helm-controller" } },
        ]).split("\n");
        assert.strictEqual(problems.length, 2, problems.join("\n"));
        assert.match(problems[0], /^patches\[1\] \(JSON 6902\): its target/);
        assert.match(problems[1], /^patches\[3\] \(JSON 6902\): JSON 6902 operation 0 \(remove \/spec\/nope\) fails/);
    });

    it("through the component: a WelkinFluxArgsError naming the patch, before anything is registered", () => {
        assert.throws(
            () => new WelkinFlux("f", { ...base, patches: [{ patch: "[]", target: { kind: "Nope" } }] }),
            (e: Error) => e instanceof WelkinFluxArgsError && /nothing was created/.test(e.message) && /patches\[0\] \(JSON 6902\): its target \{"kind":"Nope"\} matches none/.test(e.message),
        );
    });
});

describe("label selectors of patch targets", () => {
    const labels = { app: "web", tier: "front", "example.com/team": "a" };
    const cases: [string, boolean][] = [
        ["", true],
        ["app", true],
        ["!app", false],
        ["app=web", true],
        ["app==web,tier=front", true],
        ["app!=web", false],
        ["missing!=x", true],
        ["app in (web, api)", true],
        ["app notin (web)", false],
        ["missing notin (x)", true],
        ["example.com/team=a, app in (web)", true],
        ["tier in (back)", false],
    ];
    for (const [selector, expected] of cases) {
        it(`"${selector}" ${expected ? "selects" : "does not select"} ${JSON.stringify(labels)}`, () => {
            assert.strictEqual(parseSelector(selector).matches(labels), expected);
        });
    }
    for (const bad of ["app in (a", "a,,b", "-x=1", "app=in valid"]) {
        it(`refuses "${bad}"`, () => {
            assert.throws(() => parseSelector(bad));
        });
    }
});
