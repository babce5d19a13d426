// Changing fluxVersion: which installed CRDs the new ones cannot update in place, and the refusals.
import * as assert from "assert";
import { compareFluxVersions, crdStorageProvider, CrdStorageProps } from "../components/crdStorage/provider";
import { fluxCrds } from "../components/flux/bundle";
import { plannedCrds } from "../components/crdStorage/resource";

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
});
