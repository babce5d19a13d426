// Reads one regular file out of a gzipped tar archive, enough for the Flux CLI release archives
// (Go's archive/tar, written by goreleaser). Node has gzip but no tar, and the one file we need
// does not justify a dependency.
import * as zlib from "zlib";

const BLOCK = 512;

/** The bytes of the regular file whose base name is `name`, or undefined. */
export function fileFromTarGz(archive: Buffer, name: string): Buffer | undefined {
    const tar = zlib.gunzipSync(archive);
    for (let offset = 0; offset + BLOCK <= tar.length; ) {
        const header = tar.subarray(offset, offset + BLOCK);
        if (header.every((b) => b === 0)) {
            return undefined; // the end-of-archive blocks
        }
        const size = parseInt(field(header, 124, 12).trim() || "0", 8);
        const type = field(header, 156, 1);
        // ustar splits long paths into a prefix and a name.
        const prefix = field(header, 345, 155);
        const entry = prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100);
        const body = offset + BLOCK;
        if ((type === "0" || type === "") && entry.split("/").pop() === name) {
            return Buffer.from(tar.subarray(body, body + size));
        }
        // Every entry, PAX and GNU extension headers included, is padded to whole blocks.
        offset = body + Math.ceil(size / BLOCK) * BLOCK;
    }
    return undefined;
}

/** A NUL-terminated header field. */
function field(header: Buffer, start: number, length: number): string {
    const raw = header.subarray(start, start + length);
    const end = raw.indexOf(0);
    return raw.subarray(0, end === -1 ? raw.length : end).toString("utf8");
}
