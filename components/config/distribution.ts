// Which Flux is installed (docs/ARCHITECTURE.md steps 2 and 8): the bundled version, the extra
// controllers and how often Flux reconciles.
import { DEFAULT_SYNC_INTERVAL } from "./defaults";
import { DEFAULT_FLUX_VERSION, EXTRA_COMPONENTS, FluxExtraComponent, isSupportedFluxVersion, SUPPORTED_FLUX_VERSIONS } from "../flux/releases";
import { normalizeFluxInterval } from "./goDuration";
import { intervalProblems, q } from "./fieldProblems";
import { Resolved } from "./resolved";

export interface DistributionConfig {
    fluxVersion: string;
    componentsExtra: FluxExtraComponent[];
    imageAutomation: boolean;
    /** Go `Duration.String()` form, as the flux CLI writes it (`1m` becomes `1m0s`). */
    syncInterval: string;
}

function fluxVersionProblems(fluxVersion: unknown): string[] {
    if (typeof fluxVersion !== "string" || !isSupportedFluxVersion(fluxVersion)) {
        return [
            `fluxVersion ${q(fluxVersion)} is not bundled with welkin-flux; supported: ${SUPPORTED_FLUX_VERSIONS.join(", ")}. ` +
                `Set one of them, or leave fluxVersion unset for ${DEFAULT_FLUX_VERSION}.`,
        ];
    }
    return [];
}

function componentsExtraProblems(componentsExtra: unknown): string[] {
    if (!Array.isArray(componentsExtra)) {
        return [`componentsExtra must be a list; got ${q(componentsExtra)}.`];
    }
    const unknown = componentsExtra.filter((c) => !(EXTRA_COMPONENTS as readonly unknown[]).includes(c));
    if (unknown.length > 0) {
        return [`componentsExtra has unknown component(s) ${unknown.map(q).join(", ")}: the extra Flux components are ${EXTRA_COMPONENTS.map(q).join(" and ")}.`];
    }
    if (new Set(componentsExtra).size !== componentsExtra.length) {
        return [`componentsExtra lists a component twice (${componentsExtra.map(q).join(", ")}); list each once.`];
    }
    if (componentsExtra.length === 1) {
        return [
            `componentsExtra ${q(componentsExtra)}: welkin-flux bundles Flux with the default components or with both image ` +
                `controllers together; set componentsExtra to ${q([...EXTRA_COMPONENTS])} or leave it empty.`,
        ];
    }
    return [];
}

export function resolveDistribution(fluxVersionArg: unknown, componentsExtraArg: unknown, syncIntervalArg: unknown): Resolved<DistributionConfig> {
    const fluxVersion = (fluxVersionArg ?? DEFAULT_FLUX_VERSION) as string;
    const componentsExtra = componentsExtraArg ?? [];
    const syncInterval = (syncIntervalArg ?? DEFAULT_SYNC_INTERVAL) as string;
    const syncIntervalProblems = intervalProblems("syncInterval", syncInterval);
    const problems = [...fluxVersionProblems(fluxVersion), ...componentsExtraProblems(componentsExtra), ...syncIntervalProblems];
    const imageAutomation = Array.isArray(componentsExtra) && componentsExtra.length > 0;
    return {
        value: {
            fluxVersion,
            componentsExtra: imageAutomation ? [...EXTRA_COMPONENTS] : [],
            imageAutomation,
            syncInterval: syncIntervalProblems.length === 0 ? normalizeFluxInterval(syncInterval) : syncInterval,
        },
        problems,
    };
}
