// The findings Welkin's Gatekeeper would deny, told as what to change: the default policy mode
// ("deny") stops the preview on them, and its message must say how to fix each and how to choose
// otherwise. The rules themselves are in welkinPolicies.ts.
import { PolicyFinding, PolicyName } from "./welkinPolicies";

/** What to change for each policy, said to the user who wrote the patches. */
export const POLICY_FIX: Record<PolicyName, string> = {
    "resource-requests": "give the container CPU and memory requests in your patch (resources.requests.cpu and resources.requests.memory)",
    "disallowed-tags": "pin a tag, a version such as :v1.2.3 on the image in your patch (not :latest, and not none)",
    "image-registry": "ask the platform administrator to allow ghcr.io/fluxcd, or mirror the images and set registry",
    "network-policy": "select the pods with a NetworkPolicy in their namespace (Flux's own select its controllers: check a patch that changes their labels or those NetworkPolicies)",
    "minimum-replicas": "run at least 2 replicas, or ignore the policy (Flux's controllers run one leader-elected replica by design)",
    "load-balancer-service": "keep the Service's type ClusterIP in your patch; ask the platform administrator how to expose it (an Ingress)",
    "localhost-seccomp": "use seccompProfile type RuntimeDefault, as Flux does, in your patch",
};

/** Only the findings whose Welkin enforcement is deny. */
export function deniedFindings(findings: PolicyFinding[]): PolicyFinding[] {
    return findings.filter((f) => f.enforcement === "deny");
}

/** One line per finding naming the object, the policy and the fix, then how to choose otherwise. */
export function formatDenials(findings: PolicyFinding[]): string {
    const lines = findings.map((f) => {
        const what = f.message.includes(f.object) ? f.message : `${f.object}: ${f.message}`;
        return `  - [${f.policy}, Welkin enforcement: ${f.enforcement}] ${what} Fix: ${POLICY_FIX[f.policy]}.`;
    });
    const policies = [...new Set(findings.map((f) => f.policy))];
    return (
        `${lines.join("\n")}\n` +
        `Where the environment does not deny ${policies.length === 1 ? "it" : "them"} (each Welkin environment sets its enforcement), choose otherwise: ` +
        `policyChecks.mode: "warn" only warns, or policyChecks.ignore: [${policies.map((p) => JSON.stringify(p)).join(", ")}] skips ${policies.length === 1 ? "that policy" : "those policies"}.`
    );
}
