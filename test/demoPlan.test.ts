// The demo's first step on a fresh machine: which toolchain parts it builds (the Flux controllers
// included, or the first run ends without Flux syncing) and the time it announces before it
// starts. Pure logic over a toolchain manifest: nothing is built, the real cache is not touched.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { demoBuildPlan, demoToolchainParts } from "../sandbox/demo";
import { buildPlan, COLD_BUILD_SECONDS_2_CORES, describeBuildPlan, readManifest, roughDuration, ToolchainManifest } from "../sandbox/lib/toolchain";

const DEMO_PARTS = ["pulumi", "kubernetes", "kube", "etcd", "hnc", "kwok", "gatekeeper", "policy-render", "source-controller", "kustomize-controller"];

describe("the demo's toolchain plan", () => {
    let work: string;
    before(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-flux-demo-plan-"));
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    /** build.sh's real manifest (its parts, versions and binaries) over a cache in `cache`, where only `built` parts have their binaries. */
    function manifestWith(cache: string, built: string[]): ToolchainManifest {
        const real = readManifest();
        const parts = real.parts.map((p) => {
            if (p.binDir === null) {
                return p;
            }
            const binDir = path.join(cache, `${p.part}-${p.version}`, "bin");
            if (built.includes(p.part)) {
                fs.mkdirSync(binDir, { recursive: true });
                for (const b of p.binaries) {
                    fs.writeFileSync(path.join(binDir, b), "#!/bin/sh\n", { mode: 0o755 });
                }
            }
            return { ...p, dir: path.dirname(binDir), binDir, present: built.includes(p.part) };
        });
        return { ...real, cache, parts };
    }

    it("builds the sandbox's parts and the Flux controllers the last step runs, not the YAML language host", () => {
        assert.deepStrictEqual(demoToolchainParts(readManifest()), DEMO_PARTS);
    });

    it("on a fresh machine announces all ten parts and the measured cold time on 2 cores", () => {
        const plan = demoBuildPlan(manifestWith(path.join(work, "empty"), []));
        assert.deepStrictEqual(plan.missing, DEMO_PARTS);
        assert.strictEqual(plan.seconds, 255 + 598 + 470 + 31 + 67 + 70 + 157 + 48 + 200 + 47);
        assert.strictEqual(
            describeBuildPlan(plan, 2),
            "building 10 missing parts (pulumi, kubernetes, kube, etcd, hnc, kwok, gatekeeper, policy-render, source-controller, kustomize-controller): about 32 minutes on 2 cores",
        );
    });

    it("counts only the parts still missing, judged by their binaries", () => {
        const m = manifestWith(path.join(work, "partial"), ["pulumi", "etcd", "hnc", "kwok", "yaml"]);
        // A part whose bin dir lost one binary is missing again.
        fs.rmSync(path.join(m.parts.find((p) => p.part === "hnc")!.binDir!, "hnc-manager"));
        const plan = demoBuildPlan(m);
        assert.deepStrictEqual(plan.missing, ["kubernetes", "kube", "hnc", "gatekeeper", "policy-render", "source-controller", "kustomize-controller"]);
        assert.strictEqual(
            describeBuildPlan(plan, 2),
            "building 7 missing parts (kubernetes, kube, hnc, gatekeeper, policy-render, source-controller, kustomize-controller): about 26 minutes on 2 cores",
        );
    });

    it("says nothing is to build once all are there", () => {
        const plan = demoBuildPlan(manifestWith(path.join(work, "full"), DEMO_PARTS));
        assert.deepStrictEqual(plan, { missing: [], seconds: 0, unmeasured: [] });
        assert.strictEqual(describeBuildPlan(plan, 2), "nothing to build");
    });

    it("has a measured cold time for every part build.sh builds, so no part drops out of the estimate", () => {
        const buildable = readManifest()
            .parts.filter((p) => p.binDir !== null)
            .map((p) => p.part);
        assert.deepStrictEqual(Object.keys(COLD_BUILD_SECONDS_2_CORES).sort(), buildable.sort());
    });

    it("names a part with no measured time and another core count instead of guessing", () => {
        const m = manifestWith(path.join(work, "unmeasured"), []);
        const plan = buildPlan(m, ["etcd", "kwok"], { etcd: 31 });
        assert.deepStrictEqual(plan, { missing: ["etcd", "kwok"], seconds: 31, unmeasured: ["kwok"] });
        assert.strictEqual(describeBuildPlan(plan, 8), "building 2 missing parts (etcd, kwok): under a minute on 2 cores (measured there; this machine has 8), plus kwok (not measured)");
        assert.strictEqual(describeBuildPlan(buildPlan(m, ["kwok"], {}), 2), "building 1 missing part (kwok): no build time measured for it");
        assert.throws(() => buildPlan(m, ["flux"]), /no buildable part flux/);
    });

    it("rounds to whole minutes", () => {
        assert.deepStrictEqual([59, 60, 89, 90, 1738].map(roughDuration), ["under a minute", "about 1 minute", "about 1 minute", "about 2 minutes", "about 29 minutes"]);
    });
});
