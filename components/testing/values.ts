// The values mocks see and give: inputs arrive in Pulumi's wire form (secrets wrapped, unknowns
// as a sentinel at preview); tests want plain values, and to know which ones were secret.
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";

// The SDK's wire signatures (runtime/rpc.ts: specialSigKey, specialSecretSig, unknownValue).
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function isSecret(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * `value` with every secret unwrapped (and unknown values, at preview, as undefined); the path of
 * each secret (`stringData.identity`, `files[0].content`, "" for the whole value) goes into `secrets`.
 */
export function reveal(value: unknown, secrets: string[], path = ""): unknown {
    if (isSecret(value)) {
        secrets.push(path);
        return reveal(value.value, [], path);
    }
    if (value === UNKNOWN) {
        return undefined;
    }
    if (Array.isArray(value)) {
        return value.map((v, i) => reveal(v, secrets, `${path}[${i}]`));
    }
    if (isPlainObject(value) && value[SIG_KEY] === undefined) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v, secrets, path === "" ? k : `${path}.${k}`)]));
    }
    return value;
}

/** The plain value of a mock input, or undefined when it is not known (yet). */
export function plain<T>(value: unknown): T | undefined {
    return reveal(value, []) as T | undefined;
}

/** Hex SHA-1 of the parts: git's hash length, for commit and blob ids. */
export function sha1(...parts: string[]): string {
    return crypto.createHash("sha1").update(parts.join("\0")).digest("hex");
}

/** A version-4-shaped UUID derived from the parts (Kubernetes uids, provider ids). */
export function uuidOf(...parts: string[]): string {
    const h = crypto.createHash("sha256").update(parts.join("\0")).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The id of the resource behind a provider reference (`<urn>::<id>`), as an invoke or a resource names its provider. */
export function providerId(reference: string | undefined): string | undefined {
    if (reference === undefined || reference === "") {
        return undefined;
    }
    return reference.split("::").pop();
}

/**
 * The value of an Output, for an assertion: `await outputValue(flux.committedFiles)`.
 *
 * Unlike a promise resolved inside `apply`, it rejects when the output failed (instead of never
 * settling, which leaves a test waiting for its timeout), and it resolves to `undefined` for a
 * value that is unknown (at preview) instead of never.
 */
export function outputValue<T>(output: pulumi.Input<T>): Promise<pulumi.Unwrap<T>> {
    const o = pulumi.output(output);
    // Every Output the SDK makes has promise(): it settles with the value, undefined when unknown, or the error.
    const withPromise = o as unknown as { promise?: () => Promise<pulumi.Unwrap<T>> };
    if (typeof withPromise.promise === "function") {
        return withPromise.promise();
    }
    return new Promise((resolve) => o.apply((v) => resolve(v)));
}
