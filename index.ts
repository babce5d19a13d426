// The welkin-flux program: one WelkinFlux per stack (one stack per Welkin environment).
// Every setting it reads is declared, typed and documented in Pulumi.yaml.
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { DeployKeyAlgorithm, FluxExtraComponent, FluxPatchArgs, PolicyName, WelkinFlux } from "./components";

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

/**
 * A secret setting, or undefined when it is not set. Decided from the raw value, synchronously:
 * a provider given a secret-wrapped `undefined` cannot tell it from a value not yet known, and
 * then skips the server-side dry run that makes a preview check anything against the cluster.
 */
function optionalSecret(key: string): pulumi.Output<string> | undefined {
    const raw = pulumi.runtime.getConfig(`${pulumi.getProject()}:${key}`);
    return raw === undefined || raw === "" ? undefined : config.requireSecret(key);
}

const kubeconfig = optionalSecret("kubeconfig");
const kubeContext = optional("kubeContext");
const gitUrl = optional("gitUrl");
const ownKey = optionalSecret("deployKeyPrivateKey");
const algorithm = ownKey === undefined ? ((config.get("deployKeyAlgorithm") ?? "ED25519") as DeployKeyAlgorithm) : undefined;

const kubernetes = new k8s.Provider("welkin", { kubeconfig, context: kubeContext });
// Only the providers a stack uses: a stack on another git server with its own key needs neither
// the github nor the tls plugin.
const gitHub =
    gitUrl === undefined
        ? new github.Provider("github", {
              owner: optional("githubOwner"),
              token: optionalSecret("githubToken"),
              // A GitHub Enterprise (or test) server; unset means github.com.
              baseUrl: optional("githubBaseUrl"),
          })
        : undefined;
const tlsProvider = ownKey === undefined ? new tls.Provider("tls", {}) : undefined;

const flux = new WelkinFlux(
    config.require("clusterName"),
    {
        clusterName: config.require("clusterName"),
        repository:
            gitUrl === undefined
                ? { owner: optional("githubOwner") ?? "", name: optional("githubRepository") ?? "", branch: config.get("githubBranch") }
                : { url: gitUrl, name: optional("githubRepository"), branch: config.get("githubBranch"), pushKey: optionalSecret("gitPushKey") },
        parentNamespace: config.get("parentNamespace"),
        extraParentNamespaces: config.getObject<string[]>("extraParentNamespaces"),
        fluxVersion: config.get("fluxVersion"),
        componentsExtra: config.getObject<FluxExtraComponent[]>("componentsExtra"),
        syncInterval: config.get("syncInterval"),
        deployKey: {
            privateKey: ownKey,
            algorithm,
            rsaBits: algorithm === "RSA" ? config.getNumber("deployKeyRsaBits") : undefined,
            readOnly: config.getBoolean("deployKeyWritable") ? false : undefined,
        },
        knownHosts: optional("knownHosts"),
        lockdown: {
            noCrossNamespaceRefs: config.getBoolean("noCrossNamespaceRefs"),
            noRemoteBases: config.getBoolean("noRemoteBases"),
        },
        registry: optional("registry"),
        patches: nonEmpty(config.getObject<FluxPatchArgs[]>("patches")),
        preflight: config.getBoolean("preflight"),
        policyChecks: {
            mode: config.get("policyChecks") as "warn" | "error" | "off" | undefined,
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
