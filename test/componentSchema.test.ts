// The schema Pulumi's component provider infers from WelkinFlux's TypeScript (what YAML, Python,
// Go and C# programs would see): every input of WelkinFluxArgs and every output, each described,
// with the string choices as enums. Checked here with the SDK's own analyzer, no CLI needed.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import * as os from "os";
import { SUPPORTED_FLUX_VERSIONS } from "../components/flux/releases";
import { inferSchema } from "../components/providerHost";
import { pluginSchemaFromCli } from "../sandbox/lib/programStack";
import { findBinary } from "../sandbox/lib/toolchain";
import { assertSameSurface, PackageSchema, SchemaProperty } from "./support/componentSchema";

const ROOT = path.resolve(__dirname, "..");

function declaredNames(file: string, pick: (s: ts.Statement) => ts.NodeArray<ts.ClassElement | ts.TypeElement> | undefined, filter: (m: ts.ClassElement | ts.TypeElement) => boolean = () => true): string[] {
    const source = ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), "utf8"), ts.ScriptTarget.ES2020, true);
    for (const s of source.statements) {
        const members = pick(s);
        if (members !== undefined) {
            return members.filter(filter).map((m) => (m.name as ts.Identifier).text);
        }
    }
    throw new Error(`not found in ${file}`);
}

describe("the component schema (for Pulumi YAML, Python, Go, C#)", function () {
    this.timeout(120_000);
    let schema: PackageSchema;
    const ref = (p: SchemaProperty) => (p.$ref ?? p.items?.$ref ?? "").replace("#/types/", "");

    before(async () => {
        schema = JSON.parse(await inferSchema(ROOT, "0.1.0")) as PackageSchema;
    });

    it("has every input of WelkinFluxArgs and every output of WelkinFlux, each with its description", () => {
        const r = schema.resources["welkin-flux:index:WelkinFlux"];
        const inputs = declaredNames("components/args/index.ts", (s) => (ts.isInterfaceDeclaration(s) && s.name.text === "WelkinFluxArgs" ? s.members : undefined));
        const outputs = declaredNames(
            "components/welkinFlux.ts",
            (s) => (ts.isClassDeclaration(s) && s.name?.text === "WelkinFlux" ? s.members : undefined),
            (m) => ts.isPropertyDeclaration(m) && (ts.getModifiers(m) ?? []).some((x) => x.kind === ts.SyntaxKind.ReadonlyKeyword),
        );
        assert.deepStrictEqual(Object.keys(r.inputProperties).sort(), inputs.sort());
        assert.deepStrictEqual(Object.keys(r.properties).sort(), outputs.sort());
        assert.strictEqual(inputs.length, 20);
        assert.strictEqual(outputs.length, 13);
        for (const [name, p] of [...Object.entries(r.inputProperties), ...Object.entries(r.properties)]) {
            assert.ok((p.description ?? "").length > 10, `${name} has no description`);
        }
        assert.deepStrictEqual(r.requiredInputs, ["clusterName", "repository"]);
    });

    it("offers the string choices as enums, with the values TypeScript users write", () => {
        const r = schema.resources["welkin-flux:index:WelkinFlux"];
        const values = (type: string) => (schema.types[type].enum ?? []).map((e) => e.value).sort();
        assert.deepStrictEqual(values(ref(r.inputProperties.componentsExtra)), ["image-automation-controller", "image-reflector-controller"]);
        const deployKey = schema.types[ref(r.inputProperties.deployKey)].properties!;
        assert.deepStrictEqual(values(ref(deployKey.algorithm)), ["ECDSA", "ED25519", "RSA"]);
        const policy = schema.types[ref(r.inputProperties.policyChecks)].properties!;
        assert.deepStrictEqual(values(ref(policy.mode)), ["deny", "error", "off", "warn"]);
        assert.deepStrictEqual(values(ref(policy.ignore)), ["disallowed-tags", "image-registry", "load-balancer-service", "localhost-seccomp", "minimum-replicas", "network-policy", "resource-requests"]);
        assert.deepStrictEqual(values(ref(r.inputProperties.fluxVersion)), [...SUPPORTED_FLUX_VERSIONS].sort());
        assert.strictEqual(schema.resources["welkin-flux:index:WelkinFlux"].description?.startsWith("Flux CD installed on an Elastisys Welkin environment"), true);
    });

    it("makes a fluxVersion typo a compile error in TypeScript, the supported versions compiling", () => {
        const source = (version: string) => `import { WelkinFluxArgs } from "./components";\nexport const a: WelkinFluxArgs = { clusterName: "dev", repository: { owner: "o", name: "r" }, fluxVersion: "${version}" };\n`;
        const diagnostics = (version: string) => {
            const file = path.join(ROOT, `.fluxVersion-${process.pid}.ts`);
            fs.writeFileSync(file, source(version));
            try {
                const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS, esModuleInterop: true });
                return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
            } finally {
                fs.rmSync(file, { force: true });
            }
        };
        for (const supported of SUPPORTED_FLUX_VERSIONS) {
            assert.deepStrictEqual(diagnostics(supported), []);
        }
        const [typo] = diagnostics("v2.1.3");
        assert.match(typo, /Type '"v2\.1\.3"' is not assignable to type 'FluxVersion \| undefined'/);
    });

    it("is what `pulumi package get-schema bin/pulumi-resource-welkin-flux` reads from the plugin (the real CLI)", function () {
        if (findBinary("pulumi") === undefined) {
            console.log("      SKIPPED: needs the Pulumi CLI from the sandbox toolchain (sandbox/toolchain/build.sh pulumi)");
            this.skip();
        }
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "welkin-flux-schema-"));
        try {
            // The CLI prints the schema as it parsed it (its own field order, no analyzer-only fields):
            // compare what users see, every input and output with its description, and the types.
            assertSameSurface(JSON.parse(pluginSchemaFromCli(path.join(ROOT, "bin", "pulumi-resource-welkin-flux"), home)) as PackageSchema, schema);
        } finally {
            fs.rmSync(home, { recursive: true, force: true });
        }
    });

    it("takes patches as a list of { patch, target } with kustomize's seven target fields", () => {
        const r = schema.resources["welkin-flux:index:WelkinFlux"];
        assert.strictEqual(r.inputProperties.patches.type, "array");
        const patch = schema.types[ref(r.inputProperties.patches)];
        assert.deepStrictEqual(Object.keys(patch.properties!).sort(), ["patch", "target"]);
        assert.deepStrictEqual(patch.required, ["patch"]);
        const target = schema.types[ref(patch.properties!.target)];
        assert.deepStrictEqual(Object.keys(target.properties!).sort(), ["annotationSelector", "group", "kind", "labelSelector", "name", "namespace", "version"]);
    });
});
