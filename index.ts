// The welkin-flux program: one WelkinFlux per stack (one stack per Welkin environment).
// Every setting it reads is declared, typed and documented in Pulumi.yaml.
import type * as githubSdk from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { DeployKeyAlgorithm, FluxExtraComponent, FluxPatchArgs, PolicyMode, PolicyName, WelkinFlux } from "./components";

const config = new pulumi.Config();

/** Pulumi.yaml gives optional string settings the default "": that means "not set". */
function optional(key: string): string | undefined {
    const value = config.get(key);
    return value === undefined || value === "" ? undefined : value;
}

/** An empty list in config means "not set". */
function nonEmpty<T>(list: T[] | undefined): T[] | undefined {
    return list === undefined || list.length === 0 ? undefined : list;
}

/** The SDK's own record of which settings the stack file holds encrypted (not in its type declarations). */
const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret(key: string): boolean }).isConfigSecret;

/**
 * A secret setting, or undefined when it is not set. Decided from the raw value, synchronously:
 * a provider given a secret-wrapped `undefined` cannot tell it from a value not yet known, and
 * then skips the server-side dry run that makes a preview check anything against the cluster.
 *
 * A value stored in plain text is refused. Pulumi.yaml cannot declare these settings
 * `secret: true`: the CLI then requires every stack to set them (they are optional here) and
 * treats a default as an unencrypted value. So the program refuses instead, at preview, before
 * the value reaches any resource, naming the fix and never the value.
 */
function optionalSecret(key: string): pulumi.Output<string> | undefined {
    const fullKey = `${pulumi.getProject()}:${key}`;
    const raw = pulumi.runtime.getConfig(fullKey);
    if (raw === undefined || raw === "") {
        return undefined;
    }
    if (!isConfigSecret(fullKey)) {
        throw new pulumi.RunError(
            `The setting ${key} is stored in plain text in Pulumi.${pulumi.getStack()}.yaml, and it holds a secret. Encrypt it: ` +
                `pulumi config set --secret ${key} "$(cat <file>)"  (or: pulumi config set --secret ${key} < <file>). ` +
                `If the file was committed or shared, rotate the credential too. Nothing was created.`,
        );
    }
    return config.requireSecret(key);
}

/**
 * The host Flux fetches a GitHub repository from over SSH, from the API base URL the github
 * provider uses: github.com for api.github.com, `<name>.ghe.com` for GitHub Enterprise Cloud's
 * `api.<name>.ghe.com`, and the server's host for a GitHub Enterprise Server (`https://<host>/api/v3/`).
 */
function githubHostOf(baseUrl: string | undefined): string | undefined {
    if (baseUrl === undefined) {
        return undefined;
    }
    let url: URL;
    try {
        url = new URL(baseUrl);
    } catch {
        throw new pulumi.RunError(`githubBaseUrl ${JSON.stringify(baseUrl)} is not a URL: give the GitHub API's base URL, e.g. https://github.example.com/api/v3/.`);
    }
    // An API served at the root of an api. host (github.com, GHE.com) is beside the git host.
    const atRoot = url.pathname.replace(/\/+$/, "") === "";
    return atRoot ? url.hostname.toLowerCase().replace(/^api\./, "") : url.hostname.toLowerCase();
}

const kubeconfig = optionalSecret("kubeconfig");
const kubeContext = optional("kubeContext");
const gitUrl = optional("gitUrl");
const ownKey = optionalSecret("deployKeyPrivateKey");
const algorithm = ownKey === undefined ? ((config.get("deployKeyAlgorithm") ?? "ED25519") as DeployKeyAlgorithm) : undefined;

const pullSecretName = optional("imagePullSecretName");
const pullSecretConfig = optionalSecret("imagePullSecretDockerConfigJson");
if (pullSecretConfig !== undefined && pullSecretName === undefined) {
    throw new pulumi.RunError("imagePullSecretDockerConfigJson is set but imagePullSecretName is not: name the Secret it goes into (pulumi config set imagePullSecretName <name>).");
}

