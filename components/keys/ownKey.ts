// "Bring your own deploy key": the user gives `deployKey.privateKey`, an SSH private key they
// already have, and we derive what the component needs from it. Parsing is done by sshpk (no
// hand-written key parsing here). Pure: no Pulumi imports, no I/O, so both the component's argument
// validation and any other code can use it.
//
// Secrecy: no message produced here ever contains the key text (or any part of it). Problems are
// described with fixed wording plus, at most, the key's algorithm name.
import * as sshpk from "sshpk";

/** The field the user sets; every message names it. */
const OWN_KEY_FIELD = "deployKey.privateKey";

type OwnKeyAlgorithm = "ED25519" | "RSA" | "ECDSA";

/** Why a given private key was refused. */
type OwnKeyProblem = "not-a-string" | "empty" | "public-key" | "malformed" | "encrypted" | "unsupported";

interface OwnPrivateKeyDescription {
    /**
     * The public key in OpenSSH one-line form, `<type> <base64>` (e.g. `ssh-ed25519 AAAA...`):
     * no comment and no trailing newline. The comment is left out on purpose: it is not part of the
     * key, often carries `user@host`, and leaving it out keeps the value the same whatever the
     * user's key file says. (`@pulumi/tls`'s `publicKeyOpenssh` ends with a newline; add one when
     * writing an `identity.pub` if you want the files to match byte for byte.)
     */
    publicKeyOpenssh: string;
    /** The SHA-256 fingerprint exactly as GitHub and `ssh-keygen -l -E sha256` show it: `SHA256:<base64 without padding>`. */
    fingerprintSha256: string;
    algorithm: OwnKeyAlgorithm;
}

/** A refused `deployKey.privateKey`. The message names the field and the fix, never the key text. */
export class OwnKeyError extends Error {
    public readonly problem: OwnKeyProblem;
    constructor(problem: OwnKeyProblem, message: string) {
        super(message);
        this.name = "OwnKeyError";
        this.problem = problem;
    }
}

const GENERATE_FIX = `generate one with: ssh-keygen -t ed25519 -N '' -f <file> (and give the text of <file>, not <file>.pub)`;
const SUPPORTED = "ED25519, RSA or ECDSA (nistp256, nistp384, nistp521)";

const MESSAGES: Record<OwnKeyProblem, string> = {
    "not-a-string": `${OWN_KEY_FIELD} must be the text of an OpenSSH private key (the whole content of the key file, starting with "BEGIN OPENSSH PRIVATE KEY").`,
    empty: `${OWN_KEY_FIELD} is empty: give the text of an OpenSSH private key, or leave ${OWN_KEY_FIELD} unset to have one generated.`,
    "public-key":
        `${OWN_KEY_FIELD} holds a public key, not a private key: give the content of the private key file ` +
        `(e.g. ~/.ssh/id_ed25519, not ~/.ssh/id_ed25519.pub).`,
    malformed:
        `${OWN_KEY_FIELD} is not a readable SSH private key (it may be truncated, or not a key at all): give the whole ` +
        `content of the private key file, from its BEGIN line to its END line, in OpenSSH or PEM format; ` +
        `${SUPPORTED} keys are supported. Or ${GENERATE_FIX}.`,
    encrypted:
        `${OWN_KEY_FIELD} is protected by a passphrase, which Flux cannot use: remove the passphrase: ` +
        `ssh-keygen -p -N '' -f <file> (on a copy of the key file if you want to keep the protected one), ` +
        `then give the new content of <file>.`,
    unsupported: unsupportedMessage("a key type that is not supported"),
};

function unsupportedMessage(what: string): string {
    return `${OWN_KEY_FIELD} is ${what}: use ${SUPPORTED}; ${GENERATE_FIX}.`;
}

function fail(problem: OwnKeyProblem, message: string = MESSAGES[problem]): never {
    throw new OwnKeyError(problem, message);
}

// sshpk's inner messages for keys it recognises as keys but whose algorithm or curve it does not
// support (e.g. Ed448, secp256k1, X25519). Only used to pick our wording; never shown.
const UNSUPPORTED_HINT = /unknown key type|known elliptic curve|unknown algorithm|unsupported|nacl\.box/i;

function errorName(e: unknown): string {
    return e instanceof Error ? e.name : "";
}

