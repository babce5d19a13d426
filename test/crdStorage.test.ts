// Changing fluxVersion: which installed CRDs the new ones cannot update in place, and the refusals.
import * as assert from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import * as zlib from "zlib";
import { compareFluxVersions, crdStorageProvider, CrdStorageProps, PlannedCrd, plannedManifest } from "../components/crdStorage/provider";
import { fluxCrds } from "../components/flux/bundle";
import { plannedCrds } from "../components/crdStorage/resource";
import { crdShape } from "../components/kube/crd";
import { tokenKubeconfig } from "./support/fakeKubeApi";

const NO_CLUSTER = { kubeconfig: "not: a kubeconfig" };

/** The planned CRDs as the state keeps them when it was written with each CRD whole (`manifest`). */
function wholeManifestCrds(fluxVersion: string): (PlannedCrd & { manifest?: Record<string, unknown> })[] {
    const packed = new Set(plannedCrds(fluxVersion).filter((c) => c.manifestGzip !== undefined).map((c) => c.name));
    return fluxCrds(fluxVersion).map((crd) => {
        const { name, group, plural, kind, versions } = crdShape(crd);
        return { name, group, plural, kind, versions, ...(packed.has(name) ? { manifest: crd } : {}) };
    });
}

describe("Flux CRD storage across versions", () => {
    it("orders Flux versions numerically", () => {
        assert.ok(compareFluxVersions("v2.1.2", "v2.9.4") < 0);
        assert.ok(compareFluxVersions("v2.10.0", "v2.9.4") > 0);
        assert.strictEqual(compareFluxVersions("v2.9.4", "v2.9.4"), 0);
    });

    it("from v2.1.2 to v2.9.4, 10 of the 13 CRDs (7 of the default 10) store a version the new ones no longer serve", () => {
        const stored = new Map(
            fluxCrds("v2.1.2").map((crd) => [crd.metadata.name, (crd.spec as { versions: { name: string; storage: boolean }[] }).versions.find((v) => v.storage)!.name]),
        );
        const stale = plannedCrds("v2.9.4")
            .filter((c) => stored.has(c.name) && !c.versions.includes(stored.get(c.name)!))
            .map((c) => `${c.name}@${stored.get(c.name)}`)
            .sort();
        assert.deepStrictEqual(stale, [
            "alerts.notification.toolkit.fluxcd.io@v1beta2",
            "buckets.source.toolkit.fluxcd.io@v1beta2",
            "helmcharts.source.toolkit.fluxcd.io@v1beta2",
            "helmreleases.helm.toolkit.fluxcd.io@v2beta1",
            "helmrepositories.source.toolkit.fluxcd.io@v1beta2",
            "imagepolicies.image.toolkit.fluxcd.io@v1beta2",
            "imagerepositories.image.toolkit.fluxcd.io@v1beta2",
            "imageupdateautomations.image.toolkit.fluxcd.io@v1beta1",
            "ocirepositories.source.toolkit.fluxcd.io@v1beta2",
            "providers.notification.toolkit.fluxcd.io@v1beta2",
        ]);
    });

    it("refuses a downgrade at preview, before asking the cluster anything", async () => {
        const props = (fluxVersion: string): CrdStorageProps => ({ fluxVersion, crds: plannedCrds(fluxVersion), access: { kubeconfig: "not: a kubeconfig" } });
        const result = await crdStorageProvider.check!(props("v2.9.4"), props("v2.1.2"));
        assert.deepStrictEqual(result.failures, [
            {
                property: "",
                reason:
                    "fluxVersion v2.1.2 is older than the installed v2.9.4: downgrading Flux is refused (the installed CRDs store API versions v2.1.2 " +
                    "may not serve, and Flux's objects were written for v2.9.4). Keep v2.9.4, or destroy this stack and install v2.1.2 anew.",
            },
        ]);
    });

    it("reads nothing on a preview that keeps the version", async () => {
        const props: CrdStorageProps = { fluxVersion: "v2.9.4", crds: plannedCrds("v2.9.4"), access: { kubeconfig: "not: a kubeconfig" }, replaceCrds: ["x"] };
        const result = await crdStorageProvider.check!(props, { ...props, replaceCrds: undefined });
        assert.deepStrictEqual(result.failures, []);
        assert.deepStrictEqual(result.inputs.replaceCrds, ["x"]);
    });

    it("packs the manifests it may create again: they unzip to the bundled CRDs, and the inputs hold no schema text", () => {
        for (const version of ["v2.1.2", "v2.9.4"]) {
            const crds = plannedCrds(version);
            const packed = crds.filter((c) => c.manifestGzip !== undefined);
            assert.strictEqual(packed.length, 10, version);
            const bundled = new Map(fluxCrds(version).map((crd) => [crd.metadata.name, crd]));
            for (const crd of packed) {
                assert.deepStrictEqual(JSON.parse(zlib.gunzipSync(Buffer.from(crd.manifestGzip!, "base64")).toString("utf8")), bundled.get(crd.name), crd.name);
                assert.deepStrictEqual(plannedManifest(crd), bundled.get(crd.name), crd.name);
                assert.match(crd.manifestSha256!, /^[0-9a-f]{64}$/);
            }
            const inputs: CrdStorageProps = { fluxVersion: version, crds, access: NO_CLUSTER };
            assert.ok(JSON.stringify(bundled.get(packed[0].name)).includes("openAPIV3Schema"));
            assert.ok(!JSON.stringify(inputs).includes("openAPIV3Schema"), version);
        }
    });

    it("fails the check naming the CRD whose packed manifest does not unzip to its sha256", async () => {
        const crds = plannedCrds("v2.9.4");
        const [first, second] = crds.filter((c) => c.manifestGzip !== undefined);
        const check = (changed: PlannedCrd) =>
            crdStorageProvider.check!({}, { fluxVersion: "v2.9.4", crds: crds.map((c) => (c.name === changed.name ? changed : c)), access: NO_CLUSTER });
        // Another CRD's manifest: it unzips, to the wrong text.
        const swapped = await check({ ...first, manifestGzip: second.manifestGzip });
        assert.strictEqual(swapped.failures?.length, 1);
        assert.match(swapped.failures![0].reason, new RegExp(`^Flux CRDs: the manifest planned for the CRD ${first.name.replace(/\./g, "\\.")} does not match its sha256 \\(${first.manifestSha256};`));
        assert.match(swapped.failures![0].reason, /nothing was changed\.$/);
        // Cut short: it does not unzip at all.
        const cut = await check({ ...first, manifestGzip: first.manifestGzip!.slice(0, 200) });
        assert.strictEqual(cut.failures?.length, 1);
        assert.match(cut.failures![0].reason, new RegExp(`^Flux CRDs: the manifest planned for the CRD ${first.name.replace(/\./g, "\\.")} does not unzip: `));
    });

    it("stores outputs without the packed manifests, which diff as unchanged against the same inputs", async () => {
        const inputs: CrdStorageProps = { fluxVersion: "v2.9.4", crds: plannedCrds("v2.9.4"), access: NO_CLUSTER, replaceCrds: [] };
        // No CRD to replace: create() does not reach the cluster.
        const created = await crdStorageProvider.create(inputs);
        assert.strictEqual(created.id, "flux-crds-v2.9.4");
        assert.deepStrictEqual(
            created.outs.crds,
            inputs.crds.map(({ manifestGzip: _packed, ...crd }) => crd),
        );
        assert.ok(created.outs.crds.some((c: PlannedCrd) => c.manifestSha256 !== undefined));
        assert.ok(JSON.stringify(created.outs).length < 5_000, `${JSON.stringify(created.outs).length} bytes of outputs`);
        assert.deepStrictEqual(await crdStorageProvider.diff!("id", created.outs, inputs), { changes: false, replaces: [], deleteBeforeReplace: false });
        const updated = await crdStorageProvider.update!("id", created.outs, inputs);
        assert.deepStrictEqual(updated.outs, created.outs);
        // Nothing after create() needs a manifest: delete and read get only the outputs.
        assert.strictEqual(crdStorageProvider.delete, undefined);
        assert.strictEqual(crdStorageProvider.read, undefined);
    });

    it("reads a state whose planned CRDs keep each CRD whole (`manifest`)", async () => {
        const access = NO_CLUSTER;
        // Written by create(): inputs and outputs alike.
        const old: CrdStorageProps = { fluxVersion: "v2.1.2", crds: wholeManifestCrds("v2.1.2"), access, replaceCrds: [] };
        const same: CrdStorageProps = { fluxVersion: "v2.1.2", crds: plannedCrds("v2.1.2"), access };
        const checked = await crdStorageProvider.check!(old, same);
        assert.deepStrictEqual(checked.failures, []);
        assert.deepStrictEqual(checked.inputs, { ...same, replaceCrds: [] });
        // A downgrade is still refused from it.
        const newer: CrdStorageProps = { ...old, fluxVersion: "v2.9.4", crds: wholeManifestCrds("v2.9.4") };
        assert.match((await crdStorageProvider.check!(newer, same)).failures![0].reason, /^fluxVersion v2\.1\.2 is older than the installed v2\.9\.4/);
        // The same version: one update, which stores lean outputs; then nothing to do.
        assert.deepStrictEqual(await crdStorageProvider.diff!("id", old, checked.inputs), { changes: true, replaces: [], deleteBeforeReplace: false });
        const updated = await crdStorageProvider.update!("id", old, checked.inputs);
        assert.ok(!JSON.stringify(updated.outs).includes("openAPIV3Schema"));
        assert.deepStrictEqual(await crdStorageProvider.diff!("id", updated.outs, checked.inputs), { changes: false, replaces: [], deleteBeforeReplace: false });
        // Another version: replaced, as always.
        const next: CrdStorageProps = { fluxVersion: "v2.9.4", crds: plannedCrds("v2.9.4"), access, replaceCrds: [] };
        assert.deepStrictEqual(await crdStorageProvider.diff!("id", old, next), { changes: true, replaces: ["fluxVersion"], deleteBeforeReplace: false });
    });

    it("creates a replaced CRD again from its packed manifest, under the field manager of the old one", async () => {
        const name = "helmrepositories.source.toolkit.fluxcd.io";
        const installed = fluxCrds("v2.1.2").find((crd) => crd.metadata.name === name)!;
        const crds = new Map<string, Record<string, unknown>>([
            [name, { ...installed, metadata: { ...installed.metadata, managedFields: [{ manager: "pulumi-kubernetes-1a2b", operation: "Apply" }] }, status: { storedVersions: ["v1beta2"] } }],
        ]);
        const applied: { url: string; body: unknown }[] = [];
        const server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c) => (body += c));
            req.on("end", () => {
                const reply = (status: number, answer: unknown) => {
                    res.writeHead(status, { "Content-Type": "application/json" });
                    res.end(JSON.stringify(answer));
                };
                const url = new URL(req.url ?? "", "http://x");
                const crd = /^\/apis\/apiextensions\.k8s\.io\/v1\/customresourcedefinitions\/([^/]+)$/.exec(url.pathname)?.[1];
                if (crd === undefined) {
                    // The objects of a kind: none.
                    return req.method === "GET" ? reply(200, { items: [] }) : reply(405, { kind: "Status", message: `${req.method} ${req.url}` });
                }
                if (req.method === "GET") {
                    return crds.has(crd) ? reply(200, crds.get(crd)) : reply(404, { kind: "Status", reason: "NotFound", message: `${crd} not found` });
                }
                if (req.method === "DELETE") {
                    crds.delete(crd);
                    return reply(200, { kind: "Status", status: "Success" });
                }
                applied.push({ url: req.url ?? "", body: JSON.parse(body) });
                return reply(201, JSON.parse(body));
            });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        try {
            const access = { kubeconfig: tokenKubeconfig(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, "t") };
            const news: CrdStorageProps = { fluxVersion: "v2.9.4", crds: plannedCrds("v2.9.4"), access };
            const checked = await crdStorageProvider.check!({ fluxVersion: "v2.1.2", crds: wholeManifestCrds("v2.1.2"), access, replaceCrds: [] }, news);
            assert.deepStrictEqual(checked.failures, []);
            assert.deepStrictEqual(checked.inputs.replaceCrds, [name]);
            const created = await crdStorageProvider.create(checked.inputs);
            assert.deepStrictEqual(applied, [
                {
                    url: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}?fieldManager=pulumi-kubernetes-1a2b&force=true`,
                    body: JSON.parse(JSON.stringify(fluxCrds("v2.9.4").find((crd) => crd.metadata.name === name))),
                },
            ]);
            assert.deepStrictEqual(created.outs.replaceCrds, [name]);
        } finally {
            await new Promise<void>((resolve) => server.close(() => resolve()));
        }
    });
});
