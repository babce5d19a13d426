// The one error for files no route could get: for each, its sha256, what each route said and the
// exact command that makes it, then where to put the output.
import { Unbundled } from "./bundle";
import { DEFAULT_RELEASES_URL } from "./releaseRoute";
import { fluxInstallCommand, upstreamRelativePath } from "./wanted";

export function noRouteMessage(missing: Unbundled[]): string {
    const versions = [...new Set(missing.map((m) => m.want.version))];
    const lines = [`${missing.length} pinned Flux manifest(s) could not be bundled: no route gave the pinned bytes.`];
    for (const { want, tried } of missing) {
        lines.push(
            `- ${want.version}/${want.file}, sha256 ${want.sha256}`,
            ...tried.map((t) => `    tried ${t}`),
            `    make it: ${fluxInstallCommand(want)} > "$WELKIN_FLUX_UPSTREAM/${upstreamRelativePath(want)}"`,
        );
    }
    lines.push(
        "Make them with the Flux CLI of each version (another version may print other bytes, which are refused):",
        `  export WELKIN_FLUX_UPSTREAM=<a folder>; mkdir -p ${versions.map((v) => `"$WELKIN_FLUX_UPSTREAM/flux-${v}"`).join(" ")}`,
        "then run each `make it` command and `npm run bundle-manifests`. Or put that Flux CLI on PATH, or let this script reach",
        `the Flux releases ($WELKIN_FLUX_RELEASES_URL, by default ${DEFAULT_RELEASES_URL}), and run \`npm run bundle-manifests\`.`,
    );
    return lines.join("\n");
}
