import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { WelkinFluxArgs } from "../components/args";
import { resolveWelkinFluxConfig, WelkinFluxArgsError } from "../components/config";

const valid: WelkinFluxArgs = { clusterName: "dev", repository: { owner: "acme", name: "fleet-infra" } };

function problemsOf(args: unknown): string[] {
    try {
        resolveWelkinFluxConfig("flux", args as WelkinFluxArgs);
    } catch (e) {
        assert.ok(e instanceof WelkinFluxArgsError, `expected WelkinFluxArgsError, got ${e}`);
        return e.problems;
    }
    assert.fail("expected the arguments to be rejected");
}

function assertOneProblem(args: unknown, expected: string): void {
    assert.deepStrictEqual(problemsOf(args), [expected]);
}

describe("resolveWelkinFluxConfig", () => {
    it("applies the documented defaults", () => {
        const c = resolveWelkinFluxConfig("flux", valid);
        assert.deepStrictEqual(c.repository, { owner: "acme", name: "fleet-infra", branch: "main", url: "ssh://git@github.com/acme/fleet-infra.git", githubHost: "github.com" });
        assert.strictEqual(c.gitServer, "github");
        assert.strictEqual(c.parentNamespace, "production");
        assert.deepStrictEqual(c.parentNamespaces, ["production"]);
        assert.strictEqual(c.namespace, "flux-system");
        assert.strictEqual(c.fluxVersion, "v2.1.2");
        assert.deepStrictEqual(c.componentsExtra, []);
        assert.strictEqual(c.syncInterval, "1m0s");
        assert.strictEqual(c.readinessTimeout, "5m");
        assert.deepStrictEqual(c.deployKey, { privateKey: undefined, algorithm: "ED25519", rsaBits: 4096, readOnly: true, title: "flux-dev", rotation: undefined });
        assert.deepStrictEqual(c.lockdown, { noCrossNamespaceRefs: false, noRemoteBases: false, defaultServiceAccount: undefined });
        assert.deepStrictEqual(c.names, { gitRepository: "fleet-infra-repo", kustomization: "fleet-infra-repo", gitSecret: "fleet-infra-auth" });
        assert.strictEqual(c.syncPath, "clusters/dev/flux-system");
        assert.deepStrictEqual(c.warnings, []);
    });

    it("gives image automation a writable deploy key and both image controllers", () => {
        const c = resolveWelkinFluxConfig("flux", { ...valid, componentsExtra: ["image-automation-controller", "image-reflector-controller"] });
        assert.strictEqual(c.deployKey.readOnly, false);
        assert.deepStrictEqual(c.componentsExtra, ["image-reflector-controller", "image-automation-controller"]);
    });

    it("writes intervals the way the flux CLI does", () => {
        assert.strictEqual(resolveWelkinFluxConfig("f", { ...valid, syncInterval: "90s" }).syncInterval, "1m30s");
        assert.strictEqual(resolveWelkinFluxConfig("f", { ...valid, syncInterval: "1.5h" }).syncInterval, "1h30m0s");
        assert.strictEqual(resolveWelkinFluxConfig("f", { ...valid, syncInterval: "10m" }).syncInterval, "10m0s");
    });

    it("requires clusterName and repository", () => {
        assert.deepStrictEqual(problemsOf({}), [
            'clusterName is required: the manifests are committed under clusters/<clusterName>/flux-system (for example clusterName: "dev").',
            'repository is required: { owner: "<GitHub user or organisation>", name: "<repository>", branch?: "main" }.',
        ]);
    });

    it("rejects a cluster name that is not a safe path segment", () => {
        for (const bad of ["../prod", "a/b", ".hidden", "Dev Cluster"]) {
            assertOneProblem(
                { ...valid, clusterName: bad },
                `clusterName ${JSON.stringify(bad)} is not a safe path segment for clusters/<clusterName>/flux-system: use at most 63 ` +
                    `letters, digits, '.', '_' or '-', starting with a letter or digit, and no '/' (for example "welkin-dev").`,
            );
        }
    });

    it("rejects empty and invalid owner, repository and branch", () => {
        assertOneProblem({ ...valid, repository: { owner: "", name: "fleet" } }, "repository.owner is required: the GitHub user or organisation that owns the repository.");
        assertOneProblem(
            { ...valid, repository: { owner: "-acme", name: "fleet" } },
            `repository.owner "-acme" is not a GitHub user or organisation name: use at most 39 letters, digits and single '-' between them (for example "my-org").`,
        );
        assertOneProblem({ ...valid, repository: { owner: "acme", name: "" } }, 'repository.name is required: the GitHub repository Flux syncs from, without ".git".');
        assertOneProblem(
            { ...valid, repository: { owner: "acme", name: "fleet.git" } },
            `repository.name "fleet.git" is not a GitHub repository name: use letters, digits, '.', '_' and '-', without a ".git" suffix (for example "fleet-infra").`,
        );
        assertOneProblem(
            { ...valid, repository: { owner: "acme", name: "Fleet_Infra" } },
            `repository.name "Fleet_Infra" cannot name the Flux objects "Fleet_Infra-repo" and "Fleet_Infra-auth": they must be lowercase letters, digits and '-' (at most 58 characters before the suffix). Use a repository whose name fits, or rename it.`,
        );
        for (const bad of ["", "feature..x", "a b", "-x", "x.lock", "refs/heads/", "x~1"]) {
            const problems = problemsOf({ ...valid, repository: { owner: "acme", name: "fleet", branch: bad } });
            assert.strictEqual(problems.length, 1, bad);
            assert.match(problems[0], /^repository\.branch /, bad);
        }
        resolveWelkinFluxConfig("f", { ...valid, repository: { owner: "acme", name: "fleet", branch: "release/2026.11" } });
    });

    it("rejects invalid namespace names and duplicates", () => {
        assertOneProblem(
            { ...valid, parentNamespace: "Production" },
            `parentNamespace "Production" is not a valid namespace name: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit (for example "production").`,
        );
        assertOneProblem(
            { ...valid, extraParentNamespaces: ["staging", "staging"] },
            `extraParentNamespaces lists "staging" twice: each parent namespace gets its Roles and delegation once; remove the duplicate.`,
        );
        assertOneProblem(
            { ...valid, extraParentNamespaces: ["production"] },
            `extraParentNamespaces lists "production" which is already parentNamespace: each parent namespace gets its Roles and delegation once; remove the duplicate.`,
        );
        assertOneProblem(
            { ...valid, parentNamespace: "flux-system" },
            `parentNamespace cannot be "flux-system": that is the namespace the component creates under the parent (e.g. "production").`,
        );
    });

    it("refuses to rename flux-system, explaining Welkin's ClusterRoleBinding", () => {
        assertOneProblem(
            { ...valid, namespace: "flux" },
            `namespace "flux" is not supported: Welkin binds its Flux ClusterRole "crd-controller" to the controllers' ServiceAccounts in "flux-system" only, so Flux must live there. Remove namespace (or set "flux-system").`,
        );
    });

    it("lists the supported versions for an unsupported one", () => {
        assertOneProblem(
            { ...valid, fluxVersion: "v2.3.0" },
            `fluxVersion "v2.3.0" is not bundled with welkin-flux; supported: v2.1.2, v2.9.4. Set one of them, or leave fluxVersion unset for v2.1.2.`,
        );
    });

    it("rejects unknown or partial extra components", () => {
        assertOneProblem(
            { ...valid, componentsExtra: ["image-reflector"] },
            `componentsExtra has unknown component(s) "image-reflector": the extra Flux components are "image-reflector-controller" and "image-automation-controller".`,
        );
        assertOneProblem(
            { ...valid, componentsExtra: ["image-reflector-controller"] },
            `componentsExtra ["image-reflector-controller"]: welkin-flux bundles Flux with the default components or with both image controllers together; set componentsExtra to ["image-reflector-controller","image-automation-controller"] or leave it empty.`,
        );
    });

    it("bounds every wait of up by readinessTimeout, 30s to 1h, naming the field and the fix", () => {
        assert.strictEqual(resolveWelkinFluxConfig("f", { ...valid, readinessTimeout: "15m" }).readinessTimeout, "15m");
        assert.strictEqual(resolveWelkinFluxConfig("f", { ...valid, readinessTimeout: "1m30s" }).readinessTimeout, "1m30s");
        for (const bad of ["5 minutes", "5d", "-1m", "", "300"]) {
            assertOneProblem({ ...valid, readinessTimeout: bad }, `readinessTimeout ${JSON.stringify(bad)} is not a duration: use a Go duration such as "5m" (the default), "90s" or "1h".`);
        }
        for (const outside of ["10s", "2h"]) {
            assertOneProblem(
                { ...valid, readinessTimeout: outside },
                `readinessTimeout "${outside}" is outside 30s–1h: pods cannot start in less than 30 s, and an up waiting longer than an hour for a controller is stuck, not slow.`,
            );
        }
    });

    it("rejects bad intervals", () => {
        for (const bad of ["1 minute", "5d", "-1m", "0s", "500ms", "", "1m 30s"]) {
            const problems = problemsOf({ ...valid, syncInterval: bad });
            assert.strictEqual(problems.length, 1, bad);
            assert.match(problems[0], /^syncInterval /, bad);
        }
        assertOneProblem(
            { ...valid, syncInterval: "5d" },
            `syncInterval "5d" is not a Flux interval: use a Go duration made of numbers with the units ms, s, m or h, such as "1m", "30s" or "1h30m".`,
        );
    });

    it("checks the deploy key settings", () => {
        assertOneProblem(
            { ...valid, deployKey: { algorithm: "DSA" } },
            `deployKey.algorithm "DSA" is not supported: use "ED25519" (default), "RSA" or "ECDSA".`,
        );
        assertOneProblem(
            { ...valid, deployKey: { algorithm: "RSA", rsaBits: 1024 } },
            `deployKey.rsaBits 1024 is out of range: use a whole number from 2048 to 8192 (default 4096).`,
        );
        assertOneProblem(
            { ...valid, deployKey: { rsaBits: 4096 } },
            `deployKey.rsaBits is set but deployKey.algorithm is "ED25519": set algorithm to "RSA" or remove rsaBits.`,
        );
        assertOneProblem(
            { ...valid, componentsExtra: ["image-reflector-controller", "image-automation-controller"], deployKey: { readOnly: true } },
            `deployKey.readOnly is true but componentsExtra enables image automation, which pushes commits with the deploy key: set deployKey.readOnly to false (or leave it unset).`,
        );
        assertOneProblem(
            { ...valid, deployKey: { rotation: " " } },
            `deployKey.rotation must be a non-empty string of at most 200 characters (change it to rotate the key, e.g. "2026-11"); got " ".`,
        );
        const rsa = resolveWelkinFluxConfig("f", { ...valid, deployKey: { algorithm: "RSA", rsaBits: 3072, rotation: "r2" } });
        assert.deepStrictEqual(rsa.deployKey, { privateKey: undefined, algorithm: "RSA", rsaBits: 3072, readOnly: true, title: "flux-dev", rotation: "r2" });
    });

    it("checks known_hosts, registry and pull secret", () => {
        assertOneProblem(
            { ...valid, knownHosts: "github.com AAAA" },
            `knownHosts line "github.com AAAA" is not a known_hosts entry: expected "<host> <key-type> <base64-key>", e.g. "github.com ssh-ed25519 AAAA...".`,
        );
        resolveWelkinFluxConfig("f", { ...valid, knownHosts: "[127.0.0.1]:2222 ssh-ed25519 AAAAC3Nza\n# comment\n" });
        assertOneProblem(
            { ...valid, registry: "https://harbor.example.com/fluxcd/" },
            `registry "https://harbor.example.com/fluxcd/" is not an image registry prefix: give host[/path] without scheme, tag or trailing '/', for example "harbor.example.com/fluxcd" (images become <registry>/<controller>:<tag>).`,
        );
        assertOneProblem(
            { ...valid, imagePullSecret: { name: "Harbor Pull" } },
            `imagePullSecret.name "Harbor Pull" is not a Secret name: use lowercase letters, digits, '-' and '.' (for example "harbor-pull").`,
        );
    });

    it("checks the policy mode: deny by default, each of the four modes, and all four named on an unknown one", () => {
        assert.deepStrictEqual(resolveWelkinFluxConfig("f", valid).policyChecks, { mode: "deny", ignore: [], allowedRegistries: undefined });
        assert.strictEqual(resolveWelkinFluxConfig("f", { ...valid, policyChecks: { ignore: ["minimum-replicas"] } }).policyChecks.mode, "deny");
        for (const mode of ["deny", "warn", "error", "off"] as const) {
            assert.strictEqual(resolveWelkinFluxConfig("f", { ...valid, policyChecks: { mode } }).policyChecks.mode, mode);
        }
        assertOneProblem({ ...valid, policyChecks: { mode: "strict" } }, `policyChecks.mode "strict" is not one of "deny" (default), "warn", "error" or "off".`);
    });

    it("warns, but accepts, a default service account", () => {
        const c = resolveWelkinFluxConfig("f", { ...valid, lockdown: { defaultServiceAccount: "flux-apply" } });
        assert.strictEqual(c.lockdown.defaultServiceAccount, "flux-apply");
        assert.strictEqual(c.warnings.length, 1);
        assert.match(c.warnings[0], /Welkin does not support Flux's impersonation model/);
    });

    it("reports every problem at once, in one message naming the component", () => {
        try {
            resolveWelkinFluxConfig("prod", { clusterName: "a/b", repository: { owner: "acme", name: "fleet" }, syncInterval: "soon", parentNamespace: "" });
            assert.fail("expected an error");
        } catch (e) {
            const err = e as WelkinFluxArgsError;
            assert.strictEqual(err.problems.length, 3);
            assert.match(err.message, /^Invalid arguments for WelkinFlux "prod" \(nothing was created\):\n {2}- clusterName "a\/b"/);
            assert.match(err.message, /\n {2}- parentNamespace must be a non-empty namespace name; got ""\./);
            assert.match(err.message, /\n {2}- syncInterval "soon" is not a Flux interval/);
        }
    });

    describe("GitHub: Flux fetches from the server and owner the files are written to", () => {
        const gheKnownHosts = "github.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

        it("builds the GitRepository URL from githubHost (GitHub Enterprise Server), with its own known_hosts", () => {
            const c = resolveWelkinFluxConfig("f", { ...valid, repository: { ...valid.repository, githubHost: "github.example.com" }, knownHosts: gheKnownHosts });
            assert.strictEqual(c.repository.url, "ssh://git@github.example.com/acme/fleet-infra.git");
            assert.strictEqual(c.knownHosts, gheKnownHosts);
            const port = resolveWelkinFluxConfig("f", { ...valid, repository: { ...valid.repository, githubHost: "github.example.com:2222" }, knownHosts: gheKnownHosts });
            assert.strictEqual(port.repository.url, "ssh://git@github.example.com:2222/acme/fleet-infra.git");
        });

        it("requires knownHosts for any GitHub host but github.com, and refuses a host that is a URL", () => {
            assert.deepStrictEqual(problemsOf({ ...valid, repository: { ...valid.repository, githubHost: "github.example.com:2222" } }), [
                'knownHosts is required with repository.githubHost "github.example.com:2222": the default is github.com\'s published host keys, which cannot verify another server. ' +
                    "Give that server's host key lines (e.g. from `ssh-keyscan -p 2222 github.example.com`, checked against the fingerprints its administrator publishes).",
            ]);
            assert.strictEqual(resolveWelkinFluxConfig("f", { ...valid, repository: { ...valid.repository, githubHost: "github.com" } }).repository.url, "ssh://git@github.com/acme/fleet-infra.git");
            const [urlHost] = problemsOf({ ...valid, repository: { ...valid.repository, githubHost: "https://github.example.com/api/v3" }, knownHosts: gheKnownHosts });
            assert.match(urlHost, /^repository\.githubHost "https:\/\/github\.example\.com\/api\/v3" is not a host name: .*without https:\/\/ or a path\.$/);
        });

        it("refuses owner or githubHost beside url, naming both instead of dropping one", () => {
            const url = "ssh://git@git.example.com/team/fleet.git";
            const knownHosts = "git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
            assert.deepStrictEqual(problemsOf({ clusterName: "dev", repository: { owner: "acme", githubHost: "github.com", url }, knownHosts, deployKey: { readOnly: false } }), [
                `repository.owner "acme" and repository.url "${url}" were both given: owner is only for GitHub, where the component builds the URL itself. Remove owner to use the URL on any git server, or remove url to use GitHub.`,
                `repository.githubHost "github.com" and repository.url "${url}" were both given: githubHost is only for GitHub, where the component builds the URL itself. Remove githubHost to use the URL on any git server, or remove url to use GitHub.`,
            ]);
        });
    });

    describe("any git server (repository.url) and your own key (deployKey.privateKey)", () => {
        const key = (type: string) => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-key-"));
            try {
                childProcess.execFileSync("ssh-keygen", ["-q", "-t", type, "-N", "", "-f", path.join(dir, "k")]);
                return fs.readFileSync(path.join(dir, "k"), "utf8");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        };
        const url = "ssh://git@git.example.com:2222/team/fleet.git";
        const knownHosts = "[git.example.com]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

        it("takes the name from the URL, keeps the URL for gotk-sync.yaml, and pushes with the push key", () => {
            const c = resolveWelkinFluxConfig("f", { clusterName: "dev", repository: { url, pushKey: key("ed25519") }, knownHosts });
            assert.strictEqual(c.gitServer, "ssh");
            assert.deepStrictEqual({ ...c.repository }, { owner: undefined, name: "fleet", branch: "main", url });
            assert.deepStrictEqual(c.names, { gitRepository: "fleet-repo", kustomization: "fleet-repo", gitSecret: "fleet-auth" });
        });

        it("requires knownHosts and a key that may push, and refuses a URL git does not speak over SSH", () => {
            assert.deepStrictEqual(problemsOf({ clusterName: "dev", repository: { url } }), [
                `knownHosts is required with repository.url: give the git server's host key lines (as in ~/.ssh/known_hosts, e.g. "[git.example.com]:2222 ssh-ed25519 AAAA..."), checked against what the server's administrator publishes.`,
                "repository.url needs a key that may push the manifests: set repository.pushKey (a secret), or deployKey.readOnly: false and register the deploy key with write access on the server.",
            ]);
            assert.deepStrictEqual(problemsOf({ clusterName: "dev", repository: { url: "https://git.example.com/fleet.git" }, knownHosts, deployKey: { readOnly: false } }), [
                'repository.url "https://git.example.com/fleet.git" is not an SSH git URL: use ssh://git@host[:port]/owner/repo.git or git@host:owner/repo.git (https:// and local paths are not supported here).',
            ]);
            assert.deepStrictEqual(problemsOf({ ...valid, repository: { ...valid.repository, pushKey: "x" } }), [
                "repository.pushKey is only used with repository.url; on GitHub the files are committed through its API. Remove pushKey.",
            ]);
        });

        it("accepts your own key (holding it as a secret even when given as plain text), and refuses an encrypted one and generator settings beside it, never echoing the key", async () => {
            const own = key("ed25519");
            const c = resolveWelkinFluxConfig("f", { ...valid, deployKey: { privateKey: own } });
            const held = c.deployKey.privateKey as pulumi.Output<string>;
            assert.ok(pulumi.Output.isInstance(held));
            const internals = held as unknown as { isSecret: Promise<boolean>; promise(): Promise<string> };
            assert.strictEqual(await internals.isSecret, true);
            assert.strictEqual(await internals.promise(), own);
            const encrypted = (() => {
                const dir = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-key-"));
                childProcess.execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "secret", "-f", path.join(dir, "k")]);
                const text = fs.readFileSync(path.join(dir, "k"), "utf8");
                fs.rmSync(dir, { recursive: true, force: true });
                return text;
            })();
            const problems = problemsOf({ ...valid, deployKey: { privateKey: encrypted, algorithm: "RSA" } });
            assert.strictEqual(problems.length, 2, problems.join("\n"));
            assert.match(problems[0], /deployKey\.privateKey .*passphrase.*ssh-keygen -p/);
            assert.match(problems[1], /deployKey\.algorithm applies to a generated key, but deployKey\.privateKey gives your own: remove it/);
            for (const line of encrypted.split("\n").filter((l) => l.length > 20)) {
                assert.ok(!problems.join("\n").includes(line), "a message shows the key");
            }
        });
    });
});
