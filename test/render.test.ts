// Render tier: what the package writes to git and applies, checked against upstream reference
// data and against the real `kubectl kustomize`.
import * as assert from "assert";
import * as crypto from "crypto";
import * as yaml from "js-yaml";
import { WelkinFluxArgs } from "../components/args";
import { resolveWelkinFluxConfig } from "../components/config";
import { controllerImages } from "../components/flux/releases";
import { fluxCrds, readFluxBundle, verifiedText } from "../components/flux/bundle";
import { parseManifest } from "../components/kube/object";
import { WELKIN_ALLOWED_FLUX_CRDS } from "../components/render/welkinChanges";
import { renderFluxManifests } from "../components/render/fluxManifests";
import { gitRepositoryObject, fluxExport, kustomizationObject, renderGotkSync } from "../components/render/gotkSync";
import { welkinFluxRoles } from "../components/render/welkinRoles";
import { assertAppliedIsKustomizeBuild, buildFolder, byId } from "./support/kustomize";
import { upstreamFile } from "./support/upstream";

const sha256 = (text: string) => crypto.createHash("sha256").update(text).digest("hex");
const base: WelkinFluxArgs = { clusterName: "dev", repository: { owner: "acme", name: "fleet-infra" } };
const IMAGE_AUTOMATION = ["image-reflector-controller", "image-automation-controller"] as const;

