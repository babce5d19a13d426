// Key material for mocked tls.PrivateKey resources: real keys in the formats the tls provider
// returns, so that code under test can parse them (sshpk, ssh-keygen) and fingerprints have the
// shape GitHub shows. ED25519 and ECDSA keys are derived from the resource name, so a test sees
// the same key on every run; RSA keys cannot be derived cheaply and are generated once per name
// and size in a process.
import * as crypto from "crypto";
import * as sshpk from "sshpk";

/** What the tls provider returns for a private key (the outputs of `tls.PrivateKey`). */
export interface MockKeyMaterial {
    privateKeyOpenssh: string;
    privateKeyPem: string;
    privateKeyPemPkcs8: string;
    publicKeyOpenssh: string;
    publicKeyPem: string;
    publicKeyFingerprintSha256: string;
    publicKeyFingerprintMd5: string;
}

/** The algorithm and its parameters, as `tls.PrivateKey` takes them. */
export interface MockKeyRequest {
    algorithm?: string;
    rsaBits?: number;
    ecdsaCurve?: string;
}

/** The curves the tls provider offers: Node's name, scalar size, DER OID; OpenSSH has no P-224. */
const CURVES: Record<string, { node: string; bytes: number; oid: string; openssh: boolean }> = {
    P224: { node: "secp224r1", bytes: 28, oid: "2b81040021", openssh: false },
    P256: { node: "prime256v1", bytes: 32, oid: "2a8648ce3d030107", openssh: true },
    P384: { node: "secp384r1", bytes: 48, oid: "2b81040022", openssh: true },
    P521: { node: "secp521r1", bytes: 66, oid: "2b81040023", openssh: true },
};

/** One DER element: tag, length (short or long form), content. */
function der(tag: number, ...content: Buffer[]): Buffer {
    const body = Buffer.concat(content);
    const length = body.length < 0x80 ? Buffer.from([body.length]) : body.length < 0x100 ? Buffer.from([0x81, body.length]) : Buffer.from([0x82, body.length >> 8, body.length & 0xff]);
    return Buffer.concat([Buffer.from([tag]), length, body]);
}

/** `length` bytes that depend only on `label` (SHA-256 in counter mode). */
function derivedBytes(label: string, length: number): Buffer {
    const blocks: Buffer[] = [];
    for (let i = 0; blocks.length * 32 < length; i++) {
        blocks.push(crypto.createHash("sha256").update(`${i}\0${label}`).digest());
    }
    return Buffer.concat(blocks).subarray(0, length);
}

/** PKCS#8 prefix of an Ed25519 private key (RFC 8410): the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

function ed25519Key(label: string): crypto.KeyObject {
    return crypto.createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, derivedBytes(label, 32)]), format: "der", type: "pkcs8" });
}

function ecdsaKey(label: string, curveName: string): crypto.KeyObject {
    const curve = CURVES[curveName];
    if (curve === undefined) {
        throw new Error(`welkin-flux/testing: tls.PrivateKey ecdsaCurve "${curveName}" is not one the tls provider offers (${Object.keys(CURVES).join(", ")})`);
    }
    // A scalar from the label; the rare one outside the curve's order is skipped for the next.
    for (let attempt = 0; ; attempt++) {
        const d = derivedBytes(`${label}\0${attempt}`, curve.bytes);
        if (curve.bytes === 66) {
            d[0] &= 0x01; // P-521 scalars have 521 bits
        }
        const ecdh = crypto.createECDH(curve.node);
        try {
            ecdh.setPrivateKey(d);
        } catch {
            continue;
        }
        // SEC 1 ECPrivateKey: version 1, the scalar, the curve, the public point (Node's JWK import lacks P-224).
        const sec1 = der(
            0x30,
            der(0x02, Buffer.from([1])),
            der(0x04, d),
            der(0xa0, der(0x06, Buffer.from(curve.oid, "hex"))),
            der(0xa1, der(0x03, Buffer.from([0]), ecdh.getPublicKey())),
        );
        return crypto.createPrivateKey({ key: sec1, format: "der", type: "sec1" });
    }
}

// One RSA key per name and size in this process: generating one takes up to a second or two.
const rsaKeys = new Map<string, Promise<crypto.KeyObject>>();

function rsaKey(label: string, bits: number): Promise<crypto.KeyObject> {
    const key = `${label}\0${bits}`;
    let found = rsaKeys.get(key);
    if (found === undefined) {
        found = new Promise((resolve, reject) => crypto.generateKeyPair("rsa", { modulusLength: bits }, (e, _pub, priv) => (e ? reject(e) : resolve(priv))));
        rsaKeys.set(key, found);
    }
    return found;
}

/**
 * The OpenSSH private key format holds a random "check" number (sshpk draws one each time): here
 * it is derived from the label, so the same key gives the same text.
 */
