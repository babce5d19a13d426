// The Flux releases this package can install, shipped inside the package: previews and
// air-gapped environments must never need the network to know what will be committed.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

/** A Kubernetes object as parsed from a manifest. */
export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; [key: string]: unknown };
    [key: string]: unknown;
}

/**
 * The optional Flux controllers `flux install --components-extra` accepts. An `as const` object
 * (not a string-literal union): Pulumi's component schema reads it as an enum, so YAML and Python
 * programs get the same choices, and TypeScript users still write the plain strings.
 */
export const FluxExtraComponent = {
    ImageReflectorController: "image-reflector-controller",
    ImageAutomationController: "image-automation-controller",
} as const;
export type FluxExtraComponent = (typeof FluxExtraComponent)[keyof typeof FluxExtraComponent];
export const EXTRA_COMPONENTS: readonly FluxExtraComponent[] = [FluxExtraComponent.ImageReflectorController, FluxExtraComponent.ImageAutomationController];

export const DEFAULT_COMPONENTS = [
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
] as const;
export type FluxController = (typeof DEFAULT_COMPONENTS)[number] | FluxExtraComponent;

/** The multi-tenancy lockdown flags of `flux install`/bootstrap, by what they do. */
export type LockdownFlag = "noCrossNamespaceRefs" | "noRemoteBases" | "defaultServiceAccount";

interface BundledManifest {
    /** File under components/manifests/flux/<version>/. */
    file: string;
    /** sha256 of the file exactly as `flux install --export` wrote it. */
    sha256: string;
}

/**
 * An argument of a controller's Deployment that cannot work on Welkin as `flux install` writes
 * it, replaced in place (kustomization.yaml tests the old value first, so a changed upstream
 * manifest fails the build of the kustomization instead of silently keeping the old argument).
 */
export interface WelkinArgReplacement {
    controllers: FluxController[];
    from: string;
    to: string;
    /** Why, as the comment above the patch in kustomization.yaml. */
    why: string;
}

interface FluxRelease {
    /** Oldest Kubernetes minor the release supports (`flux check --pre`). */
    kubernetesMin: string;
    /** Controller image tags (all under ghcr.io/fluxcd/). */
    controllers: Record<FluxController, string>;
    /** Which controllers accept each lockdown flag in this release. */
    lockdownFlags: Record<LockdownFlag, FluxController[]>;
    /** Deployment arguments Welkin's namespace-scoped RBAC needs changed. */
    welkinArgReplacements: WelkinArgReplacement[];
    /** `flux install --export` with the default components. */
    defaultComponents: BundledManifest;
    /** `flux install --export --components-extra=image-reflector-controller,image-automation-controller`. */
    withImageAutomation: BundledManifest;
}

/** Which controllers take each lockdown flag, the same in every bundled Flux 2 release; source-controller takes none. */
const FLUX_2_LOCKDOWN_FLAGS: Record<LockdownFlag, FluxController[]> = {
    noCrossNamespaceRefs: ["kustomize-controller", "helm-controller", "notification-controller", "image-reflector-controller", "image-automation-controller"],
    noRemoteBases: ["kustomize-controller"],
    defaultServiceAccount: ["kustomize-controller", "helm-controller"],
};

/**
 * The Flux versions this package bundles (an `as const` object: an enum in the component schema,
 * the same strings for TypeScript, so a typo fails to compile).
 */
export const FluxVersion = { V2_1_2: "v2.1.2", V2_9_4: "v2.9.4" } as const;
export type FluxVersion = (typeof FluxVersion)[keyof typeof FluxVersion];

