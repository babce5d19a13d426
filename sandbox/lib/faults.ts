// Faults around a run on the sandbox, as a Welkin environment and its git server have them, for
// the fault suite (test/e2e/faults.test.ts): kube-apiserver or the git server down for a while
// (a restart behind a load balancer), and the API server shedding a user's load with 429s (API
// Priority and Fairness, what a busy API server does). All are the real servers' own behaviour,
// not stand-ins.
import * as fs from "fs";
import * as path from "path";
import { applyObjects, kubectl, Sandbox } from "./cluster";
import { startProcess, stopNamedProcesses, waitFor } from "./processes";

/** The command line a running process was started with, from /proc. */
function commandLine(pid: number): string[] {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((a) => a !== "");
}

/**
 * Stops the sandbox's process `name` (e.g. "kube-apiserver", "git-sshd"); `start()` starts it
 * again with the same command line (read from /proc unless given: sshd rewrites its own), so on
 * the same port, and resolves once `ready` says so.
 */
export async function stopForAWhile(
    stateDir: string,
    name: string,
    ready: () => boolean | Promise<boolean>,
    given?: string[],
): Promise<{ start: () => Promise<void> }> {
    const [command, ...args] = given ?? commandLine(Number(fs.readFileSync(path.join(stateDir, "pids", `${name}.pid`), "utf8")));
    await stopNamedProcesses(stateDir, [name]);
    return {
        start: async () => {
            startProcess(stateDir, name, command, args);
            await waitFor(`${name} up again`, ready, 60_000, path.join(stateDir, "logs", `${name}.log`));
        },
    };
}

/** kube-apiserver down for `downSeconds` (clients meet refused connections), then ready again on the same port. */
export async function restartApiServer(sandbox: Sandbox, downSeconds: number): Promise<void> {
    const stopped = await stopForAWhile(sandbox.stateDir, "kube-apiserver", () => kubectl(sandbox.kubeconfigs.admin, ["get", "--raw", "/readyz"]).trim() === "ok");
    await new Promise((r) => setTimeout(r, downSeconds * 1000));
    await stopped.start();
}

const FLOW_SCHEMA = "welkin-flux-fault-throttle";

/**
 * For `seconds`, the API server answers every request of `user` with 429 Too Many Requests: a
 * priority level with no seat of its own, none to borrow and no queue, and a flow schema putting
 * the user's requests there (created as the platform administrator, removed after).
 */
export async function throttleUserFor(sandbox: Sandbox, user: string, seconds: number): Promise<void> {
    const admin = sandbox.kubeconfigs.admin;
    applyObjects(admin, [
        {
            apiVersion: "flowcontrol.apiserver.k8s.io/v1",
            kind: "PriorityLevelConfiguration",
            metadata: { name: FLOW_SCHEMA },
            spec: { type: "Limited", limited: { nominalConcurrencyShares: 0, lendablePercent: 0, borrowingLimitPercent: 0, limitResponse: { type: "Reject" } } },
        },
        {
            apiVersion: "flowcontrol.apiserver.k8s.io/v1",
            kind: "FlowSchema",
            metadata: { name: FLOW_SCHEMA },
            spec: {
                priorityLevelConfiguration: { name: FLOW_SCHEMA },
                matchingPrecedence: 100,
                distinguisherMethod: { type: "ByUser" },
                rules: [
                    {
                        subjects: [{ kind: "User", user: { name: user } }],
                        resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"], namespaces: ["*"], clusterScope: true }],
                        nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }],
                    },
                ],
            },
        },
    ]);
    try {
        await new Promise((r) => setTimeout(r, seconds * 1000));
    } finally {
        kubectl(admin, ["delete", `flowschema/${FLOW_SCHEMA}`, `prioritylevelconfiguration/${FLOW_SCHEMA}`, "--ignore-not-found"]);
    }
}