function fixCheckNumbers(opensshPem: string, label: string): string {
    const body = Buffer.from(opensshPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
    let at = "openssh-key-v1\0".length;
    const skipString = () => (at += 4 + body.readUInt32BE(at));
    skipString(); // cipher name
    skipString(); // kdf name
    skipString(); // kdf options
    const keys = body.readUInt32BE(at);
    at += 4;
    for (let i = 0; i < keys; i++) {
        skipString(); // public key
    }
    at += 4; // length of the private section, which starts with two equal check numbers
    const check = derivedBytes(`check\0${label}`, 4);
    check.copy(body, at);
    check.copy(body, at + 4);
    const lines = body.toString("base64").match(/.{1,70}/g) ?? [];
    return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join("\n")}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

function material(key: crypto.KeyObject, label: string, openssh: boolean, pemType: "pkcs1" | "sec1" | "pkcs8"): MockKeyMaterial {
    const pkcs8 = key.export({ format: "pem", type: "pkcs8" }).toString();
    const publicKeyPem = crypto.createPublicKey(key).export({ format: "pem", type: "spki" }).toString();
    const ssh = openssh ? sshpk.parsePrivateKey(pkcs8, "pem") : undefined;
    if (ssh !== undefined) {
        // The tls provider writes keys without a comment.
        ssh.comment = "";
    }
    return {
        privateKeyPem: key.export({ format: "pem", type: pemType } as crypto.KeyExportOptions<"pem">).toString(),
        privateKeyPemPkcs8: pkcs8,
        publicKeyPem,
        // As the tls provider returns them: "<type> <base64>\n", and empty where OpenSSH has no such key.
        privateKeyOpenssh: ssh === undefined ? "" : fixCheckNumbers(ssh.toString("openssh"), label),
        publicKeyOpenssh: ssh === undefined ? "" : `${ssh.toPublic().toString("ssh").trim().split(/\s+/).slice(0, 2).join(" ")}\n`,
        publicKeyFingerprintSha256: ssh === undefined ? "" : ssh.fingerprint("sha256").toString(),
        publicKeyFingerprintMd5: ssh === undefined ? "" : ssh.fingerprint("md5").toString(),
    };
}

/**
 * A real private key in every format `tls.PrivateKey` outputs. `label` (the resource's name) makes
 * ED25519 and ECDSA keys deterministic; RSA keys are the same for a label and size within one process.
 * The algorithm defaults to ED25519 (the tls provider requires one).
 */
export async function mockKeyMaterial(label: string, request: MockKeyRequest): Promise<MockKeyMaterial> {
    const algorithm = (request.algorithm ?? "ED25519").toUpperCase();
    switch (algorithm) {
        case "ED25519":
            return material(ed25519Key(label), label, true, "pkcs8");
        case "ECDSA": {
            const curve = request.ecdsaCurve ?? "P224"; // the tls provider's default curve
            return material(ecdsaKey(label, curve), label, CURVES[curve].openssh, "sec1");
        }
        case "RSA":
            return material(await rsaKey(label, request.rsaBits ?? 2048), label, true, "pkcs1");
        default:
            throw new Error(`welkin-flux/testing: tls.PrivateKey algorithm "${request.algorithm}" is not one the tls provider offers (ED25519, ECDSA, RSA)`);
    }
}
