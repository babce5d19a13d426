// Large text a dynamic resource keeps in Pulumi state through its inputs (the state keeps the
// inputs whole): gzipped at level 9, in base64, beside the hex SHA-256 of the text. The SHA-256
// is what identifies the text (diffs compare it; the gzip bytes may differ between zlib builds)
// and what the provider checks the unzipped text against. Used by providers that are serialized
// into the state (gitTarget/, crdStorage/): Node built-ins only.
import * as crypto from "crypto";
import * as zlib from "zlib";

export function sha256Hex(text: string): string {
    return crypto.createHash("sha256").update(text, "utf8").digest("hex");
}

/** The text as the inputs carry it. */
export function gzipBase64(text: string): string {
    return zlib.gzipSync(Buffer.from(text, "utf8"), { level: zlib.constants.Z_BEST_COMPRESSION }).toString("base64");
}

/** The text back, or why it cannot be trusted: it does not unzip, or it is another text than `sha256` names. */
export type UnpackedText = { text: string } | { unzipError: string } | { actualSha256: string };

export function unpackText(gzip: string, sha256: string | undefined): UnpackedText {
    let text: string;
    try {
        text = zlib.gunzipSync(Buffer.from(gzip, "base64")).toString("utf8");
    } catch (e) {
        return { unzipError: (e as Error).message };
    }
    const actual = sha256Hex(text);
    return actual === sha256 ? { text } : { actualSha256: actual };
}
