// How long `pulumi up` waits for the cluster before it fails saying why (docs/ARCHITECTURE.md,
// "Bounded waits"): HNC's Ok on the anchor, each CRD Established, the controllers' Deployments
// available and their Services' endpoints. One setting, because a cluster that pulls images
// slowly is slow at all of them.
import { parseGoDuration } from "./goDuration";
import { q } from "./fieldProblems";
import { Resolved } from "./resolved";

/** `flux bootstrap --timeout`'s default: the controllers pulled and started on a healthy cluster. */
export const DEFAULT_READINESS_TIMEOUT = "5m";

const MIN_NANOS = 30_000_000_000n;
const MAX_NANOS = 3_600_000_000_000n;

export interface WaitsConfig {
    /** A Go duration, as Pulumi's customTimeouts take it. */
    readinessTimeout: string;
}

export function resolveWaits(readinessTimeoutArg: unknown): Resolved<WaitsConfig> {
    const readinessTimeout = (readinessTimeoutArg ?? DEFAULT_READINESS_TIMEOUT) as string;
    const nanos = typeof readinessTimeout === "string" && /^([0-9]+(\.[0-9]+)?(s|m|h))+$/.test(readinessTimeout) ? parseGoDuration(readinessTimeout) : undefined;
    if (nanos === undefined) {
        return { value: { readinessTimeout }, problems: [`readinessTimeout ${q(readinessTimeout)} is not a duration: use a Go duration such as "5m" (the default), "90s" or "1h".`] };
    }
    if (nanos < MIN_NANOS || nanos > MAX_NANOS) {
        return {
            value: { readinessTimeout },
            problems: [`readinessTimeout ${q(readinessTimeout)} is outside 30s–1h: pods cannot start in less than 30 s, and an up waiting longer than an hour for a controller is stuck, not slow.`],
        };
    }
    return { value: { readinessTimeout }, problems: [] };
}
