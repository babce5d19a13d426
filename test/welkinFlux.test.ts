// Unit tier: the component's wiring under pulumi.runtime.setMocks (no engine, no providers).
import * as assert from "assert";
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { WelkinFluxArgs } from "../components/args";
import { WelkinFluxArgsError } from "../components/config";
import { SERVICE_SETTLE_BOUND } from "../components/config/waits";
import { readFluxBundle } from "../components/flux/bundle";
import { WELKIN_ALLOWED_FLUX_CRDS } from "../components/render/welkinChanges";
import { GITHUB_KNOWN_HOSTS } from "../components/render/githubKnownHosts";
import { WelkinPolicyError } from "../components/steps/preflight";
import { WelkinFlux } from "../components/welkinFlux";
import { FAKE_PRIVATE_KEY, FAKE_PUBLIC_KEY, isSecretOutput, isSecretValue, RecordingMocks, Registration, reveal, settle, unwrap, useMocks, withoutKubeconfig } from "./support/mocks";
import { DROPS_REQUESTS } from "./support/patchExamples";

const KUBECONFIG = `
apiVersion: v1
kind: Config
current-context: dev
contexts: [{ name: dev, context: { cluster: c, user: u } }]
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:6443" } }]
users: [{ name: u, user: { token: kube-token-value } }]
`;

const args: WelkinFluxArgs = {
    clusterName: "dev",
    repository: { owner: "acme", name: "fleet" },
    kubeconfig: KUBECONFIG,
    // The single-replica finding is covered in policy.test.ts; here it would only add noise.
    policyChecks: { ignore: ["minimum-replicas"] },
};

const T = {
    component: "welkin-flux:index:WelkinFlux",
    privateKey: "tls:index/privateKey:PrivateKey",
    deployKey: "github:index/repositoryDeployKey:RepositoryDeployKey",
    file: "github:index/repositoryFile:RepositoryFile",
    crd: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
    anchor: "kubernetes:hnc.x-k8s.io/v1alpha2:SubnamespaceAnchor",
    role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    delegation: "pulumi-nodejs:dynamic/welkin-flux:AdminDelegation",
    preflight: "pulumi-nodejs:dynamic/welkin-flux:Preflight",
    teardown: "pulumi-nodejs:dynamic/welkin-flux:FluxObjectsTeardown",
    podAdmission: "pulumi-nodejs:dynamic/welkin-flux:FluxPodAdmission",
    readiness: "pulumi-nodejs:dynamic/welkin-flux:FluxControllersReadiness",
    crdStorage: "pulumi-nodejs:dynamic/welkin-flux:FluxCrdStorage",
    secret: "kubernetes:core/v1:Secret",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    service: "kubernetes:core/v1:Service",
    deployment: "kubernetes:apps/v1:Deployment",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    gitRepository: "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository",
    kustomization: "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization",
};

function countByType(regs: Registration[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of regs) {
        counts[r.type] = (counts[r.type] ?? 0) + 1;
    }
    return counts;
}

function meta(r: Registration): { name: string; namespace?: string; annotations?: Record<string, string> } {
    return r.inputs.metadata as never;
}

function assertBefore(first: Registration | Registration[], then: Registration | Registration[]): void {
    for (const a of [first].flat()) {
        for (const b of [then].flat()) {
            assert.ok(
                a.completed !== undefined && a.completed < b.index,
                `${b.type} ${b.name} must wait for ${a.type} ${a.name} to be created (it depends on it)`,
            );
        }
    }
}

