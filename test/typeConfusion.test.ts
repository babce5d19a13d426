// Inputs from stack config and from other languages are not checked by the TypeScript compiler.
// Generated type confusion: every field given every wrong kind of value must be refused with the
// usual message naming the field — never a bare TypeError, never silently ignored.
import * as assert from "assert";
import { WelkinFluxArgs } from "../components/args";
import { resolveWelkinFluxConfig, WelkinFluxArgsError } from "../components/config";

type Kind = "string" | "boolean" | "number" | "object" | "string[]" | "object[]";

/** Every field of WelkinFluxArgs that holds plain data, with the kind of value it takes. */
const FIELDS: Record<string, Kind> = {
    clusterName: "string",
    repository: "object",
    "repository.owner": "string",
    "repository.name": "string",
    "repository.branch": "string",
    parentNamespace: "string",
    extraParentNamespaces: "string[]",
    namespace: "string",
    fluxVersion: "string",
    componentsExtra: "string[]",
    syncInterval: "string",
    deployKey: "object",
    "deployKey.algorithm": "string",
    "deployKey.rsaBits": "number",
    "deployKey.readOnly": "boolean",
    "deployKey.title": "string",
    "deployKey.rotation": "string",
    knownHosts: "string",
    lockdown: "object",
    "lockdown.noCrossNamespaceRefs": "boolean",
    "lockdown.noRemoteBases": "boolean",
    "lockdown.defaultServiceAccount": "string",
    registry: "string",
    imagePullSecret: "object",
    "imagePullSecret.name": "string",
    kubeconfig: "string",
    kubeContext: "string",
    preflight: "boolean",
    policyChecks: "object",
    "policyChecks.mode": "string",
    "policyChecks.ignore": "string[]",
    "policyChecks.allowedRegistries": "string[]",
    patches: "object[]",
    commitMessagePrefix: "string",
};

const WRONG: Record<Kind, unknown[]> = {
    string: [0, 8193, true, {}, [], ["x"], null],
    boolean: [0, 1, "true", "x", {}, [], null],
    number: ["4096", true, {}, [], null, 1.5, -1],
    object: [8193, "x", true, [], ["x"], null],
    "string[]": [8193, "x", true, {}, null, [1, 2], [null], [{}]],
    "object[]": [8193, "x", true, {}, null, [1], ["x"], [null], [{}], [{ patch: 1 }], [{ patch: "a: 1", target: "Deployment" }], [{ patch: "[]", target: { kind: 1 } }]],
};
// Values of the right kind that no field may take blindly.
const ODD_STRINGS = ["", "a".repeat(5000), "ü🙂\u0000", " ", "-x", "../../etc"];

const valid: WelkinFluxArgs = {
    clusterName: "dev",
    repository: { owner: "acme", name: "fleet", branch: "main" },
    imagePullSecret: { name: "pull" },
    deployKey: { algorithm: "RSA", rsaBits: 4096 },
    lockdown: { defaultServiceAccount: "flux" },
    policyChecks: { mode: "warn", ignore: ["minimum-replicas"], allowedRegistries: ["ghcr.io/"] },
};

function withValue(path: string, value: unknown): Record<string, unknown> {
    const args = structuredClone(valid) as unknown as Record<string, Record<string, unknown>>;
    const [head, tail] = path.split(".");
    if (tail === undefined) {
        (args as Record<string, unknown>)[head] = value;
    } else {
        args[head] = { ...(args[head] ?? {}), [tail]: value };
    }
    return args;
}

/** "refused" naming the field, "accepted", or the unexpected error. */
function outcome(args: Record<string, unknown>): { refused: string[] } | { accepted: true } | { crashed: Error } {
    try {
        resolveWelkinFluxConfig("f", args as unknown as WelkinFluxArgs);
        return { accepted: true };
    } catch (e) {
        return e instanceof WelkinFluxArgsError ? { refused: e.problems } : { crashed: e as Error };
    }
}

describe("type confusion (inputs from stack config or other languages)", () => {
    it("accepts the valid base arguments", () => {
        assert.deepStrictEqual(outcome(valid as unknown as Record<string, unknown>), { accepted: true });
    });

    it("refuses every wrong kind of value for every field, naming the field, and never crashes", () => {
        const failures: string[] = [];
        let cases = 0;
        for (const [path, kind] of Object.entries(FIELDS)) {
            for (const value of WRONG[kind]) {
                // null is "unset" for optional fields, as undefined.
                if (value === null && path !== "clusterName" && path !== "repository" && !path.startsWith("repository.o") && !path.startsWith("repository.n")) {
                    continue;
                }
                cases++;
                const result = outcome(withValue(path, value));
                const shown = `${path} = ${JSON.stringify(value)}`;
                if ("crashed" in result) {
                    failures.push(`${shown}: crashed with ${result.crashed.name}: ${result.crashed.message}`);
                } else if ("accepted" in result) {
                    failures.push(`${shown}: accepted`);
                } else if (!result.refused.some((p) => p.includes(path.split(".")[0]))) {
                    failures.push(`${shown}: refused without naming the field: ${result.refused.join(" | ")}`);
                }
            }
        }
        assert.deepStrictEqual(failures, [], `${failures.length} of ${cases} cases`);
    });

    it("refuses odd strings where a name, flag or path is expected, and never crashes on any", () => {
        const failures: string[] = [];
        for (const [path, kind] of Object.entries(FIELDS)) {
            if (kind !== "string") {
                continue;
            }
            for (const value of ODD_STRINGS) {
                const result = outcome(withValue(path, value));
                if ("crashed" in result) {
                    failures.push(`${path} = ${JSON.stringify(value.slice(0, 20))}: crashed with ${result.crashed.message}`);
                } else if ("accepted" in result && value.length > 1000 && path !== "kubeconfig" && path !== "kubeContext") {
                    // A kubeconfig is long text; a context name is the user's own (a wrong one fails at preview, named).
                    failures.push(`${path} = <${value.length} characters>: accepted`);
                }
            }
        }
        assert.deepStrictEqual(failures, []);
    });
});
