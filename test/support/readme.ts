// The README's sections and code blocks, read as a user reads them: the tests run its examples and
// check its tables against the code.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

export const README_FILE = path.resolve(__dirname, "..", "..", "README.md");

/** The text under the line `heading` (e.g. "## Testing your program"), up to the next `## ` heading. */
export function readmeSection(heading: string): string {
    const readme = fs.readFileSync(README_FILE, "utf8");
    const escaped = heading.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const section = readme.split(new RegExp(`^${escaped}$`, "m"))[1]?.split(/^## /m)[0];
    assert.ok(section, `README.md has no "${heading}" section`);
    return section;
}

/** The first ```<lang> block of a README section, as a user copies it. */
export function readmeBlock(heading: string, lang: string): string {
    const m = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(readmeSection(heading));
    assert.ok(m, `README.md's "${heading}" has no \`\`\`${lang} block`);
    return m[1];
}
