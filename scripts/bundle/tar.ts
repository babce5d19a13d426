// Reads one regular file out of a gzipped tar archive (the Flux CLI's release archive), with
// node-tar: Node has gzip but no tar reader.
import * as tar from "tar";

/** The bytes of the regular file whose base name is `name` in the archive at `archivePath`, or undefined. */
export function fileFromTarGz(archivePath: string, name: string): Buffer | undefined {
    const chunks: Buffer[] = [];
    let found = false;
    tar.t({
        file: archivePath,
        sync: true,
        onReadEntry: (entry) => {
            if (!found && entry.type === "File" && entry.path.split("/").pop() === name) {
                found = true;
                entry.on("data", (chunk: Buffer) => chunks.push(chunk));
            } else {
                entry.resume();
            }
        },
    });
    return found ? Buffer.concat(chunks) : undefined;
}
