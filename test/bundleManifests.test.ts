// How a checkout gets Flux's manifests (scripts/bundle-flux-manifests.ts). The routes that need
// what this machine lacks — the network and a real Flux CLI — run against stand-ins on loopback:
// an HTTP server on 127.0.0.1 serving a Flux release's CLI archive and checksums, and a fake
// `flux` script on PATH, both printing the real bytes of the upstream reference data. Then a
// fresh `git clone` of HEAD, with nothing beside it, must install.
import * as assert from "assert";
import * as childProcess from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";

import { bundleFluxManifests, BundleResult } from "../scripts/bundle/bundle";
import { noRouteMessage } from "../scripts/bundle/message";
import { checksumsName, cliArchiveName, releaseCliRoute } from "../scripts/bundle/releaseRoute";
import { fluxCliRoute, localFolderRoute, Route } from "../scripts/bundle/routes";
import { WantedManifest, wantedManifests } from "../scripts/bundle/wanted";
import { upstreamFile } from "./support/upstream";

const ROOT = path.resolve(__dirname, "..");
const WANTED = wantedManifests();
const IMAGE_AUTOMATION = "--components-extra=image-reflector-controller,image-automation-controller";
const sha256 = (bytes: Buffer) => crypto.createHash("sha256").update(bytes).digest("hex");
const upstreamBytes = (want: WantedManifest) => Buffer.from(upstreamFile(`flux-${want.version}`, want.file), "utf8");
const tamper = (bytes: Buffer) => Buffer.concat([bytes, Buffer.from("# edited\n")]);

const temps: string[] = [];
function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `welkin-flux-${prefix}-`));
    temps.push(dir);
    return dir;
}
function removeTemps(): void {
    for (const dir of temps.splice(0)) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** A folder laid out as flux-<version>/<file>, as `$WELKIN_FLUX_UPSTREAM` is; `edit` may alter a file. */
function upstreamFolder(edit: (want: WantedManifest, bytes: Buffer) => Buffer = (_w, b) => b): string {
    const folder = tempDir("upstream");
    for (const want of WANTED) {
        fs.mkdirSync(path.join(folder, `flux-${want.version}`), { recursive: true });
        fs.writeFileSync(path.join(folder, `flux-${want.version}`, want.file), edit(want, upstreamBytes(want)));
    }
    return folder;
}

/**
 * A stand-in for the Flux CLI: a shell script in a folder of its own that, for exactly
 * `install --export --version <v> [--components-extra=<both image controllers>]`, prints the file
 * of `outputs`, and logs every call.
 */
function fakeFlux(outputs: string): { dir: string; calls: () => string[] } {
    const dir = tempDir("fake-flux");
    const log = path.join(dir, "calls.log");
    const script = `#!/bin/sh
echo "$*" >> '${log}'
# The route must not pass on FLUX_* settings: they change what a plain \`flux install --export\` prints.
[ -z "$FLUX_SYSTEM_NAMESPACE" ] || exit 4
[ "$1 $2 $3" = "install --export --version" ] || exit 2
case "$5" in
  "") file=gotk-components.yaml ;;
  ${IMAGE_AUTOMATION}) file=gotk-components-with-image-automation.yaml ;;
  *) exit 3 ;;
esac
cat '${outputs}'/"flux-$4/$file"
`;
    fs.writeFileSync(path.join(dir, "flux"), script, { mode: 0o755 });
    return { dir, calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []) };
}