const RELEASES: Record<FluxVersion, FluxRelease> = {
    "v2.1.2": {
        kubernetesMin: "1.25",
        controllers: {
            "source-controller": "v1.1.2",
            "kustomize-controller": "v1.1.1",
            "helm-controller": "v0.36.2",
            "notification-controller": "v1.1.0",
            "image-reflector-controller": "v0.30.0",
            "image-automation-controller": "v0.36.1",
        },
        lockdownFlags: FLUX_2_LOCKDOWN_FLAGS,
        // Its controllers watch only Flux's own kinds cluster-wide, which Welkin's crd-controller
        // ClusterRole grants: the manifest works as written.
        welkinArgReplacements: [],
        defaultComponents: {
            file: "gotk-components.yaml",
            sha256: "d1ad4357b81c135d49a2134174c1f2963a427c489f4e92ecd9684e707fb5a00f",
        },
        withImageAutomation: {
            file: "gotk-components-with-image-automation.yaml",
            sha256: "5477c6a2a6f07b1dcf8a2ffefb33187b7ad29302558ac9ece16437a1d2e8a08c",
        },
    },
    "v2.9.4": {
        // cmd/flux/check.go of github.com/fluxcd/flux2/v2@v2.9.4: kubernetesConstraints ">=1.33.0-0".
        kubernetesMin: "1.33",
        controllers: {
            "source-controller": "v1.9.4",
            "kustomize-controller": "v1.9.4",
            "helm-controller": "v1.6.3",
            "notification-controller": "v1.9.3",
            "image-reflector-controller": "v1.2.4",
            "image-automation-controller": "v1.2.4",
        },
        // source- and notification-controller v1.9 also take --default-service-account, but there
        // it names the identity for cloud workload identity, not one to impersonate.
        lockdownFlags: FLUX_2_LOCKDOWN_FLAGS,
        welkinArgReplacements: [
            {
                // kustomize-controller was run so on the sandbox; helm- and notification-controller
                // watch the same way (their *_manager.go / receiver_controller.go WatchesMetadata).
                controllers: ["kustomize-controller", "helm-controller", "notification-controller"],
                from: "--watch-all-namespaces=true",
                to: "--watch-all-namespaces=false",
                why:
                    "Watch flux-system only: watching all namespaces also watches Secrets (and ConfigMaps) cluster-wide, " +
                    "which Welkin does not grant; the cache never syncs and the controller exits after 2 minutes",
            },
        ],
        defaultComponents: {
            file: "gotk-components.yaml",
            sha256: "97da4654bc11de5637d7f506b0a73707e1e6a1f7a8e9fa8e307063c0b9befa1f",
        },
        withImageAutomation: {
            file: "gotk-components-with-image-automation.yaml",
            sha256: "bc5afbba9edc3f180363c5b1402e4a5c1dcaec04560561e8f8321509d43db0b3",
        },
    },
};

export const DEFAULT_FLUX_VERSION: FluxVersion = "v2.1.2";
export const SUPPORTED_FLUX_VERSIONS: readonly FluxVersion[] = Object.keys(RELEASES) as FluxVersion[];

/** The registry prefix every Flux image in the bundled manifests uses. */
export const UPSTREAM_IMAGE_REGISTRY = "ghcr.io/fluxcd";

/**
 * The 13 CRD names Welkin's "self-managed cluster resources" feature lets application
 * developers update and delete (5 source, 1 kustomize, 1 helm, 3 notification, 3 image).
 */
export const WELKIN_ALLOWED_FLUX_CRDS: readonly string[] = [
    "buckets.source.toolkit.fluxcd.io",
    "gitrepositories.source.toolkit.fluxcd.io",
    "helmcharts.source.toolkit.fluxcd.io",
    "helmrepositories.source.toolkit.fluxcd.io",
    "ocirepositories.source.toolkit.fluxcd.io",
    "kustomizations.kustomize.toolkit.fluxcd.io",
    "helmreleases.helm.toolkit.fluxcd.io",
    "alerts.notification.toolkit.fluxcd.io",
    "providers.notification.toolkit.fluxcd.io",
    "receivers.notification.toolkit.fluxcd.io",
    "imagepolicies.image.toolkit.fluxcd.io",
    "imagerepositories.image.toolkit.fluxcd.io",
    "imageupdateautomations.image.toolkit.fluxcd.io",
];

