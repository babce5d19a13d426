// Puts each pinned Flux manifest into the bundle folder: kept if already there with its pinned
// sha256, otherwise taken from the first route whose bytes have that sha256. Bytes with another
// sha256 are refused, never written, and the next route is tried (a Flux CLI of another version
// may print other bytes where the release's own CLI prints the pinned ones).
import * as fs from "fs";
import * as path from "path";
import { sha256Hex } from "../../components/flux/bundle";
import { Route } from "./routes";
import { WantedManifest } from "./wanted";

export interface Unbundled {
    want: WantedManifest;
    /** What each route said, in order. */
    tried: string[];
}

export interface BundleResult {
    kept: WantedManifest[];
    written: { want: WantedManifest; route: string }[];
    missing: Unbundled[];
}

export interface BundleOptions {
    /** The folder the files go to, as <version>/<file>. */
    target: string;
    wanted: WantedManifest[];
    routes: Route[];
    /** One line of progress (stderr in the script). */
    log: (line: string) => void;
}

export async function bundleFluxManifests(options: BundleOptions): Promise<BundleResult> {
    const result: BundleResult = { kept: [], written: [], missing: [] };
    try {
        for (const want of options.wanted) {
            const to = path.join(options.target, want.version, want.file);
            if (fs.existsSync(to) && sha256Hex(fs.readFileSync(to)) === want.sha256) {
                result.kept.push(want);
                continue;
            }
            const got = await firstVerified(want, options.routes, options.log);
            if ("tried" in got) {
                result.missing.push({ want, tried: got.tried });
                continue;
            }
            fs.mkdirSync(path.dirname(to), { recursive: true });
            fs.writeFileSync(to, got.bytes);
            result.written.push({ want, route: got.route });
            options.log(`${to} from ${got.route} (sha256 ${want.sha256.slice(0, 12)}…)`);
        }
    } finally {
        for (const route of options.routes) {
            await route.close?.();
        }
    }
    return result;
}

/** The bytes of the first route that has them with the pinned sha256, or what every route said. */
async function firstVerified(want: WantedManifest, routes: Route[], log: (line: string) => void): Promise<{ bytes: Buffer; route: string } | { tried: string[] }> {
    const tried: string[] = [];
    for (const route of routes) {
        const got = await route.fetch(want);
        if ("failure" in got) {
            tried.push(`${route.name}: ${got.failure}`);
            continue;
        }
        const actual = sha256Hex(got.bytes);
        if (actual !== want.sha256) {
            const refusal = `${route.name}: refused ${want.version}/${want.file}: sha256 ${actual}, expected ${want.sha256}`;
            log(refusal);
            tried.push(refusal);
            continue;
        }
        return { bytes: got.bytes, route: route.name };
    }
    return { tried };
}
