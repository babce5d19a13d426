// The Flux manifests the package bundles, as the bundling script needs them: which file, which
// sha256, and the exact `flux install` arguments that write it.
import { bundledManifests } from "../../components/flux/bundle";

export interface WantedManifest {
    /** Flux release, e.g. "v2.1.2". */
    version: string;
    /** File name under components/manifests/flux/<version>/. */
    file: string;
    /** The pinned sha256 (components/flux/releases.ts): nothing else is ever written. */
    sha256: string;
    /** The `--components-extra` the file was exported with (empty for the default components). */
    componentsExtra: readonly string[];
}

/** Every file `bundledManifests()` pins, with the components each was exported with. */
export function wantedManifests(): WantedManifest[] {
    return bundledManifests().map((m) => ({
        version: m.version,
        file: m.file,
        sha256: m.sha256,
        componentsExtra: m.componentsExtra,
    }));
}

/** `flux` arguments that print the file: `--version` always, so any Flux CLI is asked for this release. */
export function fluxInstallArgs(want: WantedManifest): string[] {
    const extra = want.componentsExtra.length > 0 ? [`--components-extra=${want.componentsExtra.join(",")}`] : [];
    return ["install", "--export", "--version", want.version, ...extra];
}

/** The command a person runs to make the file, as the error messages show it. */
export function fluxInstallCommand(want: WantedManifest): string {
    return ["flux", ...fluxInstallArgs(want)].join(" ");
}

/** Where a file lives relative to a folder of upstream data (the layout `$WELKIN_FLUX_UPSTREAM` must have). */
export function upstreamRelativePath(want: WantedManifest): string {
    return `flux-${want.version}/${want.file}`;
}