describe("bundled Flux manifests", () => {
    it("are byte-identical to flux install --export of v2.1.2, with the published checksums", () => {
        const plain = readFluxBundle("v2.1.2", []).yaml;
        const image = readFluxBundle("v2.1.2", [...IMAGE_AUTOMATION]).yaml;
        assert.strictEqual(sha256(plain), "d1ad4357b81c135d49a2134174c1f2963a427c489f4e92ecd9684e707fb5a00f");
        assert.strictEqual(sha256(image), "5477c6a2a6f07b1dcf8a2ffefb33187b7ad29302558ac9ece16437a1d2e8a08c");
        assert.ok(plain === upstreamFile("flux-v2.1.2", "gotk-components.yaml"));
        assert.ok(image === upstreamFile("flux-v2.1.2", "gotk-components-with-image-automation.yaml"));
    });

    it("refuse a file whose checksum does not match", () => {
        const tampered = Buffer.from(upstreamFile("flux-v2.1.2", "gotk-components.yaml").replace("v1.1.2", "v9.9.9"));
        assert.throws(
            () => verifiedText(tampered, "d1ad4357b81c135d49a2134174c1f2963a427c489f4e92ecd9684e707fb5a00f", "gotk-components.yaml"),
            /The bundled Flux manifest gotk-components.yaml has sha256 [0-9a-f]{64}, expected d1ad4357.*reinstall the package/,
        );
    });

    it("pin the controller images of Flux v2.1.2", () => {
        assert.deepStrictEqual(controllerImages("v2.1.2", [...IMAGE_AUTOMATION]), {
            "source-controller": "ghcr.io/fluxcd/source-controller:v1.1.2",
            "kustomize-controller": "ghcr.io/fluxcd/kustomize-controller:v1.1.1",
            "helm-controller": "ghcr.io/fluxcd/helm-controller:v0.36.2",
            "notification-controller": "ghcr.io/fluxcd/notification-controller:v1.1.0",
            "image-reflector-controller": "ghcr.io/fluxcd/image-reflector-controller:v0.30.0",
            "image-automation-controller": "ghcr.io/fluxcd/image-automation-controller:v0.36.1",
        });
        const images = parseManifest(readFluxBundle("v2.1.2", [...IMAGE_AUTOMATION]).yaml)
            .filter((o) => o.kind === "Deployment")
            .map((o) => (o.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image);
        assert.deepStrictEqual(images.sort(), Object.values(controllerImages("v2.1.2", [...IMAGE_AUTOMATION])).sort());
    });

    it("give exactly the 13 CRDs Welkin lets application developers manage", () => {
        assert.deepStrictEqual(fluxCrds("v2.1.2").map((c) => c.metadata.name).sort(), [...WELKIN_ALLOWED_FLUX_CRDS].sort());
    });
});

describe("bundled Flux v2.9.4", () => {
    it("is byte-identical to flux install --export of v2.9.4, with the pinned checksums", () => {
        assert.ok(readFluxBundle("v2.9.4", []).yaml === upstreamFile("flux-v2.9.4", "gotk-components.yaml"));
        assert.ok(readFluxBundle("v2.9.4", [...IMAGE_AUTOMATION]).yaml === upstreamFile("flux-v2.9.4", "gotk-components-with-image-automation.yaml"));
        assert.strictEqual(sha256(readFluxBundle("v2.9.4", []).yaml), "97da4654bc11de5637d7f506b0a73707e1e6a1f7a8e9fa8e307063c0b9befa1f");
    });

    it("pins the images its manifests name", () => {
        const images = parseManifest(readFluxBundle("v2.9.4", [...IMAGE_AUTOMATION]).yaml)
            .filter((o) => o.kind === "Deployment")
            .map((o) => (o.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image);
        assert.deepStrictEqual(images.sort(), Object.values(controllerImages("v2.9.4", [...IMAGE_AUTOMATION])).sort());
    });

    it("has Welkin's 13 CRDs plus ExternalArtifact, which a platform administrator must allow", () => {
        assert.deepStrictEqual(
            fluxCrds("v2.9.4").map((c) => c.metadata.name).sort(),
            [...WELKIN_ALLOWED_FLUX_CRDS, "externalartifacts.source.toolkit.fluxcd.io"].sort(),
        );
    });

    it("writes gotk-sync.yaml as the seed's `flux create ... --export` commands print with Flux 2.9.4", () => {
        const config = resolveWelkinFluxConfig("f", { ...base, fluxVersion: "v2.9.4", repository: { owner: "acme", name: "fleet" } });
        const { sync } = renderFluxManifests(config).files;
        // The example names its Secret fleet-auth and its objects fleet-repo, as the component does.
        assert.strictEqual(sync.content, upstreamFile("flux-v2.9.4", "example-create-export.yaml"));
    });

    it("runs kustomize-controller namespace-scoped, replacing the flag where it stands", () => {
        const manifests = renderFluxManifests(resolveWelkinFluxConfig("f", { ...base, fluxVersion: "v2.9.4" }));
        const args = (name: string) =>
            (manifests.installObjects.find((o) => o.kind === "Deployment" && o.metadata.name === name)!.spec as { template: { spec: { containers: { args: string[] }[] } } })
                .template.spec.containers[0].args;
        assert.deepStrictEqual(args("kustomize-controller").filter((a) => a.startsWith("--watch-all-namespaces")), ["--watch-all-namespaces=false"]);
        assert.strictEqual(args("kustomize-controller")[1], "--watch-all-namespaces=false");
        assert.deepStrictEqual(args("source-controller").filter((a) => a.startsWith("--watch-all-namespaces")), ["--watch-all-namespaces=true"]);
        assert.match(manifests.files.kustomization.content, /- op: test\n\s+path: \/spec\/template\/spec\/containers\/0\/args\/1\n\s+value: --watch-all-namespaces=true\n/);
    });

    it("leaves v2.1.2's Deployments as written (nothing to replace there)", () => {
        const manifests = renderFluxManifests(resolveWelkinFluxConfig("f", base));
        assert.ok(!manifests.files.kustomization.content.includes("watch-all-namespaces"));
    });
});

describe("gotk-sync.yaml", () => {
    const [bootstrapRepo, bootstrapKs] = upstreamFile("flux-v2.1.2", "example-gotk-sync.yaml")
        .replace("# This manifest was generated by flux. DO NOT EDIT.\n", "")
        .split(/^---\n/m)
        .filter((d) => d !== "");
    const same = {
        name: "flux-system",
        namespace: "flux-system",
        url: "ssh://git@github.com/koskev/k8s",
        branch: "main",
        secretName: "flux-system",
        interval: "1m0s",
        path: "./clusters/home",
    };

    it("marshals the GitRepository byte for byte as flux v2.1.2 does", () => {
        assert.strictEqual(fluxExport(gitRepositoryObject(same)), "---\n" + bootstrapRepo);
    });

    it("marshals the Kustomization as flux does, with the source namespace of --source=GitRepository/<name>.<ns>", () => {
        const expected = bootstrapKs.replace("    name: flux-system\n", "    name: flux-system\n    namespace: flux-system\n");
        assert.strictEqual(fluxExport(kustomizationObject({ ...same, interval: "10m0s" })), "---\n" + expected);
    });

    it("is what the seed's two `flux create ... --export` commands print", () => {
        const config = resolveWelkinFluxConfig("f", base);
        const { sync } = renderFluxManifests(config).files;
        assert.strictEqual(sync.path, "clusters/dev/flux-system/gotk-sync.yaml");
        assert.strictEqual(
            sync.content,
            [
                "---",
                "apiVersion: source.toolkit.fluxcd.io/v1",
                "kind: GitRepository",
                "metadata:",
                "  name: fleet-infra-repo",
                "  namespace: flux-system",
                "spec:",
                "  interval: 1m0s",
                "  ref:",
                "    branch: main",
                "  secretRef:",
                "    name: fleet-infra-auth",
                "  url: ssh://git@github.com/acme/fleet-infra.git",
                "---",
                "apiVersion: kustomize.toolkit.fluxcd.io/v1",
                "kind: Kustomization",
                "metadata:",
                "  name: fleet-infra-repo",
                "  namespace: flux-system",
                "spec:",
                "  interval: 1m0s",
                "  path: ./clusters/dev/flux-system",
                "  prune: true",
                "  sourceRef:",
                "    kind: GitRepository",
                "    name: fleet-infra-repo",
                "    namespace: flux-system",
                "",
            ].join("\n"),
        );
    });

    it("quotes branch names that YAML would read as other types", () => {
        const text = renderGotkSync({ ...same, branch: "1.0" });
        assert.match(text, /branch: '1.0'\n/);
        assert.strictEqual((parseManifest(text)[0].spec as { ref: { branch: unknown } }).ref.branch, "1.0");
    });
});

describe("kustomization.yaml", () => {
    it("is Welkin's flux-system kustomization byte for byte when nothing extra is asked", () => {
        const { kustomization: ks } = renderFluxManifests(resolveWelkinFluxConfig("f", base)).files;
        assert.strictEqual(ks.path, "clusters/dev/flux-system/kustomization.yaml");
        assert.strictEqual(ks.content, upstreamFile("welkin", "flux-system-kustomization.yaml"));
    });

    it("adds each lockdown flag to exactly the controllers that accept it", () => {
        const config = resolveWelkinFluxConfig("f", {
            ...base,
            componentsExtra: [...IMAGE_AUTOMATION],
            lockdown: { noCrossNamespaceRefs: true, noRemoteBases: true, defaultServiceAccount: "flux-apply" },
        });
        const args = new Map(
            renderFluxManifests(config)
                .installObjects.filter((o) => o.kind === "Deployment")
                .map((o) => [o.metadata.name, (o.spec as { template: { spec: { containers: { args: string[] }[] } } }).template.spec.containers[0].args]),
        );
        const flags = (name: string) => args.get(name)!.filter((a) => /^--no-|^--default-service-account/.test(a));
        assert.deepStrictEqual(flags("source-controller"), []);
        assert.deepStrictEqual(flags("kustomize-controller"), ["--no-cross-namespace-refs=true", "--no-remote-bases=true", "--default-service-account=flux-apply"]);
        assert.deepStrictEqual(flags("helm-controller"), ["--no-cross-namespace-refs=true", "--default-service-account=flux-apply"]);
        assert.deepStrictEqual(flags("notification-controller"), ["--no-cross-namespace-refs=true"]);
        assert.deepStrictEqual(flags("image-reflector-controller"), ["--no-cross-namespace-refs=true"]);
        assert.deepStrictEqual(flags("image-automation-controller"), ["--no-cross-namespace-refs=true"]);
    });
});

describe("the applied objects equal `kubectl kustomize` of the committed files", () => {
    const variants: [string, WelkinFluxArgs, number][] = [
        ["default components", base, 16],
        ["image automation", { ...base, componentsExtra: [...IMAGE_AUTOMATION] }, 20],
        [
            "lockdown, registry mirror and pull secret",
            {
                ...base,
                clusterName: "prod-eu",
                repository: { owner: "acme", name: "fleet", branch: "release/1.0" },
                syncInterval: "5m",
                lockdown: { noCrossNamespaceRefs: true, noRemoteBases: true, defaultServiceAccount: "flux-apply" },
                registry: "harbor.example.com/fluxcd",
                imagePullSecret: { name: "harbor-pull" },
            },
            16,
        ],
        [
            "image automation with lockdown and mirror",
            {
                ...base,
                componentsExtra: [...IMAGE_AUTOMATION],
                lockdown: { noCrossNamespaceRefs: true },
                registry: "registry.local:5000/mirror/fluxcd",
            },
            20,
        ],
        ["Flux v2.9.4", { ...base, fluxVersion: "v2.9.4" }, 16],
        [
            "Flux v2.9.4 with image automation, lockdown and mirror",
            {
                ...base,
                fluxVersion: "v2.9.4",
                componentsExtra: [...IMAGE_AUTOMATION],
                lockdown: { noCrossNamespaceRefs: true, noRemoteBases: true, defaultServiceAccount: "flux-apply" },
                registry: "harbor.example.com/fluxcd",
                imagePullSecret: { name: "harbor-pull" },
            },
            20,
        ],
    ];
    for (const [title, args, count] of variants) {
        it(title, () => {
            const manifests = renderFluxManifests(resolveWelkinFluxConfig("f", args));
            assert.strictEqual(assertAppliedIsKustomizeBuild(manifests).size, count);
            const kinds = new Set(manifests.installObjects.map((o) => o.kind));
            for (const forbidden of ["Namespace", "ResourceQuota", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"]) {
                assert.ok(!kinds.has(forbidden), `${forbidden} must not be applied on Welkin`);
            }
            assert.ok(manifests.installObjects.every((o) => o.metadata.namespace === "flux-system"));
        });
    }
});

describe("Welkin Flux Roles", () => {
    it("equal Welkin's roles kustomization built for the parent namespace", () => {
        const files = ["all-controllers-role.yaml", "source-controller-role.yaml"].map((f) => ({ path: f, content: upstreamFile("welkin", "roles", f) }));
        const kustomization = (yaml.load(upstreamFile("welkin", "roles", "kustomization.yaml")) as Record<string, unknown>);
        for (const ns of ["production", "staging"]) {
            const built = buildFolder([...files, { path: "kustomization.yaml", content: yaml.dump({ ...kustomization, namespace: ns }) }], ".");
            const ours = byId(welkinFluxRoles(ns, "flux-system"));
            assert.deepStrictEqual([...ours.keys()].sort(), [...byId(built).keys()].sort());
            for (const [id, o] of byId(built)) {
                assert.deepStrictEqual(ours.get(id), o, id);
            }
        }
    });
});
