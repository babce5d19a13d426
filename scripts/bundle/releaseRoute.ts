// The route for a clone with the network and no Flux CLI: the Flux release's own CLI, downloaded.
//
// No asset of a Flux release is `flux install --export` byte for byte. The assets are the CLI
// archives, `install.yaml` (a `kustomize build` of the repository's manifests/install, without the
// CLI's header and settings) and `manifests.tar.gz` (the per-controller inputs the CLI builds
// from). The OCI artifact ghcr.io/fluxcd/flux-manifests is a real `flux install --export`, but
// only with both image controllers, and only by the registry protocol. The release's CLI is what
// makes both files exactly: the CLI of that version prints the manifests it embeds. So this route
// downloads it, checks it against the release's checksums file, runs it like the Flux CLI route,
// and deletes it.
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fluxCliRoute, Route, RouteResult } from "./routes";
import { fileFromTarGz } from "./tar";
import { WantedManifest } from "./wanted";

/** Where GitHub serves the fluxcd/flux2 release assets; `$WELKIN_FLUX_RELEASES_URL` replaces it (a mirror, a test's stand-in). */
export const DEFAULT_RELEASES_URL = "https://github.com/fluxcd/flux2/releases/download";

/** Go's names for Node's architectures, as in the archive names. */
const GO_ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm" };

/** The CLI archive of `version` for a platform, as goreleaser names it, or undefined when there is no tar.gz for it. */
export function cliArchiveName(version: string, platform: string, arch: string): string | undefined {
    const goArch = GO_ARCH[arch];
    // Windows gets a zip, which this route does not read; the Flux CLI route still works there.
    if ((platform !== "linux" && platform !== "darwin") || goArch === undefined) {
        return undefined;
    }
    return `flux_${version.replace(/^v/, "")}_${platform}_${goArch}.tar.gz`;
}

export function checksumsName(version: string): string {
    return `flux_${version.replace(/^v/, "")}_checksums.txt`;
}

export interface ReleaseRouteOptions {
    baseUrl: string;
    platform: string;
    arch: string;
    /** The environment the downloaded CLI runs in. */
    env: NodeJS.ProcessEnv;
}

type Cli = { command: string } | { failure: string };

export function releaseCliRoute(options: ReleaseRouteOptions): Route {
    const baseUrl = options.baseUrl.replace(/\/+$/, "");
    const name = `the Flux release's CLI from ${baseUrl}`;
    // One download per release serves both of its files.
    const clis = new Map<string, Promise<Cli>>();
    let folder: string | undefined;
    return {
        name,
        async fetch(want: WantedManifest): Promise<RouteResult> {
            let cli = clis.get(want.version);
            if (cli === undefined) {
                folder ??= fs.mkdtempSync(path.join(os.tmpdir(), "welkin-flux-cli-"));
                cli = downloadCli(baseUrl, want.version, options, path.join(folder, want.version));
                clis.set(want.version, cli);
            }
            const got = await cli;
            if ("failure" in got) {
                return got;
            }
            return fluxCliRoute({ command: got.command, env: options.env, name }).fetch(want);
        },
        async close() {
            if (folder !== undefined) {
                fs.rmSync(folder, { recursive: true, force: true });
            }
        },
    };
}

async function downloadCli(baseUrl: string, version: string, options: ReleaseRouteOptions, into: string): Promise<Cli> {
    const archiveName = cliArchiveName(version, options.platform, options.arch);
    if (archiveName === undefined) {
        return { failure: `Flux publishes no CLI tar.gz for ${options.platform}/${options.arch}` };
    }
    const archiveUrl = `${baseUrl}/${version}/${archiveName}`;
    const sumsUrl = `${baseUrl}/${version}/${checksumsName(version)}`;
    const archive = await download(archiveUrl);
    if ("failure" in archive) {
        return archive;
    }
    const sums = await download(sumsUrl);
    if ("failure" in sums) {
        return sums;
    }
    // The checksums file comes from the same release, so it guards against a broken or swapped
    // download, not against the release itself; what the CLI prints is checked against our pins.
    const listed = listedSha256(sums.bytes.toString("utf8"), archiveName);
    const actual = crypto.createHash("sha256").update(archive.bytes).digest("hex");
    if (listed === undefined) {
        return { failure: `${sumsUrl} lists no ${archiveName}` };
    }
    if (actual !== listed) {
        return { failure: `${archiveUrl} has sha256 ${actual}, the release's checksums say ${listed}: not run` };
    }
    fs.mkdirSync(into, { recursive: true });
    const archivePath = path.join(into, archiveName);
    fs.writeFileSync(archivePath, archive.bytes);
    const binary = fileFromTarGz(archivePath, "flux");
    fs.rmSync(archivePath, { force: true });
    if (binary === undefined) {
        return { failure: `${archiveUrl} holds no \`flux\`` };
    }
    const command = path.join(into, "flux");
    fs.writeFileSync(command, binary, { mode: 0o755 });
    return { command };
}

/** The sha256 a `sha256sum`-style checksums file gives for `file`. */
function listedSha256(sums: string, file: string): string | undefined {
    for (const line of sums.split("\n")) {
        const [sha, listed] = line.trim().split(/\s+\*?/);
        if (listed === file && /^[0-9a-f]{64}$/.test(sha)) {
            return sha;
        }
    }
    return undefined;
}

async function download(url: string): Promise<{ bytes: Buffer } | { failure: string }> {
    try {
        const response = await fetch(url, { signal: AbortSignal.timeout(300_000) });
        if (!response.ok) {
            return { failure: `${url}: HTTP ${response.status}` };
        }
        return { bytes: Buffer.from(await response.arrayBuffer()) };
    } catch (error) {
        // fetch says only "fetch failed"; the reason (ENOTFOUND, ECONNREFUSED, …) is its cause.
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        return { failure: `${url}: ${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ""}` };
    }
}
