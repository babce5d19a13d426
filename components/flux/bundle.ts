// The files of `flux install --export` shipped inside the package: previews and air-gapped
// environments must never need the network to know what will be committed. The build copies them
// in (scripts/bundle-flux-manifests.ts) and checks them against the sha256 pinned in
// flux/releases.ts; every load checks them again. A release is read once per selection and handed
// down the render path as a FluxBundle.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { KubeObject, parseManifest } from "../kube/object";
import { BUNDLED_FILES, BundledFile, EXTRA_COMPONENTS, FluxExtraComponent, FluxRelease, fluxRelease, SUPPORTED_FLUX_VERSIONS } from "./releases";

/** One release's `flux install --export` for a component selection, read and verified. */
export interface FluxBundle {
    version: string;
    componentsExtra: readonly FluxExtraComponent[];
    release: FluxRelease;
    /** gotk-components.yaml byte for byte as `flux install --export` wrote it. */
    yaml: string;
    sha256: string;
    /** Its parsed objects; callers must copy before they change them. */
    objects: readonly KubeObject[];
}

/** Where the bundled manifests live: `dist/manifests` once built, `components/manifests` in the repo. */
export function bundledManifestsDir(): string {
    return path.join(__dirname, "..", "manifests", "flux");
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

function componentsExtraOf(file: BundledFile): readonly FluxExtraComponent[] {
    return file === "withImageAutomation" ? EXTRA_COMPONENTS : [];
}

/** The command that writes a bundled file, for error messages and the bundling script. */
function origin(version: string, componentsExtra: readonly FluxExtraComponent[]): string {
    const extra = componentsExtra.length > 0 ? ` --components-extra=${componentsExtra.join(",")}` : "";
    return `\`flux install --export${extra}\` of Flux ${version}`;
}

/** Every file the package bundles, with the `--components-extra` each was exported with. */
export function bundledManifests(): { version: string; file: string; sha256: string; componentsExtra: readonly FluxExtraComponent[]; origin: string }[] {
    return SUPPORTED_FLUX_VERSIONS.flatMap((version) =>
        (Object.keys(BUNDLED_FILES) as BundledFile[]).map((which) => {
            const componentsExtra = componentsExtraOf(which);
            return { version, file: BUNDLED_FILES[which], sha256: fluxRelease(version).sha256[which], componentsExtra, origin: origin(version, componentsExtra) };
        }),
    );
}

function selectFile(version: string, componentsExtra: readonly FluxExtraComponent[]): BundledFile {
    if (componentsExtra.length === 0) {
        return "defaultComponents";
    }
    if (EXTRA_COMPONENTS.every((c) => componentsExtra.includes(c))) {
        return "withImageAutomation";
    }
    // Validation rejects this earlier with a message aimed at the user; this guards direct callers.
    throw new Error(
        `Flux ${version} is bundled for the default components and for both image controllers together; ` +
            `componentsExtra [${componentsExtra.join(", ")}] has no bundled manifest.`,
    );
}

function readVerified(version: string, name: string, sha256: string, from: string): string {
    const file = path.join(bundledManifestsDir(), version, name);
    if (!fs.existsSync(file)) {
        throw new Error(
            `The bundled Flux manifest ${file} is missing: it must be ${from}, sha256 ${sha256}. ` +
                `Reinstall welkin-flux. In a checkout of its source, run \`npm run bundle-manifests\`: it gets the file from ` +
                `$WELKIN_FLUX_UPSTREAM, the Flux CLI or the Flux release and checks its sha256, or prints the command that makes it ` +
                `and where to put the output.`,
        );
    }
    return verifiedText(fs.readFileSync(file), sha256, file, from);
}

// A program renders one selection; tests and the CRD steps ask for the same few again.
const bundles = new Map<string, FluxBundle>();

/** The release's `flux install --export` for the selection, read, verified and parsed once. */
export function readFluxBundle(version: string, componentsExtra: readonly FluxExtraComponent[]): FluxBundle {
    const release = fluxRelease(version);
    const which = selectFile(version, componentsExtra);
    const key = `${version}/${which}`;
    let bundle = bundles.get(key);
    if (bundle === undefined) {
        const extra = componentsExtraOf(which);
        const yaml = readVerified(version, BUNDLED_FILES[which], release.sha256[which], origin(version, extra));
        bundle = { version, componentsExtra: extra, release, yaml, sha256: release.sha256[which], objects: Object.freeze(parseManifest(yaml)) };
        bundles.set(key, bundle);
    }
    return bundle;
}

/**
 * The CRDs of every Flux controller of the version (all 13 Welkin allows), so that a later
 * switch to image automation never needs a CRD change that Welkin would refuse.
 */
export function fluxCrds(version: string): KubeObject[] {
    return structuredClone(readFluxBundle(version, EXTRA_COMPONENTS).objects.filter((o) => o.kind === "CustomResourceDefinition"));
}
