import * as assert from "assert";
import { formatGoDuration, parseGoDuration } from "../components/config/goDuration";

describe("Go durations", () => {
    // Expected strings are Go's time.Duration.String() for the same values.
    const cases: [string, string][] = [
        ["1m", "1m0s"],
        ["10m", "10m0s"],
        ["30s", "30s"],
        ["90s", "1m30s"],
        ["1h", "1h0m0s"],
        ["1.5h", "1h30m0s"],
        ["1h30m", "1h30m0s"],
        ["2h45m10s", "2h45m10s"],
        ["1500ms", "1.5s"],
        ["500ms", "500ms"],
        ["1.25s", "1.25s"],
        ["100us", "100µs"],
        ["5ns", "5ns"],
        ["0", "0s"],
        ["-1m", "-1m0s"],
        ["25h", "25h0m0s"],
    ];
    for (const [input, expected] of cases) {
        it(`${input} -> ${expected}`, () => {
            assert.strictEqual(formatGoDuration(parseGoDuration(input)!), expected);
        });
    }
    it("rejects what time.ParseDuration rejects", () => {
        for (const bad of ["", "1", "m", "1d", "1 m", ".s", "1m-", "+"]) {
            assert.strictEqual(parseGoDuration(bad), undefined, bad);
        }
    });
});