export class UnsupportedFluxVersionError extends Error {
    constructor(version: string) {
        super(
            `fluxVersion "${version}" is not bundled with welkin-flux. ` +
                `Supported versions: ${SUPPORTED_FLUX_VERSIONS.join(", ")}. ` +
                `Set fluxVersion to one of them (or leave it unset for ${DEFAULT_FLUX_VERSION}).`,
        );
        this.name = "UnsupportedFluxVersionError";
    }
}

export function isSupportedFluxVersion(version: string): version is FluxVersion {
    return Object.prototype.hasOwnProperty.call(RELEASES, version);
}

function release(version: string): FluxRelease {
    if (!isSupportedFluxVersion(version)) {
        throw new UnsupportedFluxVersionError(version);
    }
    return RELEASES[version];
}

/** Where the bundled manifests live; `dist/manifests` once built, `components/manifests` in the repo. */
export function bundledManifestsDir(): string {
    return path.join(__dirname, "manifests", "flux");
}

export function kubernetesMinVersion(version: string): string {
    return release(version).kubernetesMin;
}

/** The controllers of `version` that accept a lockdown flag. */
export function lockdownFlagControllers(version: string, flag: LockdownFlag): FluxController[] {
    return release(version).lockdownFlags[flag];
}

/** Deployment arguments of `version` that Welkin's namespace-scoped RBAC needs changed. */
export function welkinArgReplacements(version: string): WelkinArgReplacement[] {
    return release(version).welkinArgReplacements;
}

/** The controllers a component selection installs, in `flux install` order. */
export function fluxControllers(componentsExtra: readonly FluxExtraComponent[]): FluxController[] {
    return [...DEFAULT_COMPONENTS, ...EXTRA_COMPONENTS.filter((c) => componentsExtra.includes(c))];
}

export function controllerImages(version: string, componentsExtra: readonly FluxExtraComponent[]): Record<string, string> {
    const tags = release(version).controllers;
    const images: Record<string, string> = {};
    for (const controller of fluxControllers(componentsExtra)) {
        images[controller] = `${UPSTREAM_IMAGE_REGISTRY}/${controller}:${tags[controller]}`;
    }
    return images;
}

const textCache = new Map<string, string>();
const objectCache = new Map<string, KubeObject[]>();

/** Where a bundled file comes from, for error messages and the bundling script. */
function manifestOrigin(version: string, manifest: BundledManifest): string {
    const extra = manifest === release(version).withImageAutomation ? " --components-extra=image-reflector-controller,image-automation-controller" : "";
    return `\`flux install --export${extra}\` of Flux ${version}`;
}

export function sha256Hex(bytes: Buffer): string {
    return crypto.createHash("sha256").update(bytes).digest("hex");
}

/** The bytes as text if their sha256 is `expected`; a corrupt or edited bundle is an error, never shipped to git. */
export function verifiedText(bytes: Buffer, expected: string, file: string, origin = "the Flux release"): string {
    const actual = sha256Hex(bytes);
    if (actual !== expected) {
        throw new Error(
            `The bundled Flux manifest ${file} has sha256 ${actual}, expected ${expected} (${origin}). ` +
                `The welkin-flux installation is corrupt or was modified: reinstall the package.`,
        );
    }
    return bytes.toString("utf8");
}

/**
 * Every file the package bundles: the manifests are Flux's release data, not ours to commit, so
 * the build copies them in (scripts/bundle-flux-manifests.ts) and checks them against these
 * pinned checksums, and every load checks them again.
 */
export function bundledManifests(): { version: string; file: string; sha256: string; origin: string }[] {
    return Object.entries(RELEASES).flatMap(([version, r]) =>
        [r.defaultComponents, r.withImageAutomation].map((m) => ({ version, file: m.file, sha256: m.sha256, origin: manifestOrigin(version, m) })),
    );
}

