// What must never be stored or printed in plain text: the deploy key's lines and the kubeconfig's
// client key. Used on the state file and the engine's output of the end-to-end stacks.
import * as assert from "assert";
import * as fs from "fs";

export function assertNoPlainSecrets(texts: [what: string, text: string][], keyFile: string, kubeconfigFile: string): void {
    const keyLines = fs.readFileSync(keyFile, "utf8").split("\n").filter((l) => l.length > 20 && !l.startsWith("-----"));
    const kubeKey = fs.readFileSync(kubeconfigFile, "utf8").match(/client-key-data: (\S+)/)![1];
    for (const [what, text] of texts) {
        for (const line of keyLines) {
            assert.ok(!text.includes(line), `${what} has the deploy key in plain text`);
        }
        assert.ok(!text.includes(kubeKey.slice(0, 64)), `${what} has the kubeconfig's client key in plain text`);
    }
}
