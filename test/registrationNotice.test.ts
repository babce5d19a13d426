// The notice a preview prints for a git server by URL, where welkin-flux cannot register the
// deploy key: it must be true whoever the server is — also on the sandbox, where the demo has
// registered the key already — so it says who registers it, never that nobody can.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";

import { WelkinFluxConfig } from "../components/config";
import { registrationNotice } from "../components/gitTarget/ssh";
import { DeployKey } from "../components/keys/deployKey";

const URL = "ssh://git@git.example.com:2222/team/fleet.git";
const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample";

/** The notice for these settings, as pulumi.log.info gets it. */
async function notice(readOnly: boolean, pushKey: string | undefined): Promise<string> {
    const config = { deployKey: { readOnly }, repository: { url: URL }, pushKey } as unknown as WelkinFluxConfig;
    const key = { publicKeyOpenssh: pulumi.output(PUBLIC_KEY) } as unknown as DeployKey;
    const info = pulumi.log.info;
    const logged: string[] = [];
    pulumi.log.info = async (message: string) => {
        logged.push(message);
    };
    try {
        registrationNotice(config, key, undefined as unknown as pulumi.Resource);
        await new Promise((r) => setTimeout(r, 50));
    } finally {
        pulumi.log.info = info;
    }
    assert.strictEqual(logged.length, 1, JSON.stringify(logged));
    return logged[0];
}

describe("the deploy key notice on a git server by URL", () => {
    it("says which access the key needs, what uses it, who registers it, and the key", async () => {
        const text = await notice(false, undefined);
        assert.strictEqual(
            text,
            `this deploy key needs write access on ${URL} (Flux fetches with it, and the manifests are pushed with it); ` +
                `welkin-flux has no API to register it on a server reached by URL, so whoever administers the repository there registers it, unless it already is: ${PUBLIC_KEY}`,
        );
        assert.doesNotMatch(text, /nothing can register|nobody/);
    });

    it("with a push key, says the deploy key only fetches", async () => {
        const text = await notice(true, "-----BEGIN OPENSSH PRIVATE KEY-----");
        assert.match(text, /^this deploy key needs read access on \S+ \(Flux fetches with it\); /);
        assert.doesNotMatch(text, /pushed/);
    });
});
