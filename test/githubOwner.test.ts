// The GitHub target writes where Flux fetches: github.RepositoryFile and RepositoryDeployKey take
// only the repository's name and write under the github provider's owner, so the component reads
// the repository through that provider at preview and refuses another owner before writing.
import * as assert from "assert";
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { WelkinFluxArgs } from "../components/args";
import { resolveWelkinFluxConfig } from "../components/config";
import { confirmedRepositoryName } from "../components/gitTarget/github";
import { WelkinFlux } from "../components/welkinFlux";
import { RecordingMocks, settle, unwrap, useMocks } from "./support/mocks";

const args: WelkinFluxArgs = {
    clusterName: "dev",
    repository: { owner: "acme", name: "fleet" },
    kubeconfig: "apiVersion: v1\nkind: Config\n",
    preflight: false,
    policyChecks: { mode: "off" },
};
const WRITES = ["github:index/repositoryFile:RepositoryFile", "github:index/repositoryDeployKey:RepositoryDeployKey"];

/** The rejection of an Output's value (the SDK's promise, which apply never reaches on failure). */
function rejectionOf(output: pulumi.Output<unknown>): Promise<Error> {
    return (output as unknown as { promise(): Promise<unknown> }).promise().then(
        (v) => assert.fail(`expected a failure, got ${JSON.stringify(v)}`),
        (e: Error) => e,
    );
}

class Parent extends pulumi.ComponentResource {
    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("test:index:Parent", name, {}, opts);
    }
}

describe("GitHub owner: the repository written to is the one Flux syncs", () => {
    let mocks: RecordingMocks;

    it("writes through a provider for repository.owner", async () => {
        mocks = await useMocks(null);
        const provider = new github.Provider("gh", { owner: "acme" });
        const flux = new WelkinFlux("flux", args, { providers: { github: provider } });
        await unwrap(flux.committedFiles);
        await settle(mocks);
        const writes = mocks.registrations.filter((r) => WRITES.includes(r.type));
        assert.strictEqual(writes.length, 4);
        assert.ok(writes.every((r) => r.inputs.repository === "fleet" && r.provider?.includes("::gh::")));
    });

    it("refuses a provider for another owner, naming both, and writes nothing", async () => {
        mocks = await useMocks(null);
        const provider = new github.Provider("gh", { owner: "someone-else" });
        const parent = new Parent("p", { providers: { github: provider } });
        const config = resolveWelkinFluxConfig("flux", args);
        const e = await rejectionOf(confirmedRepositoryName(config, parent));
        assert.match(e.message, /the github provider would write to someone-else\/fleet, but repository\.owner is "acme" and Flux would fetch acme\/fleet/);
        assert.match(e.message, /owner: "acme"/);
        assert.match(e.message, /or set repository\.owner to "someone-else"\. Nothing was written to GitHub\.$/);

        new WelkinFlux("flux", args, { providers: { github: provider } });
        await settle(mocks);
        assert.deepStrictEqual(mocks.registrations.filter((r) => WRITES.includes(r.type)), []);
    });

    it("takes the default provider's owner into account when providers.github is forgotten", async () => {
        mocks = await useMocks("someone-else");
        const e = await rejectionOf(confirmedRepositoryName(resolveWelkinFluxConfig("flux", args), new Parent("p")));
        assert.match(e.message, /would write to someone-else\/fleet, but repository\.owner is "acme"/);
    });

    it("explains a repository the provider cannot read (404: another owner, another server, or the token)", async () => {
        mocks = await useMocks(null);
        const e = await rejectionOf(confirmedRepositoryName(resolveWelkinFluxConfig("flux", args), new Parent("p")));
        assert.match(e.message, /cannot read the repository "fleet" under its owner \(.*404 Not Found \[\]\)/);
        assert.match(e.message, /github\.Provider \{ owner: "acme" \}.*baseUrl for GitHub Enterprise.*can read acme\/fleet/);
    });

    it("compares owners as GitHub does, without regard to case", async () => {
        mocks = await useMocks("ACME");
        assert.strictEqual(await unwrap(confirmedRepositoryName(resolveWelkinFluxConfig("flux", args), new Parent("p"))), "fleet");
    });
});
