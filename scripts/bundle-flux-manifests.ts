// Bundles the Flux release manifests the package ships (`flux install --export` of each pinned
// version, default and with image automation) into components/manifests/flux/<version>/
// (git-ignored: they are Flux's, never committed here). Each file comes by the first route that
// has it, every one checked against the sha256 pinned in components/flux/releases.ts:
//   1. $WELKIN_FLUX_UPSTREAM/flux-<version>/<file>, else the upstream reference data beside the checkout;
//   2. the Flux CLI on PATH (`flux install --export --version <version> …`);
//   3. the Flux release's CLI, downloaded from $WELKIN_FLUX_RELEASES_URL (default: GitHub's
//      fluxcd/flux2 releases), checked against the release's checksums, and run.
// When no route works it prints one error: which files, their sha256 and the command that makes
// each. `npm run build` (and so `npm pack`) fails on it. `npm ci` runs this with --warn-only
// (prepare): a clone must install even where no route works, e.g. offline with no Flux CLI; the
// component then refuses to load a missing manifest with the same facts.
import * as path from "path";
import { bundledManifestsDir } from "../components/flux/bundle";
import { bundleFluxManifests } from "./bundle/bundle";
import { noRouteMessage } from "./bundle/message";
import { DEFAULT_RELEASES_URL, releaseCliRoute } from "./bundle/releaseRoute";
import { fluxCliRoute, localFolderRoute, Route } from "./bundle/routes";
import { wantedManifests } from "./bundle/wanted";

const ROOT = path.resolve(__dirname, "..");

/** The routes in the order they are tried, as the environment sets them. */
function routes(env: NodeJS.ProcessEnv): Route[] {
    const local = env.WELKIN_FLUX_UPSTREAM
        ? localFolderRoute("$WELKIN_FLUX_UPSTREAM", env.WELKIN_FLUX_UPSTREAM)
        : localFolderRoute("the upstream reference data beside the checkout", path.resolve(ROOT, "..", "shared", "upstream"));
    return [
        local,
        fluxCliRoute({ command: "flux", env, name: "the Flux CLI on PATH" }),
        releaseCliRoute({ baseUrl: env.WELKIN_FLUX_RELEASES_URL || DEFAULT_RELEASES_URL, platform: process.platform, arch: process.arch, env }),
    ];
}

async function main(warnOnly: boolean): Promise<number> {
    const log = (line: string) => console.error(`bundle-flux-manifests: ${line}`);
    const result = await bundleFluxManifests({
        target: bundledManifestsDir(),
        wanted: wantedManifests(),
        routes: routes(process.env),
        log: (line) => log(line.replace(`${ROOT}${path.sep}`, "")),
    });
    if (result.missing.length === 0) {
        return 0;
    }
    if (warnOnly) {
        log(`warning: ${noRouteMessage(result.missing)}\nThis checkout installs, but \`npm run build\`, \`npm pack\` and loading the component fail until the files are bundled.`);
        return 0;
    }
    log(`error: ${noRouteMessage(result.missing)}`);
    return 1;
}

main(process.argv.includes("--warn-only")).then(
    (code) => process.exit(code),
    (error: unknown) => {
        console.error(error);
        process.exit(1);
    },
);
