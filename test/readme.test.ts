// The README's inputs and outputs tables must list exactly what the TypeScript types declare.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as ts from "typescript";
import { CONCURRENCY, DROPS_REQUESTS, RESOURCES, SCHEDULING } from "./support/patchExamples";
import { CYCLES, PLAIN_UP_AFTER_KILLED_DESTROY } from "./support/interruptions";
import { README_FILE, readmeSection } from "./support/readme";
import { PolicyMode } from "../components/args";
import { resolveWelkinFluxConfig } from "../components/config";
import { DEFAULT_POLICY_MODE } from "../components/config/defaults";
import { renderFluxManifests } from "../components/render/fluxManifests";
import { policyFindings } from "../components/steps/preflight";

const ROOT = path.resolve(__dirname, "..");
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

function sourceFile(file: string): ts.SourceFile {
    return ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), "utf8"), ts.ScriptTarget.ES2020, true);
}

function interfaceMembers(file: string, name: string): string[] {
    const decl = sourceFile(file).statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
    assert.ok(decl, `${name} not found in ${file}`);
    return decl.members.map((m) => (m.name as ts.Identifier).text);
}

function publicReadonlyProperties(file: string, className: string): string[] {
    const decl = sourceFile(file).statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === className);
    assert.ok(decl, `${className} not found in ${file}`);
    return decl.members
        .filter((m): m is ts.PropertyDeclaration => ts.isPropertyDeclaration(m))
        .filter((m) => ts.getModifiers(m)?.some((x) => x.kind === ts.SyntaxKind.PublicKeyword) && ts.getModifiers(m)?.some((x) => x.kind === ts.SyntaxKind.ReadonlyKeyword))
        .map((m) => (m.name as ts.Identifier).text);
}

/** The backticked names in the first column of the table under a heading. */
function tableNames(heading: string): string[] {
    const lines = readmeSection(heading).split("\n");
    const start = lines.findIndex((l) => l.startsWith("|"));
    const end = lines.findIndex((l, i) => i > start && !l.startsWith("|"));
    const rows = lines.slice(start + 2, end === -1 ? undefined : end);
    const table = [];
    for (const row of rows) {
        table.push(...[...row.split("|")[1].matchAll(/`([A-Za-z][A-Za-z0-9]*)`/g)].map((m) => m[1]));
    }
    return table;
}

/** The rows of a markdown table between `<!-- name… -->` and `<!-- /name -->`, as cells. */
function markedTable(name: string): string[][] {
    const readme = fs.readFileSync(README_FILE, "utf8");
    const block = new RegExp(`<!-- ${name}[^>]*-->\\n([\\s\\S]*?)<!-- /${name} -->`).exec(readme);
    assert.ok(block, `README.md has no <!-- ${name} --> table`);
    return block[1]
        .trim()
        .split("\n")
        .slice(2)
        .map((line) => line.replace(/^\||\|$/g, "").split("|").map((c) => c.trim()));
}

describe("README", () => {
    it("lists every WelkinFluxArgs input, and only those", () => {
        assert.deepStrictEqual(tableNames("### Inputs (`WelkinFluxArgs`)").sort(), interfaceMembers("components/args/index.ts", "WelkinFluxArgs").sort());
    });

    it("lists every WelkinFlux output, and only those", () => {
        assert.deepStrictEqual(tableNames("### Outputs").sort(), publicReadonlyProperties("components/welkinFlux.ts", "WelkinFlux").sort());
    });

    it("shows the three patch examples the render tests build with kubectl kustomize", () => {
        const section = readme.split(/^## Customising Flux's controllers/m)[1].split(/^## /m)[0];
        const shown = [...section.matchAll(/patch: `([^`]*)`/g)].map((m) => yaml.load(m[1]));
        assert.deepStrictEqual(shown, [CONCURRENCY, RESOURCES, SCHEDULING].map((p) => yaml.load(p.patch)));
        assert.ok(section.includes(`name: "${CONCURRENCY.target!.name}"`));
        assert.ok(section.includes(`labelSelector: "${SCHEDULING.target!.labelSelector}"`));
    });

    it("shows the interruption suite's matrix: a row for each interruption it makes, with its signal", () => {
        const expected = [
            ...CYCLES.flatMap((c) => [`up at ${c.up.name} ${c.signal}`, `destroy at ${c.destroy.name} ${c.signal}`]),
            `${PLAIN_UP_AFTER_KILLED_DESTROY} SIGKILL`,
        ];
        assert.deepStrictEqual(markedTable("interruption-matrix").map(([interrupted, signal]) => `${interrupted} ${signal}`).sort(), expected.sort());
    });

    it("documents the policy modes: the default, what each does, and the default's failure in Troubleshooting", () => {
        const inputs = readmeSection("### Inputs (`WelkinFluxArgs`)").split("\n").find((l) => l.startsWith("| `policyChecks` |"));
        assert.ok(inputs, "no policyChecks row");
        assert.strictEqual(inputs.split("|")[3].trim().split(",")[0], `\`${DEFAULT_POLICY_MODE}\``);
        const section = readmeSection("## Preflight and Welkin policies");
        const table = section.slice(section.indexOf("| `mode` |"));
        const modes = [...table.matchAll(/^\| `([a-z]+)`( \(default\))? \|/gm)].slice(1).map((m) => m[1] + (m[2] ?? ""));
        assert.deepStrictEqual(modes, Object.values(PolicyMode).map((m) => (m === DEFAULT_POLICY_MODE ? `${m} (default)` : m)));
        // The message as the code writes it, with the README's placeholders for the name and the count.
        const config = resolveWelkinFluxConfig("flux", { clusterName: "dev", repository: { owner: "o", name: "r" }, patches: [DROPS_REQUESTS] });
        const error = (() => {
            try {
                policyFindings("flux", config, renderFluxManifests(config).installObjects);
            } catch (e) {
                return e as Error;
            }
            assert.fail("the default mode should fail on a patch that drops the resource requests");
        })();
        const head = `${error.name}: ${error.message.split("\n")[0].replace(/:$/, "")}`.replace('"flux"', '"…"').replace("(1 finding)", "(N findings)");
        const troubleshooting = readmeSection("## Troubleshooting").replace(/\s+/g, " ");
        assert.ok(troubleshooting.includes(`**\`${head}\`** at preview`), `Troubleshooting should quote: ${head}`);
    });

    it("names the test command that .ci/run runs", () => {
        assert.match(readme, /npm test/);
        assert.match(fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8"), /^npm test$/m);
    });
});
