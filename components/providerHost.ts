// WelkinFlux as a Pulumi resource provider plugin, so that programs in other Pulumi languages
// (Pulumi YAML here; Python, Go and C# the same way) use it as `welkin-flux:index:WelkinFlux`.
// Started by the engine through bin/pulumi-resource-welkin-flux.
//
// The schema is what Pulumi's component provider infers from the TypeScript of WelkinFluxArgs
// and WelkinFlux (test/componentSchema.test.ts holds it to them). In a checkout it is inferred
// when the plugin starts; the npm package carries it inferred at build time (dist/schema.json),
// because the inference needs the TypeScript sources and compiler, which the package does not
// ship. Constructing the component is the same either way.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { main, Provider, ConstructResult } from "@pulumi/pulumi/provider";
import { WelkinFluxArgs } from "./args";
import { WelkinFlux, WELKIN_FLUX_TYPE } from "./welkinFlux";

/** Where the build writes the inferred schema: beside the compiled host. */
export const PACKAGED_SCHEMA = path.join(__dirname, "schema.json");

/** The schema Pulumi's component provider infers from the sources of the package at `root`. */
export function inferSchema(root: string, version: string): Promise<string> {
    return new ComponentProvider({ components: [WelkinFlux], name: "welkin-flux", dirname: root, version } as ConstructorParameters<typeof ComponentProvider>[0]).getSchema();
}

export class WelkinFluxProvider implements Provider {
    private schemaText?: Promise<string>;

    constructor(
        readonly version: string,
        private readonly loadSchema: () => Promise<string>,
    ) {}

    getSchema(): Promise<string> {
        return (this.schemaText ??= this.loadSchema());
    }

    async construct(name: string, type: string, inputs: pulumi.Inputs, options: pulumi.ComponentResourceOptions): Promise<ConstructResult> {
        if (type !== WELKIN_FLUX_TYPE) {
            throw new Error(`unknown resource type ${type}: this plugin provides ${WELKIN_FLUX_TYPE}`);
        }
        const flux = new WelkinFlux(name, inputs as unknown as WelkinFluxArgs, options);
        // The outputs the schema declares, read off the instance as the component provider does.
        const outputs = Object.keys(JSON.parse(await this.getSchema()).resources[WELKIN_FLUX_TYPE].properties);
        return { urn: flux.urn, state: Object.fromEntries(outputs.map((k) => [k, (flux as unknown as Record<string, unknown>)[k]])) };
    }
}

if (require.main === module) {
    const root = path.resolve(__dirname, "..");
    const version = (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
    const schema = fs.existsSync(PACKAGED_SCHEMA) ? () => fs.promises.readFile(PACKAGED_SCHEMA, "utf8") : () => inferSchema(root, version);
    main(new WelkinFluxProvider(version, schema), process.argv.slice(2)).catch((e: unknown) => {
        console.error(e instanceof Error ? e.message : e);
        process.exit(1);
    });
}
