// CI's time budget (test/support/budget.ts): the slowest suites skip, naming the budget, what
// would not end before WELKIN_CI_DEADLINE; without it everything runs.
import * as assert from "assert";
import { skipWithoutTime } from "./support/budget";

describe("CI's time budget for the slowest suites", () => {
    const saved = process.env.WELKIN_CI_DEADLINE;
    afterEach(() => {
        if (saved === undefined) {
            delete process.env.WELKIN_CI_DEADLINE;
        } else {
            process.env.WELKIN_CI_DEADLINE = saved;
        }
    });
    const context = () => {
        const c = { skipped: false, skip: () => void (c.skipped = true) };
        return c;
    };

    it("skips a test that needs more time than the deadline leaves, and only then", () => {
        process.env.WELKIN_CI_DEADLINE = String(Math.round(Date.now() / 1000) + 100);
        const short = context();
        skipWithoutTime(short as unknown as Mocha.Context, 60, () => assert.fail("nothing to say"));
        assert.strictEqual(short.skipped, false);
        const long = context();
        const said: string[] = [];
        skipWithoutTime(long as unknown as Mocha.Context, 120, (l) => said.push(l));
        assert.strictEqual(long.skipped, true);
        assert.deepStrictEqual(said, ["      SKIPPED: needs about 120 s; CI's time budget (WELKIN_CI_DEADLINE) leaves 100 s"]);
    });

    it("runs everything without a deadline (a developer's npm test)", () => {
        delete process.env.WELKIN_CI_DEADLINE;
        const c = context();
        skipWithoutTime(c as unknown as Mocha.Context, 1e9);
        assert.strictEqual(c.skipped, false);
    });
});