function readVerified(version: string, manifest: BundledManifest): string {
    const file = path.join(bundledManifestsDir(), version, manifest.file);
    const cached = textCache.get(file);
    if (cached !== undefined) {
        return cached;
    }
    if (!fs.existsSync(file)) {
        throw new Error(
            `The bundled Flux manifest ${file} is missing: it must be ${manifestOrigin(version, manifest)}, sha256 ${manifest.sha256}. ` +
                `Reinstall welkin-flux. In a checkout of its source, run \`npm run bundle-manifests\`: it gets the file from ` +
                `$WELKIN_FLUX_UPSTREAM, the Flux CLI or the Flux release and checks its sha256, or prints the command that makes it ` +
                `and where to put the output.`,
        );
    }
    const text = verifiedText(fs.readFileSync(file), manifest.sha256, file, manifestOrigin(version, manifest));
    textCache.set(file, text);
    return text;
}

function selectManifest(version: string, componentsExtra: readonly FluxExtraComponent[]): BundledManifest {
    const r = release(version);
    if (componentsExtra.length === 0) {
        return r.defaultComponents;
    }
    if (EXTRA_COMPONENTS.every((c) => componentsExtra.includes(c))) {
        return r.withImageAutomation;
    }
    // Validation rejects this earlier with a message aimed at the user; this guards direct callers.
    throw new Error(
        `Flux ${version} is bundled for the default components and for both image controllers together; ` +
            `componentsExtra [${componentsExtra.join(", ")}] has no bundled manifest.`,
    );
}

/**
 * `gotk-components.yaml` byte for byte as `flux install --export [--components-extra=...]`
 * of the pinned version writes it, checksum-verified.
 */
export function gotkComponentsYaml(version: string, componentsExtra: readonly FluxExtraComponent[]): string {
    return readVerified(version, selectManifest(version, componentsExtra));
}

export function gotkComponentsSha256(version: string, componentsExtra: readonly FluxExtraComponent[]): string {
    return selectManifest(version, componentsExtra).sha256;
}

/** Parses a multi-document manifest, skipping empty documents. */
export function parseManifest(text: string): KubeObject[] {
    return yaml.loadAll(text).filter((doc): doc is KubeObject => doc !== null && typeof doc === "object");
}

/** The parsed objects of `gotkComponentsYaml`; callers get deep copies they may change. */
export function gotkComponentsObjects(version: string, componentsExtra: readonly FluxExtraComponent[]): KubeObject[] {
    const text = gotkComponentsYaml(version, componentsExtra);
    let objects = objectCache.get(text);
    if (objects === undefined) {
        objects = parseManifest(text);
        objectCache.set(text, objects);
    }
    return structuredClone(objects);
}

/** What the component needs to know of a CRD: its names, scope and versions. */
export interface CrdShape {
    name: string;
    group: string;
    plural: string;
    kind: string;
    namespaced: boolean;
    /** Every version in spec.versions. */
    versions: string[];
    storageVersion: string;
}

export function crdShape(crd: KubeObject): CrdShape {
    const spec = crd.spec as { group: string; scope: string; names: { plural: string; kind: string }; versions: { name: string; storage: boolean }[] };
    return {
        name: crd.metadata.name,
        group: spec.group,
        plural: spec.names.plural,
        kind: spec.names.kind,
        namespaced: spec.scope === "Namespaced",
        versions: spec.versions.map((v) => v.name),
        storageVersion: spec.versions.find((v) => v.storage)!.name,
    };
}

/**
 * The CRDs of every Flux controller of the version (all 13 Welkin allows), so that a later
 * switch to image automation never needs a CRD change that Welkin would refuse.
 */
export function fluxCrds(version: string): KubeObject[] {
    return gotkComponentsObjects(version, EXTRA_COMPONENTS).filter((o) => o.kind === "CustomResourceDefinition");
}
