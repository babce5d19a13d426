// program/compileCache.js: how Pulumi's engine gets the program's JavaScript. Each case runs in a
// child process, because the cache takes over require of .ts files, which mocha's ts-node owns here.
import * as assert from "assert";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tsNode from "ts-node";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
const CACHE_MODULE = path.join(ROOT, "program", "compileCache.js");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compilerOptions, transpile } = require(CACHE_MODULE) as {
    compilerOptions(ts: typeof import("typescript"), root: string): import("typescript").CompilerOptions;
    transpile(ts: typeof import("typescript"), options: import("typescript").CompilerOptions, fileName: string, source: string): string;
};

const withoutSourceMap = (js: string) => js.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "");

/** Runs `script` in a fresh node with the cache registered for `root`; prints "compiled <file>" on each compile. */
function run(root: string, cacheDir: string, script: string): { stdout: string; stderr: string; status: number | null } {
    const prelude = `require(${JSON.stringify(CACHE_MODULE)}).useCompileCache(${JSON.stringify(root)}, { cacheDir: ${JSON.stringify(cacheDir)}, onCompile: (f) => console.log("compiled " + require("path").basename(f)) });`;
    const r = childProcess.spawnSync(process.execPath, ["-e", `${prelude}\n${script}`], { cwd: ROOT, encoding: "utf8" });
    return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe("the program's compile cache (program/compileCache.js)", () => {
    let root: string;
    let cacheDir: string;
    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-compile-cache-"));
        cacheDir = path.join(root, "cache");
        fs.copyFileSync(path.join(ROOT, "tsconfig.json"), path.join(root, "tsconfig.json"));
        fs.copyFileSync(path.join(ROOT, "tsconfig.pulumi.json"), path.join(root, "tsconfig.pulumi.json"));
        fs.mkdirSync(path.join(root, "lib"));
        fs.writeFileSync(path.join(root, "lib", "where.ts"), 'export const here: string = __dirname;\nexport function fail(): never {\n    throw new Error("from where.ts");\n}\n');
        fs.writeFileSync(path.join(root, "main.ts"), 'import { here } from "./lib/where";\nexport const answer: number = 42;\nexport const dir = here;\n');
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("emits exactly what ts-node emits in transpile-only mode for every file of the program, so the serialized providers do not change", function () {
        this.timeout(120_000);
        const options = compilerOptions(ts, ROOT);
        const service = tsNode.create({ transpileOnly: true, project: path.join(ROOT, "tsconfig.pulumi.json"), compilerOptions: { target: "ES2020", module: "commonjs", moduleResolution: "node", sourceMap: true } });
        const files = ["index.ts", ...fs.readdirSync(path.join(ROOT, "components"), { recursive: true }).map((f) => path.join("components", String(f)))].filter((f) => f.endsWith(".ts"));
        assert.ok(files.length > 50, `found ${files.length} files`);
        for (const file of files) {
            const fileName = path.join(ROOT, file);
            const source = fs.readFileSync(fileName, "utf8");
            assert.strictEqual(withoutSourceMap(transpile(ts, options, fileName, source)), withoutSourceMap(service.compile(source, fileName)), file);
        }
    });

    it("compiles a file once, and again only when its text changes", () => {
        const first = run(root, cacheDir, `console.log(require(${JSON.stringify(path.join(root, "main.ts"))}).answer)`);
        assert.strictEqual(first.status, 0, first.stderr);
        assert.deepStrictEqual(first.stdout.trim().split("\n").sort(), ["42", "compiled main.ts", "compiled where.ts"]);
        assert.strictEqual(fs.readdirSync(cacheDir).length, 2);

        const second = run(root, cacheDir, `console.log(require(${JSON.stringify(path.join(root, "main.ts"))}).answer)`);
        assert.strictEqual(second.stdout.trim(), "42", "nothing compiled the second time");

        fs.writeFileSync(path.join(root, "main.ts"), 'export const answer: number = 43;\n');
        const third = run(root, cacheDir, `console.log(require(${JSON.stringify(path.join(root, "main.ts"))}).answer)`);
        assert.deepStrictEqual(third.stdout.trim().split("\n"), ["compiled main.ts", "43"]);
    });

    it("compiles each file at its own path: __dirname is the TypeScript file's folder, and stack traces name TypeScript lines", () => {
        const r = run(root, cacheDir, `const m = require(${JSON.stringify(path.join(root, "main.ts"))}); console.log(m.dir); try { require(${JSON.stringify(path.join(root, "lib", "where.ts"))}).fail(); } catch (e) { console.log(e.stack.split("\\n")[1].trim()); }`);
        assert.strictEqual(r.status, 0, r.stderr);
        const [dir, frame] = r.stdout.trim().split("\n").filter((l) => !l.startsWith("compiled"));
        assert.strictEqual(dir, path.join(root, "lib"));
        assert.match(frame, new RegExp(`${path.join(root, "lib", "where.ts").replace(/[.]/g, "\\.")}:3:`));
    });

    it("a change of the tsconfig compiles everything again", () => {
        run(root, cacheDir, `require(${JSON.stringify(path.join(root, "main.ts"))})`);
        const config = JSON.parse(fs.readFileSync(path.join(root, "tsconfig.json"), "utf8"));
        config.compilerOptions.target = "ES2022";
        fs.writeFileSync(path.join(root, "tsconfig.json"), JSON.stringify(config));
        const r = run(root, cacheDir, `require(${JSON.stringify(path.join(root, "main.ts"))})`);
        assert.deepStrictEqual(r.stdout.trim().split("\n").sort(), ["compiled main.ts", "compiled where.ts"]);
    });

    it("a syntax error names the file and line, and nothing is cached for it", () => {
        fs.writeFileSync(path.join(root, "main.ts"), "export const answer = ;\n");
        const r = run(root, cacheDir, `require(${JSON.stringify(path.join(root, "main.ts"))})`);
        assert.notStrictEqual(r.status, 0);
        assert.match(r.stderr, new RegExp(`${path.join(root, "main.ts").replace(/[.]/g, "\\.")}:1: Expression expected`));
        assert.ok(!fs.existsSync(cacheDir) || fs.readdirSync(cacheDir).length === 0);
    });
});