function innerMessage(e: unknown): string {
    const inner = (e as { innerErr?: unknown } | undefined)?.innerErr;
    return inner instanceof Error ? inner.message : "";
}

function isPublicKey(text: string): boolean {
    try {
        sshpk.parseKey(text, "auto");
        return true;
    } catch {
        return false;
    }
}

/** Parses with sshpk and maps every failure to an OwnKeyError. sshpk's own errors are dropped, not wrapped. */
function parse(text: unknown): sshpk.PrivateKey {
    if (typeof text !== "string") {
        fail("not-a-string");
    }
    if (text.trim() === "") {
        fail("empty");
    }
    let key: sshpk.PrivateKey;
    try {
        key = sshpk.parsePrivateKey(text, "auto");
    } catch (e) {
        if (errorName(e) === "KeyEncryptedError") {
            fail("encrypted");
        }
        if (isPublicKey(text)) {
            fail("public-key");
        }
        if (UNSUPPORTED_HINT.test(innerMessage(e))) {
            fail("unsupported");
        }
        fail("malformed");
    }
    algorithmOf(key);
    return key;
}

function algorithmOf(key: sshpk.PrivateKey): OwnKeyAlgorithm {
    switch (key.type) {
        case "ed25519":
            return "ED25519";
        case "rsa":
            return "RSA";
        case "ecdsa":
            return "ECDSA";
        case "dsa":
            return fail("unsupported", unsupportedMessage("a DSA key, which GitHub and current OpenSSH no longer accept"));
        default:
            return fail("unsupported");
    }
}

/**
 * Describes a private key the user brought: its public key, its fingerprint and its algorithm.
 * Accepts what sshpk reads: OpenSSH (`BEGIN OPENSSH PRIVATE KEY`), PEM (`BEGIN RSA PRIVATE KEY`,
 * `BEGIN EC PRIVATE KEY`, PKCS#8 `BEGIN PRIVATE KEY`) and PuTTY. Throws OwnKeyError.
 */
export function describeOwnPrivateKey(text: string): OwnPrivateKeyDescription {
    const key = parse(text);
    // sshpk's "ssh" format is `<type> <base64>[ <comment>]`: keep the first two fields.
    const publicKeyOpenssh = key.toPublic().toString("ssh").trim().split(/\s+/).slice(0, 2).join(" ");
    return {
        publicKeyOpenssh,
        fingerprintSha256: key.fingerprint("sha256").toString(),
        algorithm: algorithmOf(key),
    };
}

/** The problems with a `deployKey.privateKey` value, one message each; [] when it is usable. */
export function ownKeyProblems(value: unknown): string[] {
    try {
        parse(value);
        return [];
    } catch (e) {
        if (e instanceof OwnKeyError) {
            return [e.message];
        }
        // Not expected; still never echo anything that could hold the key.
        return [MESSAGES.malformed];
    }
}

const OPENSSH_BEGIN = "-----BEGIN OPENSSH PRIVATE KEY-----";

/**
 * The key as OpenSSH-format private key text (`BEGIN OPENSSH PRIVATE KEY`, unencrypted), ending
 * with a newline: what Flux's `identity` secret key and git's ssh want. Throws OwnKeyError.
 *
 * - OpenSSH input is returned as the user's own key text, only tidied (CRLF to LF, indentation and
 *   blank lines removed, one trailing newline), so the result is the same on every run.
 * - PEM/PKCS#8/PuTTY input is converted by sshpk. The OpenSSH format holds a random 32-bit check
 *   number, so the converted text differs from call to call (same key, same public key and
 *   fingerprint). Code that stores the result (e.g. in a Secret) and wants no diff on every run
 *   should convert once, or compare by fingerprint.
 */
export function normalizeOpenSshPrivateKey(text: string): string {
    const key = parse(text);
    const lines = text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== "");
    if (lines[0] === OPENSSH_BEGIN) {
        const tidy = `${lines.join("\n")}\n`;
        // Make sure the tidied text is still the same key before handing it back.
        try {
            const again = sshpk.parsePrivateKey(tidy, "openssh");
            if (again.fingerprint("sha256").toString() === key.fingerprint("sha256").toString()) {
                return tidy;
            }
        } catch {
            // fall through to the conversion below
        }
    }
    const converted = key.toString("openssh");
    return converted.endsWith("\n") ? converted : `${converted}\n`;
}
