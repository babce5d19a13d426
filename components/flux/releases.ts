// The Flux releases this package can install, as data: each release's controllers and image tags,
// which controllers take the lockdown flags, the oldest Kubernetes it supports, and the sha256 of
// the files of `flux install --export` it bundles. Reading those files is flux/bundle.ts.

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

export const DEFAULT_COMPONENTS = ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"] as const;
export type FluxController = (typeof DEFAULT_COMPONENTS)[number] | FluxExtraComponent;

/** The multi-tenancy lockdown flags of `flux install`/bootstrap, by what they do. */
export type LockdownFlag = "noCrossNamespaceRefs" | "noRemoteBases" | "defaultServiceAccount";

/** The two files of `flux install --export` bundled for each release, under components/manifests/flux/<version>/. */
export const BUNDLED_FILES = {
    /** `flux install --export` with the default components. */
    defaultComponents: "gotk-components.yaml",
    /** `flux install --export --components-extra=image-reflector-controller,image-automation-controller`. */
    withImageAutomation: "gotk-components-with-image-automation.yaml",
} as const;
export type BundledFile = keyof typeof BUNDLED_FILES;

export interface FluxRelease {
    /** Oldest Kubernetes minor the release supports (`flux check --pre`). */
    kubernetesMin: string;
    /** Controller image tags (all under ghcr.io/fluxcd/). */
    controllers: Record<FluxController, string>;
    /** Which controllers accept each lockdown flag in this release. */
    lockdownFlags: Record<LockdownFlag, FluxController[]>;
    /** sha256 of each bundled file exactly as `flux install --export` wrote it. */
    sha256: Record<BundledFile, string>;
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

/** A Flux 2 release: every bundled one takes the lockdown flags the same way. */
function flux2(kubernetesMin: string, controllers: Record<FluxController, string>, sha256: Record<BundledFile, string>): FluxRelease {
    return { kubernetesMin, controllers, lockdownFlags: FLUX_2_LOCKDOWN_FLAGS, sha256 };
}

const RELEASES: Record<FluxVersion, FluxRelease> = {
    "v2.1.2": flux2(
        "1.25",
        { "source-controller": "v1.1.2", "kustomize-controller": "v1.1.1", "helm-controller": "v0.36.2",
          "notification-controller": "v1.1.0", "image-reflector-controller": "v0.30.0", "image-automation-controller": "v0.36.1" },
        { defaultComponents: "d1ad4357b81c135d49a2134174c1f2963a427c489f4e92ecd9684e707fb5a00f", withImageAutomation: "5477c6a2a6f07b1dcf8a2ffefb33187b7ad29302558ac9ece16437a1d2e8a08c" },
    ),
    // Kubernetes 1.33: cmd/flux/check.go of github.com/fluxcd/flux2/v2@v2.9.4, kubernetesConstraints ">=1.33.0-0".
    // source- and notification-controller v1.9 also take --default-service-account, but there it
    // names the identity for cloud workload identity, not one to impersonate.
    "v2.9.4": flux2(
        "1.33",
        { "source-controller": "v1.9.4", "kustomize-controller": "v1.9.4", "helm-controller": "v1.6.3",
          "notification-controller": "v1.9.3", "image-reflector-controller": "v1.2.4", "image-automation-controller": "v1.2.4" },
        { defaultComponents: "97da4654bc11de5637d7f506b0a73707e1e6a1f7a8e9fa8e307063c0b9befa1f", withImageAutomation: "bc5afbba9edc3f180363c5b1402e4a5c1dcaec04560561e8f8321509d43db0b3" },
    ),
};

export const DEFAULT_FLUX_VERSION: FluxVersion = "v2.1.2";
export const SUPPORTED_FLUX_VERSIONS: readonly FluxVersion[] = Object.keys(RELEASES) as FluxVersion[];

/** The registry prefix every Flux image in the bundled manifests uses. */
export const UPSTREAM_IMAGE_REGISTRY = "ghcr.io/fluxcd";

export function isSupportedFluxVersion(version: string): version is FluxVersion {
    return Object.prototype.hasOwnProperty.call(RELEASES, version);
}

/** The release's data; validation refuses an unsupported fluxVersion first, naming the field. */
export function fluxRelease(version: string): FluxRelease {
    if (!isSupportedFluxVersion(version)) {
        throw new Error(
            `fluxVersion "${version}" is not bundled with welkin-flux. Supported versions: ${SUPPORTED_FLUX_VERSIONS.join(", ")}. ` +
                `Set fluxVersion to one of them (or leave it unset for ${DEFAULT_FLUX_VERSION}).`,
        );
    }
    return RELEASES[version];
}

/** The controllers a component selection installs, in `flux install` order. */
export function fluxControllers(componentsExtra: readonly FluxExtraComponent[]): FluxController[] {
    return [...DEFAULT_COMPONENTS, ...EXTRA_COMPONENTS.filter((c) => componentsExtra.includes(c))];
}

/** The controllers of the release that accept a lockdown flag. */
export function lockdownFlagControllers(release: FluxRelease, flag: LockdownFlag): FluxController[] {
    return release.lockdownFlags[flag];
}

/** Every controller image of the selection, by controller: what the bundled manifests reference. */
export function controllerImages(version: string, componentsExtra: readonly FluxExtraComponent[]): Record<string, string> {
    const tags = fluxRelease(version).controllers;
    return Object.fromEntries(fluxControllers(componentsExtra).map((c) => [c, `${UPSTREAM_IMAGE_REGISTRY}/${c}:${tags[c]}`]));
}
