// The welkin-flux program: one WelkinFlux per stack (one stack per Welkin environment).
// Every setting it reads is declared, typed and documented in Pulumi.yaml.
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { DeployKeyAlgorithm, FluxExtraComponent, PolicyName, WelkinFlux } from "./components";

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

function optionalSecret(key: string): pulumi.Output<string | undefined> {
    return pulumi.output(config.getSecret(key)).apply((v) => (v === undefined || v === "" ? undefined : v));
}

const kubeconfig = optionalSecret("kubeconfig");
const kubeContext = optional("kubeContext");
const owner = config.require("githubOwner");
const deployKeyAlgorithm = (config.get("deployKeyAlgorithm") ?? "ED25519") as DeployKeyAlgorithm;

const kubernetes = new k8s.Provider("welkin", { kubeconfig, context: kubeContext });
const gitHub = new github.Provider("github", {
    owner,
    token: optionalSecret("githubToken"),
    // A GitHub Enterprise (or test) server; unset means github.com.
    baseUrl: optional("githubBaseUrl"),
});
const tlsProvider = new tls.Provider("tls", {});

const flux = new WelkinFlux(
    config.require("clusterName"),
    {
        clusterName: config.require("clusterName"),
        repository: { owner, name: config.require("githubRepository"), branch: config.get("githubBranch") },
        parentNamespace: config.get("parentNamespace"),
        extraParentNamespaces: config.getObject<string[]>("extraParentNamespaces"),
        fluxVersion: config.get("fluxVersion"),
        componentsExtra: config.getObject<FluxExtraComponent[]>("componentsExtra"),
        syncInterval: config.get("syncInterval"),
        deployKey: {
            algorithm: deployKeyAlgorithm,
            rsaBits: deployKeyAlgorithm === "RSA" ? config.getNumber("deployKeyRsaBits") : undefined,
        },
        knownHosts: optional("knownHosts"),
        lockdown: {
            noCrossNamespaceRefs: config.getBoolean("noCrossNamespaceRefs"),
            noRemoteBases: config.getBoolean("noRemoteBases"),
        },
        registry: optional("registry"),
        preflight: config.getBoolean("preflight"),
        policyChecks: {
            mode: config.get("policyChecks") as "warn" | "error" | "off" | undefined,
            ignore: config.getObject<PolicyName[]>("policyIgnore"),
            allowedRegistries: nonEmpty(config.getObject<string[]>("allowedRegistries")),
        },
        kubeconfig,
        kubeContext,
    },
    { providers: { kubernetes, github: gitHub, tls: tlsProvider } },
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
