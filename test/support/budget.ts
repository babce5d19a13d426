// CI's time budget for the longest suites. `.ci/run` must end within 90 minutes on a machine that
// may first build the whole sandbox toolchain (about 46 minutes cold), so it sets
// WELKIN_CI_DEADLINE (epoch seconds) and runs the interruption and fault suites last (.mocharc.json).
// A test of theirs that would not end before the deadline is skipped with a line saying so: it
// counts as pending, never as passed. Without the variable (a developer's `npm test`) all run.

/** Skips the running test when it needs about `seconds` and the deadline is nearer, saying so through `log`. */
export function skipWithoutTime(context: Mocha.Context, seconds: number, log: (line: string) => void = console.log): void {
    const deadline = Number(process.env.WELKIN_CI_DEADLINE);
    if (!Number.isFinite(deadline) || deadline <= 0) {
        return;
    }
    const left = deadline - Date.now() / 1000;
    if (left < seconds) {
        log(`      SKIPPED: needs about ${seconds} s; CI's time budget (WELKIN_CI_DEADLINE) leaves ${Math.max(0, Math.round(left))} s`);
        context.skip();
    }
}
