// Upstream reference data (../shared/upstream). Tests may read it; the package never does.
import * as fs from "fs";
import * as path from "path";

export const UPSTREAM_DIR = path.resolve(__dirname, "..", "..", "..", "shared", "upstream");

export function upstreamFile(...parts: string[]): string {
    const file = path.join(UPSTREAM_DIR, ...parts);
    if (!fs.existsSync(file)) {
        throw new Error(`upstream reference file ${file} is missing: the tests expect ../shared/upstream beside the checkout`);
    }
    return fs.readFileSync(file, "utf8");
}
