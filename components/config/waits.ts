// How long `pulumi up` waits for the cluster before it fails saying why (docs/ARCHITECTURE.md,
// "Bounded waits"): HNC's Ok on the anchor, each CRD Established and the controllers'
// Deployments available. One setting, because a cluster that pulls images slowly is slow at all
// of them. The Services have a short bound of their own (SERVICE_SETTLE_BOUND).
import { parseGoDuration } from "./goDuration";
import { q } from "./fieldProblems";
import { Resolved } from "./resolved";

/** `flux bootstrap --timeout`'s default: the controllers pulled and started on a healthy cluster. */
export const DEFAULT_READINESS_TIMEOUT = "5m";

/**
 * The kubernetes provider (v4.25.0, pkg/await/service.go) accepts a Service once its endpoints
 * have not changed for 10 s, and, when its bound ends first, once none of the endpoints is
 * not-ready. The Services are created after the Deployments they select are available, so
 * their endpoints are ready at once: a short bound ends the 10 s of settling without changing
 * what is applied (`pulumi.com/skipAwait` would put an annotation on Services that Flux
 * reconciles from git without it). A pod that turns not-ready in those seconds still fails the
 * up. 3 s leaves the provider's watch time to see the Service on a distant API server.
 */
export const SERVICE_SETTLE_BOUND = "3s";

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
