// Validation of WelkinFluxArgs. Everything here is pure and runs before the component registers
// anything, so bad input stops `pulumi preview` with a message naming the field, the value and the
// fix, and nothing is created. Each concern resolves its own part (one file each, beside this
// one); this file only composes them and reports every problem in one message.
import { WelkinFluxArgs } from "../args";
import { q } from "./fieldProblems";
import { PreflightConfig, resolvePreflight } from "./preflight";
import { ControllersConfig, resolveControllers } from "./controllers";
import { DeployKeyConfig, resolveDeployKey } from "./deployKey";
import { DistributionConfig, resolveDistribution } from "./distribution";
import { NamespacesConfig, resolveNamespaces } from "./namespaces";
import { PatchesConfig, resolvePatches } from "./patches";
import { Resolved } from "./resolved";
import { ClusterConfig, RepositoryConfig, resolveCluster, resolveRepository } from "./repository";
import { resolveWaits, WaitsConfig } from "./waits";

export { DEFAULT_BRANCH, DEFAULT_PARENT_NAMESPACE, DEFAULT_RSA_BITS, DEFAULT_SYNC_INTERVAL, FLUX_NAMESPACE } from "./defaults";
export { DEFAULT_READINESS_TIMEOUT } from "./waits";
export { branchNameProblems, intervalProblems, knownHostsProblems, namespaceNameProblems } from "./fieldProblems";

export type WelkinFluxConfig = ClusterConfig &
    RepositoryConfig &
    NamespacesConfig &
    DistributionConfig &
    ControllersConfig &
    PatchesConfig &
    PreflightConfig &
    WaitsConfig & {
        deployKey: DeployKeyConfig;
        /** Accepted but worth telling the user about (surfaced with pulumi.log.warn). */
        warnings: string[];
    };

export class WelkinFluxArgsError extends Error {
    constructor(
        readonly componentName: string,
        readonly problems: string[],
    ) {
        super(
            `Invalid arguments for WelkinFlux "${componentName}" (nothing was created):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "WelkinFluxArgsError";
    }
}

/** Over SSH the component pushes the files itself: with a push key, or with a writable deploy key. */
function pushCredentialProblems(repository: RepositoryConfig, deployKey: DeployKeyConfig): string[] {
    if (repository.gitServer !== "ssh" || repository.pushKey !== undefined || !deployKey.readOnly) {
        return [];
    }
    return [
        `repository.url needs a key that may push the manifests: set repository.pushKey (a secret), or deployKey.readOnly: false ` +
            `and register the deploy key with write access on the server.`,
    ];
}

/**
 * Validates the arguments and applies the defaults. Throws a WelkinFluxArgsError listing every
 * problem at once, so one preview shows all that needs fixing.
 */
export function resolveWelkinFluxConfig(name: string, args: WelkinFluxArgs): WelkinFluxConfig {
    const problems: string[] = [];
    if (typeof name !== "string" || name === "") {
        problems.push(`the component's resource name must be a non-empty string; got ${q(name)}.`);
    }
    if (args !== undefined && args !== null && (typeof args !== "object" || Array.isArray(args))) {
        throw new WelkinFluxArgsError(String(name), [`the arguments must be an object such as { clusterName, repository }; got ${q(args)}.`]);
    }
    const a = (args ?? {}) as Partial<WelkinFluxArgs>;
    const parts: Resolved<object>[] = [];
    const take = <T extends object>(part: Resolved<T>): T => {
        parts.push(part);
        return part.value;
    };
    const cluster = take(resolveCluster(a.clusterName));
    const repository = take(resolveRepository(a.repository, a.knownHosts, a.commitMessagePrefix));
    const namespaces = take(resolveNamespaces(a.parentNamespace, a.extraParentNamespaces, a.namespace));
    const distribution = take(resolveDistribution(a.fluxVersion, a.componentsExtra, a.syncInterval));
    const deployKey = take(resolveDeployKey(a.deployKey, a.clusterName, distribution.imageAutomation));
    const controllers = take(resolveControllers(a.lockdown, a.registry, a.imagePullSecret));
    const patches = take(resolvePatches(a.patches));
    const checks = take(resolvePreflight(a.kubeconfig, a.kubeContext, a.preflight, a.policyChecks));
    const waits = take(resolveWaits(a.readinessTimeout));
    problems.push(...parts.flatMap((p) => p.problems), ...pushCredentialProblems(repository, deployKey));
    if (problems.length > 0) {
        throw new WelkinFluxArgsError(name, problems);
    }
    return {
        ...cluster,
        ...repository,
        ...namespaces,
        ...distribution,
        ...controllers,
        ...patches,
        ...checks,
        ...waits,
        deployKey,
        warnings: parts.flatMap((p) => p.warnings ?? []),
    };
}