/** A stand-in for GitHub's release downloads on 127.0.0.1: serves `files` by path, 404 otherwise, and records requests. */
async function standInServer(files: Map<string, Buffer>): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
        requests.push(req.url ?? "");
        const body = files.get(req.url ?? "");
        res.writeHead(body ? 200 : 404).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}/releases/download`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A loopback URL where nothing listens: the release route's network is down. */
async function deadUrl(): Promise<string> {
    const server = await standInServer(new Map());
    await server.close();
    return server.url;
}

/**
 * What the stand-in server serves for each pinned release: a CLI archive holding the fake `flux`
 * (and a LICENSE, as Flux's archives do) and a checksums file listing it.
 */
function releaseFiles(flux: string, platform: string, arch: string, checksum: (archive: Buffer) => string = sha256): Map<string, Buffer> {
    const files = new Map<string, Buffer>();
    const staging = tempDir("archive");
    fs.copyFileSync(flux, path.join(staging, "flux"));
    fs.writeFileSync(path.join(staging, "LICENSE"), "Apache-2.0\n");
    childProcess.execFileSync("tar", ["-czf", "cli.tar.gz", "LICENSE", "flux"], { cwd: staging });
    const archive = fs.readFileSync(path.join(staging, "cli.tar.gz"));
    for (const version of new Set(WANTED.map((w) => w.version))) {
        const name = cliArchiveName(version, platform, arch)!;
        files.set(`/releases/download/${version}/${name}`, archive);
        files.set(`/releases/download/${version}/${checksumsName(version)}`, Buffer.from(`${"0".repeat(64)}  flux_other.tar.gz\n${checksum(archive)}  ${name}\n`));
    }
    return files;
}

async function bundle(routes: Route[]): Promise<{ target: string; result: BundleResult; logged: string[] }> {
    const target = tempDir("target");
    const logged: string[] = [];
    const result = await bundleFluxManifests({ target, wanted: WANTED, routes, log: (line) => logged.push(line) });
    return { target, result, logged };
}

function assertAllBundled(target: string, result: BundleResult, route: string): void {
    assert.deepStrictEqual(result.missing, []);
    assert.deepStrictEqual(
        result.written.map((w) => w.route),
        WANTED.map(() => route),
    );
    for (const want of WANTED) {
        assert.strictEqual(sha256(fs.readFileSync(path.join(target, want.version, want.file))), want.sha256);
    }
}

/** PATH without any folder that holds a `flux`: the Flux CLI route finds nothing. */
function pathWithoutFlux(): string {
    return (process.env.PATH ?? "")
        .split(path.delimiter)
        .filter((dir) => !fs.existsSync(path.join(dir, "flux")))
        .join(path.delimiter);
}

describe("bundling Flux's manifests (scripts/bundle-flux-manifests.ts)", function () {
    this.timeout(60_000);
    afterEach(removeTemps);

    it("pins four files, each with the exact `flux install --export --version` command that makes it", () => {
        assert.deepStrictEqual(
            WANTED.map((w) => `${w.version}/${w.file} ${w.componentsExtra.join(",")}`),
            [
                "v2.1.2/gotk-components.yaml ",
                "v2.1.2/gotk-components-with-image-automation.yaml image-reflector-controller,image-automation-controller",
                "v2.9.4/gotk-components.yaml ",
                "v2.9.4/gotk-components-with-image-automation.yaml image-reflector-controller,image-automation-controller",
            ],
        );
    });

    it("takes each file from $WELKIN_FLUX_UPSTREAM/flux-<version>/", async () => {
        const { target, result } = await bundle([localFolderRoute("$WELKIN_FLUX_UPSTREAM", upstreamFolder())]);
        assertAllBundled(target, result, "$WELKIN_FLUX_UPSTREAM");
    });

    it("runs a stand-in Flux CLI (a fake `flux` script on PATH in a temporary folder) with `install --export --version <v>`, and the image controllers", async () => {
        const flux = fakeFlux(upstreamFolder());
        const env = { ...process.env, PATH: `${flux.dir}${path.delimiter}${process.env.PATH}`, FLUX_SYSTEM_NAMESPACE: "elsewhere" };
        const { target, result } = await bundle([localFolderRoute("$WELKIN_FLUX_UPSTREAM", tempDir("empty")), fluxCliRoute({ command: "flux", env, name: "the Flux CLI on PATH" })]);
        assertAllBundled(target, result, "the Flux CLI on PATH");
        assert.deepStrictEqual(flux.calls(), [
            "install --export --version v2.1.2",
            `install --export --version v2.1.2 ${IMAGE_AUTOMATION}`,
            "install --export --version v2.9.4",
            `install --export --version v2.9.4 ${IMAGE_AUTOMATION}`,
        ]);
    });

    it("downloads each release's CLI once from a stand-in HTTP server on 127.0.0.1, checks it against the release's checksums, runs it and deletes it", async () => {
        assert.strictEqual(cliArchiveName("v2.1.2", "linux", "x64"), "flux_2.1.2_linux_amd64.tar.gz");
        assert.strictEqual(checksumsName("v2.9.4"), "flux_2.9.4_checksums.txt");
        const flux = fakeFlux(upstreamFolder());
        const server = await standInServer(releaseFiles(path.join(flux.dir, "flux"), "linux", "x64"));
        const before = fs.readdirSync(os.tmpdir()).filter((e) => e.startsWith("welkin-flux-cli-"));
        try {
            const route = releaseCliRoute({ baseUrl: server.url, platform: "linux", arch: "x64", env: { ...process.env, PATH: pathWithoutFlux() } });
            const { target, result } = await bundle([route]);
            assertAllBundled(target, result, route.name);
            assert.deepStrictEqual(server.requests, [
                "/releases/download/v2.1.2/flux_2.1.2_linux_amd64.tar.gz",
                "/releases/download/v2.1.2/flux_2.1.2_checksums.txt",
                "/releases/download/v2.9.4/flux_2.9.4_linux_amd64.tar.gz",
                "/releases/download/v2.9.4/flux_2.9.4_checksums.txt",
            ]);
            assert.strictEqual(flux.calls().length, 4);
            assert.deepStrictEqual(
                fs.readdirSync(os.tmpdir()).filter((e) => e.startsWith("welkin-flux-cli-")),
                before,
                "the downloaded CLI is deleted",
            );
        } finally {
            await server.close();
        }
    });

    it("refuses a tampered file from every route, naming the file, the expected and the actual sha256, and writes nothing of it", async () => {
        const victim = WANTED[0];
        const edit = (want: WantedManifest, bytes: Buffer) => (want === victim ? tamper(bytes) : bytes);
        const tampered = sha256(tamper(upstreamBytes(victim)));
        const flux = fakeFlux(upstreamFolder(edit));
        const server = await standInServer(releaseFiles(path.join(flux.dir, "flux"), "linux", "x64"));
        try {
            const routes = [
                localFolderRoute("$WELKIN_FLUX_UPSTREAM", upstreamFolder(edit)),
                fluxCliRoute({ command: "flux", env: { ...process.env, PATH: `${flux.dir}${path.delimiter}${process.env.PATH}` }, name: "the Flux CLI on PATH" }),
                releaseCliRoute({ baseUrl: server.url, platform: "linux", arch: "x64", env: process.env }),
            ];
            const { target, result, logged } = await bundle(routes);
            const refusal = `refused v2.1.2/gotk-components.yaml: sha256 ${tampered}, expected ${victim.sha256}`;
            assert.deepStrictEqual(result.missing, [{ want: victim, tried: routes.map((r) => `${r.name}: ${refusal}`) }]);
            assert.deepStrictEqual(logged.filter((l) => l.includes("refused")), result.missing[0].tried);
            assert.ok(!fs.existsSync(path.join(target, victim.version, victim.file)));
            assert.strictEqual(result.written.length, 3);
        } finally {
            await server.close();
        }
    });

    it("does not run a CLI downloaded from the stand-in HTTP server whose sha256 is not the one the release's checksums list", async () => {
        const flux = fakeFlux(upstreamFolder());
        const server = await standInServer(releaseFiles(path.join(flux.dir, "flux"), "linux", "x64", () => "f".repeat(64)));
        try {
            const { result } = await bundle([releaseCliRoute({ baseUrl: server.url, platform: "linux", arch: "x64", env: process.env })]);
            assert.strictEqual(result.missing.length, 4);
            assert.match(result.missing[0].tried[0], /flux_2\.1\.2_linux_amd64\.tar\.gz has sha256 [0-9a-f]{64}, the release's checksums say f{64}: not run$/);
            assert.deepStrictEqual(flux.calls(), []);
        } finally {
            await server.close();
        }
    });

    it("with no route (empty $WELKIN_FLUX_UPSTREAM, no `flux` on PATH, nothing listening at the releases URL) gives one error naming each file, its sha256 and the command that makes it", async () => {
        const releases = await deadUrl();
        const { target, result } = await bundle([
            localFolderRoute("$WELKIN_FLUX_UPSTREAM", tempDir("empty")),
            fluxCliRoute({ command: "flux", env: { PATH: tempDir("no-flux") }, name: "the Flux CLI on PATH" }),
            releaseCliRoute({ baseUrl: releases, platform: "linux", arch: "x64", env: process.env }),
        ]);
        assert.deepStrictEqual(fs.readdirSync(target), []);
        const message = noRouteMessage(result.missing);
        assert.match(message, /^4 pinned Flux manifest\(s\) could not be bundled/);
        for (const want of WANTED) {
            const extra = want.componentsExtra.length > 0 ? ` ${IMAGE_AUTOMATION}` : "";
            assert.ok(message.includes(`- ${want.version}/${want.file}, sha256 ${want.sha256}\n`), `${want.file} of ${want.version} is named`);
            assert.ok(message.includes(`make it: flux install --export --version ${want.version}${extra} > "$WELKIN_FLUX_UPSTREAM/flux-${want.version}/${want.file}"`));
        }
        assert.ok(message.includes("tried the Flux CLI on PATH: no `flux` on PATH"));
        assert.ok(message.includes(`${releases}/v2.1.2/flux_2.1.2_linux_amd64.tar.gz: fetch failed (ECONNREFUSED)`));
        assert.ok(message.includes('mkdir -p "$WELKIN_FLUX_UPSTREAM/flux-v2.1.2" "$WELKIN_FLUX_UPSTREAM/flux-v2.9.4"'));
        assert.ok(!message.includes("../shared"));
    });
});

describe("a fresh git clone of HEAD with nothing beside it", function () {
    // npm ci from the npm cache takes about 15 s here.
    this.timeout(180_000);
    let clone: string;
    let env: NodeJS.ProcessEnv;
    let install: childProcess.SpawnSyncReturns<string>;

    function run(command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): childProcess.SpawnSyncReturns<string> {
        return childProcess.spawnSync(command, args, { cwd: clone, env: { ...env, ...extraEnv }, encoding: "utf8", maxBuffer: 64 << 20 });
    }

    before(async () => {
        // A folder of its own, so nothing is beside the clone; no route: no $WELKIN_FLUX_UPSTREAM,
        // no `flux` on PATH, and the releases URL where nothing listens.
        const parent = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-flux-clone-"));
        clone = path.join(parent, "welkin-flux");
        env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "WELKIN_FLUX_UPSTREAM" && !k.startsWith("npm_")));
        env.PATH = pathWithoutFlux();
        env.WELKIN_FLUX_RELEASES_URL = await deadUrl();
        childProcess.execFileSync("git", ["clone", "--quiet", "--no-hardlinks", ROOT, clone], { stdio: "ignore" });
        install = run("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"]);
    });
    afterEach(removeTemps);
    after(() => clone && fs.rmSync(path.dirname(clone), { recursive: true, force: true }));

    it("installs with `npm ci` and no route: prepare warns with the one error and exits 0", () => {
        const output = `${install.stdout}\n${install.stderr}`;
        assert.strictEqual(install.status, 0, output);
        assert.match(output, /bundle-flux-manifests: warning: 4 pinned Flux manifest\(s\) could not be bundled/);
        assert.match(output, /make it: flux install --export --version v2\.1\.2 > "\$WELKIN_FLUX_UPSTREAM\/flux-v2\.1\.2\/gotk-components\.yaml"/);
        assert.ok(!fs.existsSync(path.join(clone, "components", "manifests")));
    });

    it("fails `npm run build` (what `npm pack` runs) with that one error", () => {
        const build = run("npm", ["run", "build"]);
        assert.notStrictEqual(build.status, 0);
        assert.strictEqual(build.stderr.match(/bundle-flux-manifests: error:/g)?.length, 1, build.stderr);
        for (const want of WANTED) {
            assert.ok(build.stderr.includes(`- ${want.version}/${want.file}, sha256 ${want.sha256}\n`), build.stderr);
        }
        assert.ok(!fs.existsSync(path.join(clone, "dist", "index.js")));
    });

    it("bundles all four with `npm run bundle-manifests` from a stand-in HTTP server on 127.0.0.1 serving the release's CLI", async function () {
        if (cliArchiveName("v2.1.2", process.platform, process.arch) === undefined) {
            this.skip(); // Flux ships no tar.gz CLI for this platform; the fake CLI is a shell script anyway
        }
        const flux = fakeFlux(upstreamFolder());
        const server = await standInServer(releaseFiles(path.join(flux.dir, "flux"), process.platform, process.arch));
        try {
            const bundled = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
                // Asynchronous: the stand-in server runs in this process.
                const child = childProcess.spawn("npm", ["run", "bundle-manifests"], { cwd: clone, env: { ...env, WELKIN_FLUX_RELEASES_URL: server.url } });
                let stderr = "";
                child.stderr.on("data", (d) => (stderr += d));
                child.on("close", (status) => resolve({ status, stderr }));
            });
            assert.strictEqual(bundled.status, 0, bundled.stderr);
            for (const want of WANTED) {
                assert.strictEqual(sha256(fs.readFileSync(path.join(clone, "components", "manifests", "flux", want.version, want.file))), want.sha256);
            }
        } finally {
            await server.close();
        }
    });
});