/** The github provider; its SDK is loaded only here, as it takes about 0.3 s of every run to load. */
function githubProvider(): githubSdk.Provider {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const github = require("@pulumi/github") as typeof githubSdk;
    return new github.Provider("github", {
        owner: optional("githubOwner"),
        token: optionalSecret("githubToken"),
        // A GitHub Enterprise (or test) server; unset means github.com.
        baseUrl: optional("githubBaseUrl"),
    });
}

const kubernetes = new k8s.Provider("welkin", { kubeconfig, context: kubeContext });
// Only the providers a stack uses: a stack on another git server with its own key needs neither
// the github nor the tls plugin.
const gitHub = gitUrl === undefined ? githubProvider() : undefined;
const tlsProvider = ownKey === undefined ? new tls.Provider("tls", {}) : undefined;

const flux = new WelkinFlux(
    config.require("clusterName"),
    {
        clusterName: config.require("clusterName"),
        repository:
            gitUrl === undefined
                ? { owner: optional("githubOwner") ?? "", name: optional("githubRepository") ?? "", branch: config.get("githubBranch"), githubHost: githubHostOf(optional("githubBaseUrl")) }
                : { url: gitUrl, name: optional("githubRepository"), branch: config.get("githubBranch"), pushKey: optionalSecret("gitPushKey") },
        parentNamespace: config.get("parentNamespace"),
        extraParentNamespaces: config.getObject<string[]>("extraParentNamespaces"),
        fluxVersion: config.get("fluxVersion"),
        componentsExtra: config.getObject<FluxExtraComponent[]>("componentsExtra"),
        syncInterval: config.get("syncInterval"),
        readinessTimeout: config.get("readinessTimeout"),
        deployKey: {
            privateKey: ownKey,
            algorithm,
            rsaBits: algorithm === "RSA" ? config.getNumber("deployKeyRsaBits") : undefined,
            readOnly: config.getBoolean("deployKeyWritable") ? false : undefined,
            title: optional("deployKeyTitle"),
            rotation: optional("deployKeyRotation"),
        },
        knownHosts: optional("knownHosts"),
        lockdown: {
            noCrossNamespaceRefs: config.getBoolean("noCrossNamespaceRefs"),
            noRemoteBases: config.getBoolean("noRemoteBases"),
            defaultServiceAccount: optional("defaultServiceAccount"),
        },
        registry: optional("registry"),
        imagePullSecret: pullSecretName === undefined ? undefined : { name: pullSecretName, dockerConfigJson: pullSecretConfig },
        commitMessagePrefix: config.get("commitMessagePrefix"),
        patches: nonEmpty(config.getObject<FluxPatchArgs[]>("patches")),
        preflight: config.getBoolean("preflight"),
        policyChecks: {
            mode: config.get("policyChecks") as PolicyMode | undefined,
            ignore: config.getObject<PolicyName[]>("policyIgnore"),
            allowedRegistries: nonEmpty(config.getObject<string[]>("allowedRegistries")),
        },
        kubeconfig,
        kubeContext,
    },
    { providers: { kubernetes, ...(gitHub ? { github: gitHub } : {}), ...(tlsProvider ? { tls: tlsProvider } : {}) } },
);

export const namespace = flux.namespace;
export const parentNamespaces = flux.parentNamespaces;
export const syncPath = flux.syncPath;
export const deployKeyPublicKey = flux.deployKeyPublicKey;
export const deployKeyFingerprint = flux.deployKeyFingerprint;
export const gitRepositoryName = flux.gitRepositoryName;
export const kustomizationName = flux.kustomizationName;
export const gitSecretName = flux.gitSecretName;
export const committedFiles = flux.committedFiles;
export const manifests = flux.manifests;
export const gotkComponentsSha256 = flux.gotkComponentsSha256;
