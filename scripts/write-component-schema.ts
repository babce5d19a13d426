// The component schema, inferred from the TypeScript sources at build time and shipped as
// dist/schema.json: the npm package's provider plugin (bin/pulumi-resource-welkin-flux) serves
// it, since the package carries neither the sources nor the compiler the inference needs.
import * as fs from "fs";
import * as path from "path";
import { inferSchema } from "../components/providerHost";

const ROOT = path.resolve(__dirname, "..");
const version = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const target = path.join(ROOT, "dist", "schema.json");

inferSchema(ROOT, version).then(
    (schema) => {
        fs.writeFileSync(target, JSON.stringify(JSON.parse(schema), null, 2) + "\n");
        console.error(`wrote ${target}`);
    },
    (e: unknown) => {
        console.error(e);
        process.exit(1);
    },
);
