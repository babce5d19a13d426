// WelkinFlux as a Pulumi resource provider plugin, so that programs in other Pulumi languages
// (Pulumi YAML here; Python, Go and C# the same way) use it as `welkin-flux:index:WelkinFlux`.
// Pulumi's component provider host infers the schema from the TypeScript of WelkinFluxArgs and
// WelkinFlux (test/componentSchema.test.ts holds it to them) and constructs the component as a
// TypeScript program would. Started by the engine through bin/pulumi-resource-welkin-flux.
import * as path from "path";
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import { WelkinFlux } from "./welkinFlux";

// The package root: its package.json names and versions the plugin, its sources give the schema.
componentProviderHost({ components: [WelkinFlux], name: "welkin-flux", dirname: path.resolve(__dirname, "..") }).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
