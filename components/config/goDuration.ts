// Flux CLI flags are Go durations and the manifests it prints carry Go's `time.Duration.String()`
// form (`--interval=1m` is written as `interval: 1m0s`). Reproducing both keeps gotk-sync.yaml
// identical to what the flux CLI prints.

/** The pattern Flux's CRDs enforce on `spec.interval` (no ns/us units, no sign). */
export const FLUX_DURATION_PATTERN = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;

const NANOS: Record<string, bigint> = {
    ns: 1n,
    us: 1_000n,
    "µs": 1_000n,
    "μs": 1_000n,
    ms: 1_000_000n,
    s: 1_000_000_000n,
    m: 60_000_000_000n,
    h: 3_600_000_000_000n,
};

/** Parses a Go duration string into nanoseconds; returns undefined when Go would reject it. */
export function parseGoDuration(text: string): bigint | undefined {
    if (text === "0") {
        return 0n;
    }
    const part = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/y;
    let total = 0n;
    let pos = 0;
    const sign = text.startsWith("-") ? -1n : 1n;
    if (text.startsWith("-") || text.startsWith("+")) {
        pos = 1;
    }
    if (pos === text.length) {
        return undefined;
    }
    while (pos < text.length) {
        part.lastIndex = pos;
        const m = part.exec(text);
        if (m === null || (m[1] === "" && (m[2] === undefined || m[2] === ""))) {
            return undefined;
        }
        const unit = NANOS[m[3]];
        total += BigInt(m[1] === "" ? "0" : m[1]) * unit;
        if (m[2] !== undefined && m[2] !== "") {
            total += (BigInt(m[2]) * unit) / 10n ** BigInt(m[2].length);
        }
        pos = part.lastIndex;
    }
    return sign * total;
}

/** Go's fmtFrac: the fraction of v / 10^prec without trailing zeros, and v / 10^prec. */
function fracDigits(v: bigint, prec: number): [string, bigint] {
    let digits = "";
    let print = false;
    for (let i = 0; i < prec; i++) {
        const digit = v % 10n;
        print = print || digit !== 0n;
        if (print) {
            digits = digit.toString() + digits;
        }
        v /= 10n;
    }
    return [print ? "." + digits : "", v];
}

/** Go's `time.Duration.String()` for a nanosecond count. */
export function formatGoDuration(nanos: bigint): string {
    if (nanos === 0n) {
        return "0s";
    }
    const neg = nanos < 0n;
    let u = neg ? -nanos : nanos;
    let out: string;
    if (u < 1_000_000_000n) {
        let prec: number;
        let unit: string;
        if (u < 1_000n) {
            prec = 0;
            unit = "ns";
        } else if (u < 1_000_000n) {
            prec = 3;
            unit = "µs";
        } else {
            prec = 6;
            unit = "ms";
        }
        const [frac, whole] = fracDigits(u, prec);
        out = `${whole}${frac}${unit}`;
    } else {
        const [frac, seconds] = fracDigits(u, 9);
        u = seconds;
        out = `${u % 60n}${frac}s`;
        u /= 60n;
        if (u > 0n) {
            out = `${u % 60n}m${out}`;
            u /= 60n;
            if (u > 0n) {
                out = `${u}h${out}`;
            }
        }
    }
    return neg ? "-" + out : out;
}

/** `--interval=<text>` as the flux CLI writes it into a manifest. */
export function normalizeFluxInterval(text: string): string {
    const nanos = parseGoDuration(text);
    if (nanos === undefined) {
        throw new Error(`"${text}" is not a Go duration`);
    }
    return formatGoDuration(nanos);
}