describe("WelkinFlux (unit, mocks)", () => {
    let mocks: RecordingMocks;
    beforeEach(async () => {
        mocks = await useMocks();
    });

    async function build(a: WelkinFluxArgs = args, name = "flux", opts?: pulumi.ComponentResourceOptions): Promise<WelkinFlux> {
        const flux = new WelkinFlux(name, a, opts);
        await unwrap(flux.committedFiles);
        await settle(mocks);
        return flux;
    }

    it("creates every step of the procedure as its own resources", async () => {
        await build();
        assert.deepStrictEqual(countByType(mocks.registrations), {
            [T.component]: 1,
            [T.preflight]: 1,
            [T.privateKey]: 1,
            [T.deployKey]: 1,
            [T.crd]: 13,
            [T.anchor]: 1,
            [T.role]: 2,
            [T.roleBinding]: 2,
            [T.delegation]: 1,
            [T.secret]: 1,
            [T.file]: 3,
            // The 16 objects of `kubectl apply -k` for the default components.
            [T.networkPolicy]: 3,
            [T.serviceAccount]: 4,
            [T.service]: 3,
            [T.deployment]: 4,
            [T.gitRepository]: 1,
            [T.kustomization]: 1,
            [T.teardown]: 1,
            [T.crdStorage]: 1,
            [T.podAdmission]: 1,
            [T.readiness]: 1,
        });
        assert.deepStrictEqual(mocks.ofType(T.crd).map((r) => meta(r).name).sort(), [...WELKIN_ALLOWED_FLUX_CRDS].sort());
    });

    it("builds every step without a cluster: no kubeconfig argument, no KUBECONFIG, an empty HOME", async () => {
        // What a user's own unit test does, and a PR preview job before it has credentials.
        await withoutKubeconfig(() => build({ clusterName: "prod-se", repository: { owner: "acme", name: "fleet" } }, "prod"));
        assert.strictEqual(mocks.ofType(T.deployment).length, 4);
        assert.strictEqual(mocks.ofType(T.delegation).length, 1);
        assert.deepStrictEqual(reveal(mocks.ofType(T.preflight)[0].inputs.access), {});
    });

    it("step 0: the preflight comes first; every other child waits for it", async () => {
        await build({ ...args, extraParentNamespaces: ["staging"] });
        const preflight = mocks.find(T.preflight, "flux-preflight");
        const plan = preflight.inputs.plan as { parentNamespaces: string[]; crdNames: string[]; images: string[]; kubernetesMin: string };
        assert.deepStrictEqual(plan.parentNamespaces, ["production", "staging"]);
        assert.strictEqual(plan.crdNames.length, 13);
        assert.strictEqual(plan.images.length, 4);
        assert.ok(isSecretValue(preflight.inputs.access));
        const others = mocks.registrations.filter((r) => r !== preflight && r.type !== T.component);
        assertBefore(preflight, others);
    });

    it("step 0: preflight can be turned off, and policy errors stop everything before registration", async () => {
        await build({ ...args, preflight: false }, "nopre");
        assert.strictEqual(mocks.ofType(T.preflight).length, 0);
        assert.strictEqual(mocks.ofType(T.anchor).length, 1);
        const before = mocks.registrations.length;
        assert.throws(
            () => new WelkinFlux("strict", { ...args, policyChecks: { mode: "error", ignore: ["minimum-replicas"], allowedRegistries: ["harbor.example.com/"] } }),
            /^WelkinPolicyError: WelkinFlux "strict": what would be applied breaks 4 Welkin policies \(policyChecks.mode is "error"; nothing was created\):\n {2}- \[image-registry, Welkin enforcement: warn\] Deployment\/source-controller container manager: image ghcr.io/,
        );
        await settle(mocks);
        assert.strictEqual(mocks.registrations.length, before);
        // With the registry allowed and single replicas waived, error mode lets the install through.
        await build({ ...args, policyChecks: { mode: "error", ignore: ["minimum-replicas"], allowedRegistries: ["ghcr.io/fluxcd/"] } }, "strict");
        assert.strictEqual(mocks.ofType(T.deployment).filter((d) => d.name.startsWith("strict-")).length, 4);
    });

    describe("step 0: the default policy mode (deny)", () => {
        /** The preview's warnings while `body` runs, as pulumi.log.warn gets them. */
        async function warnings(body: () => Promise<unknown>): Promise<string[]> {
            const warn = pulumi.log.warn;
            const logged: string[] = [];
            pulumi.log.warn = async (message: string) => {
                logged.push(message);
            };
            try {
                await body();
                await new Promise((r) => setTimeout(r, 50));
            } finally {
                pulumi.log.warn = warn;
            }
            return logged;
        }

        it("fails on a patch that drops a controller's resource requests, naming the object and the policy, with nothing registered", async () => {
            await settle(mocks);
            const before = mocks.registrations.length;
            for (const policyChecks of [undefined, args.policyChecks]) {
                assert.throws(
                    () => new WelkinFlux("denied", { ...args, policyChecks, patches: [DROPS_REQUESTS] }),
                    (e: unknown) => {
                        assert.ok(e instanceof WelkinPolicyError, String(e));
                        assert.strictEqual(e.mode, "deny");
                        assert.match(e.message, /^WelkinFlux "denied": Welkin's Gatekeeper would deny what would be applied \(1 finding\), .*\(policyChecks\.mode is "deny", the default; nothing was created\):\n/);
                        assert.match(e.message, /\n {2}- \[resource-requests, Welkin enforcement: deny\] Deployment\/kustomize-controller container manager: .* Fix: give the container CPU and memory requests in your patch/);
                        assert.match(e.message, /policyChecks\.mode: "warn" only warns, or policyChecks\.ignore: \["resource-requests"\]/);
                        return true;
                    },
                );
            }
            await settle(mocks);
            assert.strictEqual(mocks.registrations.length, before, "nothing may be registered, not even the component");
            assert.deepStrictEqual(mocks.registrations.filter((r) => r.name.startsWith("denied")), []);
        });

        it('"warn" mode does not fail on it: everything is created, and the preview warns naming the object', async () => {
            const logged = await warnings(() => build({ ...args, policyChecks: { mode: "warn", ignore: ["minimum-replicas"] }, patches: [DROPS_REQUESTS] }, "warned"));
            assert.strictEqual(mocks.ofType(T.deployment).filter((d) => d.name.startsWith("warned-")).length, 4);
            const kustomize = mocks.ofType(T.deployment).find((d) => meta(d).name === "kustomize-controller")!;
            const containers = (kustomize.inputs.spec as { template: { spec: { containers: { resources?: unknown }[] } } }).template.spec.containers;
            assert.strictEqual(containers[0].resources, undefined, "the patch applied as written");
            assert.deepStrictEqual(logged.filter((w) => w.includes("resource-requests")).length, 1, logged.join("\n"));
            assert.match(logged.find((w) => w.includes("resource-requests"))!, /policyChecks: mode "warn".*\n {2}- resource-requests \(Welkin enforcement: deny\): .*Deployment\/kustomize-controller container manager/);
        });

        it("does not fail on what Welkin only warns about (an image registry not allowed): it is a preview warning", async () => {
            const logged = await warnings(() => build({ ...args, policyChecks: { ignore: ["minimum-replicas"], allowedRegistries: ["harbor.example.com/"] } }, "registry"));
            assert.strictEqual(mocks.ofType(T.deployment).filter((d) => d.name.startsWith("registry-")).length, 4);
            assert.strictEqual(logged.length, 1, logged.join("\n"));
            assert.match(logged[0], /^Welkin policy findings for what WelkinFlux applies \(policyChecks: mode "deny"; add a policy to ignore to silence it\):\n {2}- image-registry \(Welkin enforcement: warn\): /);
        });
    });

    it("step 1: an ED25519 key registered read-only as a deploy key", async () => {
        await build();
        assert.deepStrictEqual(mocks.find(T.privateKey, "flux-ssh-key").inputs, { algorithm: "ED25519" });
        assert.deepStrictEqual(mocks.find(T.deployKey, "flux-deploy-key").inputs, {
            repository: "fleet",
            title: "flux-dev",
            key: FAKE_PUBLIC_KEY,
            readOnly: true,
        });
    });

    it("step 1: RSA and ECDSA keys, and a writable key for image automation", async () => {
        await build({ ...args, deployKey: { algorithm: "RSA" } }, "rsa");
        assert.deepStrictEqual(mocks.find(T.privateKey, "rsa-ssh-key").inputs, { algorithm: "RSA", rsaBits: 4096 });
        await build({ ...args, clusterName: "ec", deployKey: { algorithm: "ECDSA" }, componentsExtra: ["image-reflector-controller", "image-automation-controller"] }, "ec");
        assert.deepStrictEqual(mocks.find(T.privateKey, "ec-ssh-key").inputs, { algorithm: "ECDSA", ecdsaCurve: "P256" });
        assert.strictEqual(mocks.find(T.deployKey, "ec-deploy-key").inputs.readOnly, false);
        assert.strictEqual(mocks.registrations.filter((r) => r.type === T.deployment && r.name.startsWith("ec-")).length, 6);
    });

    it("step 1 and 6: rotation replaces the key, and the secret switches only after the new deploy key is registered", async () => {
        await build({ ...args, deployKey: { rotation: "2026-11" } });
        assert.strictEqual(mocks.find(T.privateKey, "flux-ssh-key").replacementTrigger, "2026-11");
        assertBefore(mocks.find(T.deployKey, "flux-deploy-key"), mocks.find(T.secret, "flux-git-auth"));
        await build({ ...args, clusterName: "other" }, "norotation");
        assert.strictEqual(mocks.find(T.privateKey, "norotation-ssh-key").replacementTrigger, undefined);
    });

    it("step 3: the flux-system anchor in the parent, waiting for HNC's Ok, naming its WelkinFlux", async () => {
        await build();
        const anchor = mocks.find(T.anchor, "flux-anchor");
        assert.deepStrictEqual(anchor.inputs, {
            apiVersion: "hnc.x-k8s.io/v1alpha2",
            kind: "SubnamespaceAnchor",
            metadata: { name: "flux-system", namespace: "production", annotations: { "pulumi.com/waitFor": "jsonpath={.status.status}=Ok", "welkin-flux/owner": "welkin-flux/test/flux" } },
        });
    });

    it("step 4 and 5: Roles and delegation in every parent namespace", async () => {
        await build({ ...args, extraParentNamespaces: ["staging"] });
        const roleNamespaces = [...mocks.ofType(T.role), ...mocks.ofType(T.roleBinding)].map((r) => `${meta(r).namespace}/${meta(r).name}`).sort();
        assert.deepStrictEqual(roleNamespaces, [
            "production/flux-all-controllers-rb",
            "production/flux-all-controllers-role",
            "production/flux-source-controller-rb",
            "production/flux-source-controller-role",
            "staging/flux-all-controllers-rb",
            "staging/flux-all-controllers-role",
            "staging/flux-source-controller-rb",
            "staging/flux-source-controller-role",
        ]);
        const delegations = mocks.ofType(T.delegation);
        assert.deepStrictEqual(delegations.map((d) => d.inputs.namespace), ["production", "staging"]);
        for (const d of delegations) {
            assert.strictEqual(d.inputs.roleBindingName, "extra-workload-admins");
            assert.deepStrictEqual(d.inputs.subjects, [
                { kind: "ServiceAccount", name: "kustomize-controller", namespace: "flux-system" },
                { kind: "ServiceAccount", name: "helm-controller", namespace: "flux-system" },
            ]);
            assert.ok(isSecretValue(d.inputs.access), "the kubeconfig handed to the delegation must be a secret");
            assert.deepStrictEqual(reveal(d.inputs.access), { kubeconfig: KUBECONFIG });
            assert.strictEqual(typeof d.inputs.__provider, "string", "the dynamic provider must serialize");
        }
        // The anchor exists only under the main parent.
        assert.deepStrictEqual(mocks.ofType(T.anchor).map((a) => meta(a).namespace), ["production"]);
    });

    it("step 6: the <repo>-auth secret, with the private key as a secret", async () => {
        await build();
        const secret = mocks.find(T.secret, "flux-git-auth");
        assert.deepStrictEqual(meta(secret), { name: "fleet-auth", namespace: "flux-system" });
        assert.ok(isSecretValue(secret.inputs.stringData), "stringData must be secret");
        assert.deepStrictEqual(reveal(secret.inputs.stringData), {
            identity: FAKE_PRIVATE_KEY,
            "identity.pub": FAKE_PUBLIC_KEY + "\n",
            known_hosts: GITHUB_KNOWN_HOSTS,
        });
    });

    it("step 6: knownHosts and an image pull secret when given", async () => {
        await build({ ...args, knownHosts: "[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIsandbox", imagePullSecret: { name: "harbor-pull", dockerConfigJson: "{}" } });
        assert.strictEqual(reveal<Record<string, string>>(mocks.find(T.secret, "flux-git-auth").inputs.stringData).known_hosts, "[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIsandbox");
        const pull = mocks.find(T.secret, "flux-image-pull");
        assert.strictEqual(pull.inputs.type, "kubernetes.io/dockerconfigjson");
        assert.ok(isSecretValue(pull.inputs.stringData));
        const deployment = mocks.find(T.deployment, "flux-deployment-source-controller");
        assert.deepStrictEqual((deployment.inputs.spec as { template: { spec: { imagePullSecrets: unknown } } }).template.spec.imagePullSecrets, [{ name: "harbor-pull" }]);
    });

    it("step 7: the three files committed in order, gotk-components byte-identical", async () => {
        const flux = await build();
        const files = mocks.ofType(T.file);
        assert.deepStrictEqual(files.map((f) => f.inputs.file), [
            "clusters/dev/flux-system/gotk-components.yaml",
            "clusters/dev/flux-system/gotk-sync.yaml",
            "clusters/dev/flux-system/kustomization.yaml",
        ]);
        assertBefore(files[0], files[1]);
        assertBefore(files[1], files[2]);
        assert.ok(files[0].inputs.content === readFluxBundle("v2.1.2", []).yaml);
        for (const f of files) {
            assert.strictEqual(f.inputs.repository, "fleet");
            assert.strictEqual(f.inputs.branch, "main");
            assert.strictEqual(f.inputs.overwriteOnCreate, true);
            assert.match(f.inputs.commitMessage as string, /^welkin-flux: clusters\/dev\/flux-system\/.*\.yaml \(Flux v2\.1\.2\)$/);
        }
        assert.deepStrictEqual(await unwrap(flux.committedFiles), [
            { path: "clusters/dev/flux-system/gotk-components.yaml", commitSha: "commit-of-flux-gotk-components" },
            { path: "clusters/dev/flux-system/gotk-sync.yaml", commitSha: "commit-of-flux-gotk-sync" },
            { path: "clusters/dev/flux-system/kustomization.yaml", commitSha: "commit-of-flux-kustomization" },
        ]);
    });

    it("step 8: every flux-system object waits for the anchor, and the install for all earlier steps", async () => {
        await build();
        const anchor = mocks.find(T.anchor, "flux-anchor");
        const inFluxSystem = mocks.registrations.filter((r) => r.type.startsWith("kubernetes:") && meta(r)?.namespace === "flux-system");
        assert.strictEqual(inFluxSystem.length, 17); // the secret and the 16 install objects
        assertBefore(anchor, inFluxSystem);

        const install = [T.networkPolicy, T.serviceAccount, T.service, T.deployment, T.gitRepository, T.kustomization].flatMap((t) => mocks.ofType(t));
        const prerequisites = [
            ...mocks.ofType(T.crd),
            ...mocks.ofType(T.role),
            ...mocks.ofType(T.roleBinding),
            ...mocks.ofType(T.delegation),
            mocks.find(T.secret, "flux-git-auth"),
            mocks.find(T.deployKey, "flux-deploy-key"),
            ...mocks.ofType(T.file),
        ];
        assertBefore(prerequisites, install);
        // Controllers after their ServiceAccounts; sync objects after the controllers (so destroy
        // deletes them while the controllers still clear their finalizers).
        assertBefore(mocks.ofType(T.serviceAccount), mocks.ofType(T.deployment));
        // The cluster is asked to admit the controllers' pods after their ServiceAccounts exist and before their Deployments.
        const [admission] = mocks.ofType(T.podAdmission);
        assertBefore([...prerequisites, ...mocks.ofType(T.serviceAccount), ...mocks.ofType(T.networkPolicy)], admission);
        assertBefore(admission, mocks.ofType(T.deployment));
        // The readiness watch starts beside the Deployments (not after them: it names why they are not ready while they wait).
        const [readiness] = mocks.ofType(T.readiness);
        assertBefore(admission, readiness);
        assert.deepStrictEqual((readiness.inputs.deployments as { name: string }[]).map((d) => d.name).sort(), ["helm-controller", "kustomize-controller", "notification-controller", "source-controller"]);
        assert.strictEqual(readiness.inputs.timeoutSeconds, 295);
        assert.deepStrictEqual((admission.inputs.pods as { deployment: string }[]).map((p) => p.deployment).sort(), ["helm-controller", "kustomize-controller", "notification-controller", "source-controller"]);
        assertBefore(mocks.ofType(T.deployment), [...mocks.ofType(T.gitRepository), ...mocks.ofType(T.kustomization)]);
        for (const binding of mocks.ofType(T.roleBinding)) {
            const roleName = (binding.inputs.roleRef as { name: string }).name;
            const role = mocks.ofType(T.role).find((r) => meta(r).name === roleName && meta(r).namespace === meta(binding).namespace)!;
            assertBefore(role, binding);
        }
    });

    it("step 8: every wait is bounded: the readiness bound for what the provider awaits, a short one for the Services after their Deployments", async () => {
        // Resource options are not part of what the mocks see; a transformation on the component sees every child's.
        const timeouts = new Map<string, pulumi.CustomTimeouts | undefined>();
        const record: pulumi.ResourceTransformation = (t) => {
            timeouts.set(`${t.type} ${t.name}`, (t.opts as pulumi.CustomResourceOptions).customTimeouts);
            return undefined;
        };
        await build({ ...args, readinessTimeout: "7m" }, "flux", { transformations: [record] });
        const bound = (type: string) => [...timeouts].filter(([k]) => k.startsWith(`${type} `)).map(([, v]) => v);
        for (const type of [T.deployment, T.crd, T.anchor]) {
            assert.ok(bound(type).length > 0, type);
            assert.ok(bound(type).every((t) => t?.create === "7m" && t?.update === "7m"), `${type}: ${JSON.stringify(bound(type))}`);
        }
        assert.strictEqual(bound(T.service).length, 3);
        assert.ok(bound(T.service).every((t) => t?.create === SERVICE_SETTLE_BOUND && t?.update === SERVICE_SETTLE_BOUND), JSON.stringify(bound(T.service)));
        assertBefore(mocks.ofType(T.deployment), mocks.ofType(T.service));
    });

    it("step 9: destroy leaves flux-system's objects without finalizers or pods to the namespace's deletion, and deletes the sync objects and the Deployments itself", async () => {
        const deletedWith = new Map<string, unknown>();
        let anchor: pulumi.Resource | undefined;
        const record: pulumi.ResourceTransformation = (t) => {
            deletedWith.set(`${t.type} ${t.name}`, (t.opts as pulumi.CustomResourceOptions).deletedWith);
            anchor = t.type === T.anchor ? t.resource : anchor;
            return undefined;
        };
        await build({ ...args, imagePullSecret: { name: "regcred", dockerConfigJson: '{"auths":{}}' } }, "flux", { transformations: [record] });
        assert.ok(anchor);
        const inFluxSystem = mocks.registrations.filter((r) => r.type.startsWith("kubernetes:") && meta(r)?.namespace === "flux-system");
        assert.strictEqual(inFluxSystem.length, 18); // the git and pull secrets and the 16 install objects
        for (const r of inFluxSystem) {
            const oneByOne = [T.gitRepository, T.kustomization, T.deployment].includes(r.type);
            assert.strictEqual(deletedWith.get(`${r.type} ${r.name}`), oneByOne ? undefined : anchor, `${r.type} ${r.name}`);
        }
        // Outside flux-system nothing is left to the namespace: the Roles and RoleBindings in the parents, the CRDs.
        for (const r of [...mocks.ofType(T.role), ...mocks.ofType(T.roleBinding), ...mocks.ofType(T.crd)]) {
            assert.strictEqual(deletedWith.get(`${r.type} ${r.name}`), undefined, `${r.type} ${r.name}`);
        }
    });

    it("step 9: the teardown comes after everything the controllers need, so destroy runs it first; the GitRepository goes before the Kustomization", async () => {
        await build();
        const [teardown] = mocks.ofType(T.teardown);
        assert.ok(teardown !== undefined);
        const controllersNeed = [T.crd, T.anchor, T.role, T.roleBinding, T.delegation, T.serviceAccount, T.deployment, T.service, T.gitRepository, T.kustomization].flatMap((t) => mocks.ofType(t));
        assertBefore(controllersNeed, teardown);
        assertBefore(mocks.ofType(T.kustomization), mocks.ofType(T.gitRepository));
        assert.deepStrictEqual(teardown.inputs.own, [
            { plural: "gitrepositories", namespace: "flux-system", name: "fleet-repo" },
            { plural: "kustomizations", namespace: "flux-system", name: "fleet-repo" },
        ]);
        assert.strictEqual((teardown.inputs.kinds as unknown[]).length, 13);
        assert.ok(isSecretValue(teardown.inputs.access), "the teardown's cluster access must be a secret");
    });

    it("applies the sync objects named after the repository", async () => {
        await build();
        const repo = mocks.find(T.gitRepository, "flux-gitrepository-fleet-repo");
        assert.deepStrictEqual(repo.inputs.spec, {
            interval: "1m0s",
            ref: { branch: "main" },
            secretRef: { name: "fleet-auth" },
            url: "ssh://git@github.com/acme/fleet.git",
        });
        const ks = mocks.find(T.kustomization, "flux-kustomization-fleet-repo");
        assert.deepStrictEqual(ks.inputs.spec, {
            interval: "1m0s",
            path: "./clusters/dev/flux-system",
            prune: true,
            sourceRef: { kind: "GitRepository", name: "fleet-repo", namespace: "flux-system" },
        });
    });

    it("exports the outputs a user and a PR preview need", async () => {
        const flux = await build();
        assert.strictEqual(await unwrap(flux.namespace), "flux-system");
        assert.deepStrictEqual(await unwrap(flux.parentNamespaces), ["production"]);
        assert.strictEqual(await unwrap(flux.syncPath), "clusters/dev/flux-system");
        assert.strictEqual(await unwrap(flux.deployKeyPublicKey), FAKE_PUBLIC_KEY);
        assert.strictEqual(await unwrap(flux.deployKeyFingerprint), "SHA256:fingerprint-of-flux-ssh-key");
        assert.strictEqual(await unwrap(flux.deployKeyReadOnly), true);
        assert.strictEqual(await unwrap(flux.gitRepositoryName), "fleet-repo");
        assert.strictEqual(await unwrap(flux.kustomizationName), "fleet-repo");
        assert.strictEqual(await unwrap(flux.gitSecretName), "fleet-auth");
        assert.strictEqual(await unwrap(flux.gotkComponentsSha256), "d1ad4357b81c135d49a2134174c1f2963a427c489f4e92ecd9684e707fb5a00f");
        const manifests = await unwrap(flux.manifests);
        assert.deepStrictEqual(Object.keys(manifests), ["clusters/dev/flux-system/gotk-sync.yaml", "clusters/dev/flux-system/kustomization.yaml"]);
        for (const output of [flux.deployKeyPublicKey, flux.manifests, flux.committedFiles, flux.namespace]) {
            assert.strictEqual(await isSecretOutput(output as pulumi.Output<unknown>), false);
        }
    });

    it("never puts the private key into a plain input or output", async () => {
        const flux = await build();
        const outputs = JSON.stringify(
            await unwrap(pulumi.all([flux.deployKeyPublicKey, flux.manifests, flux.committedFiles, flux.deployKeyFingerprint])),
        );
        assert.ok(!outputs.includes("PRIVATE KEY"));
        for (const r of mocks.registrations) {
            const plain = JSON.stringify(r.inputs, (_k, v) => (isSecretValue(v) ? "[secret]" : v));
            assert.ok(!plain.includes("PRIVATE KEY"), `${r.type} ${r.name} has the private key in a plain input`);
            assert.ok(!plain.includes("kube-token-value"), `${r.type} ${r.name} has the kube token in a plain input`);
        }
    });

    it("hands the caller's providers to the children of each package", async () => {
        const kube = new k8s.Provider("welkin", { kubeconfig: KUBECONFIG });
        const gh = new github.Provider("gh", { owner: "acme" });
        const tlsProvider = new tls.Provider("tls", {});
        await build(args, "flux", { providers: { kubernetes: kube, github: gh, tls: tlsProvider } });
        const ref = (p: pulumi.ProviderResource) => unwrap(pulumi.all([p.urn, p.id]).apply(([urn, id]) => `${urn}::${id}`));
        const [kubeRef, ghRef, tlsRef] = await Promise.all([ref(kube), ref(gh), ref(tlsProvider)]);
        for (const r of mocks.registrations) {
            if (r.type.startsWith("kubernetes:")) {
                assert.strictEqual(r.provider, kubeRef, `${r.type} ${r.name}`);
            } else if (r.type.startsWith("github:")) {
                assert.strictEqual(r.provider, ghRef, `${r.type} ${r.name}`);
            } else if (r.type.startsWith("tls:")) {
                assert.strictEqual(r.provider, tlsRef, `${r.type} ${r.name}`);
            }
        }
    });

    it("two instances (two clusters, two parents) in one stack do not collide", async () => {
        await build({ ...args, clusterName: "prod" }, "prod");
        await build({ ...args, clusterName: "stage", parentNamespace: "staging" }, "stage");
        const ids = mocks.registrations.map((r) => `${r.type}::${r.name}`);
        assert.strictEqual(new Set(ids).size, ids.length, "every resource name must be unique per type");
        const paths = mocks.ofType(T.file).map((f) => f.inputs.file);
        assert.strictEqual(new Set(paths).size, 6);
        assert.deepStrictEqual(mocks.ofType(T.deployKey).map((d) => d.inputs.title), ["flux-prod", "flux-stage"]);
    });

    it("registers nothing when the arguments are invalid", async () => {
        assert.throws(
            () => new WelkinFlux("bad", { ...args, clusterName: "../../etc", syncInterval: "often" }),
            (e: unknown) => e instanceof WelkinFluxArgsError && e.problems.length === 2 && /^Invalid arguments for WelkinFlux "bad"/.test(e.message),
        );
        await settle(mocks);
        assert.deepStrictEqual(mocks.registrations, []);
    });
});
