// The sandbox fixture (sandbox/lib/fixture.ts) in a mocha suite. Before the first test it starts,
// or skips the whole suite with a line naming what is missing (its tests count as pending, never
// as passed); each failed test is recorded so the sandbox's logs are kept; after the last test it
// stops and cleans, whatever happened. Call it first in the describe, after this.timeout(): the
// suite's own before hooks then run with the fixture started, and they do not run when it skips.
import { FixtureOptions, SandboxFixture } from "../../sandbox/lib/fixture";

/** `who` names the suite in the skip line: "<who> needs the sandbox toolchain and … (missing …)". */
export function sandboxFixture(suite: Mocha.Suite, who: string, options: FixtureOptions): SandboxFixture {
    const fixture = new SandboxFixture(options);
    suite.beforeAll(async function () {
        const missing = fixture.missing(who);
        if (missing !== undefined) {
            console.log(`    SKIPPED: ${missing}`);
            this.skip();
        }
        await fixture.start();
    });
    suite.afterEach(function () {
        if (this.currentTest?.state === "failed") {
            fixture.failed = true;
        }
    });
    suite.afterAll(async () => {
        await fixture.stop();
    });
    return fixture;
}
