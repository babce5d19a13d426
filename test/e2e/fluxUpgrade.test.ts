// Tier 3: changing fluxVersion on an installed stack, with the real program, engine and
// kubernetes provider as the application developer. Flux v2.9.4 no longer serves API versions
// v2.1.2 stored (10 of the 13 CRDs), and Welkin grants no customresourcedefinitions/status: the component
// replaces such CRDs where no object of their kind exists, and refuses at preview where some do.
import * as assert from "assert";
import * as yaml from "js-yaml";
import { Stack } from "@pulumi/pulumi/automation";
import { plannedCrds } from "../../components/crdStorage/resource";
import { destroyWithPreview, upWithPreview } from "../../sandbox/lib/programStack";
import { EXTERNAL_ARTIFACT_EXTRA_CRDS } from "../../sandbox/lib/welkinPlatform";
import { sandboxFixture } from "../support/sandboxFixture";

const STACK = "e2e-upgrade";
/** The CRDs whose v2.1.2 storage version v2.9.4 no longer serves. */
const REPLACED = [
    "alerts.notification.toolkit.fluxcd.io",
    "buckets.source.toolkit.fluxcd.io",
    "helmcharts.source.toolkit.fluxcd.io",
    "helmreleases.helm.toolkit.fluxcd.io",
    "helmrepositories.source.toolkit.fluxcd.io",
    "imagepolicies.image.toolkit.fluxcd.io",
    "imagerepositories.image.toolkit.fluxcd.io",
    "imageupdateautomations.image.toolkit.fluxcd.io",
    "ocirepositories.source.toolkit.fluxcd.io",
    "providers.notification.toolkit.fluxcd.io",
];

describe("changing the Flux version of an installed stack (real program, as the application developer)", function () {
    this.timeout(600_000);
    const fx = sandboxFixture(this, "the upgrade suite", { prefix: "welkin-flux-upgrade", needs: ["git"], keyComment: "e2e-upgrade", extraCrds: EXTERNAL_ARTIFACT_EXTRA_CRDS });
    let stack: Stack;
    const admin = (args: string[]) => fx.admin(args);
    const dev = (args: string[], input?: string) => fx.dev(args, input);
    const crdVersion = (name: string) => admin(["get", "crd", name, "-o", "jsonpath={.metadata.labels.app\\.kubernetes\\.io/version}"]);
    const storedVersions = (name: string) => admin(["get", "crd", name, "-o", "jsonpath={.status.storedVersions}"]);

    before(async () => {
        stack = await fx.programStack(STACK, { settings: { fluxVersion: "v2.1.2" } });
        const up = await upWithPreview(STACK, fx.pulumiDir);
        assert.strictEqual(up.code, 0, up.stdout + up.stderr);
    });

    it("with objects of such a kind, the preview of v2.9.4 fails naming the CRD, the count and the administrator's step; nothing changes", async () => {
        dev(["apply", "-f", "-"], yaml.dump({
            apiVersion: "source.toolkit.fluxcd.io/v1beta2",
            kind: "HelmRepository",
            metadata: { name: "charts", namespace: "flux-system" },
            spec: { interval: "10m", url: "https://charts.example.com" },
        }));
        await stack.setConfig("fluxVersion", { value: "v2.9.4" });
        await assert.rejects(stack.preview(), (e: Error) => {
            assert.match(e.message, /Flux v2\.9\.4 cannot update 1 installed Flux CRD\(s\) in place, and replacing them would delete their objects; nothing was changed/);
            assert.match(e.message, /helmrepositories\.source\.toolkit\.fluxcd\.io: stores v1beta2, which Flux v2\.9\.4 no longer serves; 1 HelmRepository object\(s\) exist/);
            assert.match(e.message, /flux migrate/);
            return true;
        });
        const up = await upWithPreview(STACK, fx.pulumiDir);
        assert.notStrictEqual(up.code, 0);
        for (const name of REPLACED) {
            assert.strictEqual(crdVersion(name), "v2.1.2", name);
        }
        assert.strictEqual(admin(["get", "helmrepository.source.toolkit.fluxcd.io", "charts", "-n", "flux-system", "-o", "name"]).trim(), "helmrepository.source.toolkit.fluxcd.io/charts");
    });

    it("with no such objects, the preview says which CRDs it replaces and the up replaces them; the other CRDs and their objects stay", async () => {
        dev(["delete", "helmrepository.source.toolkit.fluxcd.io", "charts", "-n", "flux-system"]);
        const uid = admin(["get", "gitrepository.source.toolkit.fluxcd.io", "fleet-repo", "-n", "flux-system", "-o", "jsonpath={.metadata.uid}"]);
        const preview = await stack.preview({ diff: true });
        for (const name of REPLACED) {
            assert.match(preview.stdout, new RegExp(`replaceCrds[\\s\\S]*"${name.replace(/\./g, "\\.")}"`), preview.stdout);
        }
        const up = await upWithPreview(STACK, fx.pulumiDir);
        assert.strictEqual(up.code, 0, up.stdout + up.stderr);
        const served = new Map(plannedCrds("v2.9.4").map((c) => [c.name, c.versions]));
        for (const name of REPLACED) {
            assert.strictEqual(crdVersion(name), "v2.9.4", name);
            // Created again: only versions v2.9.4 serves are stored.
            for (const stored of JSON.parse(storedVersions(name)) as string[]) {
                assert.ok(served.get(name)!.includes(stored), `${name} stores ${stored}`);
            }
        }
        assert.strictEqual(crdVersion("externalartifacts.source.toolkit.fluxcd.io"), "v2.9.4");
        // GitRepository's CRD was updated in place: our GitRepository is the same object.
        assert.strictEqual(admin(["get", "gitrepository.source.toolkit.fluxcd.io", "fleet-repo", "-n", "flux-system", "-o", "jsonpath={.metadata.uid}"]), uid);
        const again = await upWithPreview(STACK, fx.pulumiDir);
        assert.strictEqual(again.code, 0, again.stdout + again.stderr);
        assert.doesNotMatch(again.stdout, /created|replaced|deleted/);
    });

    it("a downgrade is refused at preview with the reason", async () => {
        await stack.setConfig("fluxVersion", { value: "v2.1.2" });
        await assert.rejects(stack.preview(), /fluxVersion v2\.1\.2 is older than the installed v2\.9\.4: downgrading Flux is refused/);
        await stack.setConfig("fluxVersion", { value: "v2.9.4" });
        const destroyed = await destroyWithPreview(STACK, fx.pulumiDir);
        assert.strictEqual(destroyed.code, 0, destroyed.stdout + destroyed.stderr);
        assert.deepStrictEqual(fx.fluxCrds(), []);
    });
});
