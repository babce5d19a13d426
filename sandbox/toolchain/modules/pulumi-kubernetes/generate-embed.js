#!/usr/bin/env node
// Writes the two files main.go embeds, from the provider module's source directory:
//   generate-embed.js <module dir> <version> <out dir>
// schema-embed.json: <module>/cmd/pulumi-resource-kubernetes/schema.json with "version" set
// (upstream's schema.json has none; the engine reads the package version from it).
// terraform-mapping-embed.json: <module>/cmd/pulumi-resource-kubernetes/terraform-mapping.json,
// parsed and written back without indentation.
// Both are upstream data (about 5 MB): generated at build time, git-ignored.
"use strict";
const fs = require("fs");
const path = require("path");

const [moduleDir, version, outDir] = process.argv.slice(2);
if (!moduleDir || !version || !outDir || !/^\d+\.\d+\.\d+/.test(version)) {
    console.error("usage: generate-embed.js <module dir> <version without v> <out dir>");
    process.exit(2);
}
const cmdDir = path.join(moduleDir, "cmd", "pulumi-resource-kubernetes");
const read = (file) => JSON.parse(fs.readFileSync(path.join(cmdDir, file), "utf8"));

// Write to a temp name and rename, so a killed run never leaves a truncated file to embed.
function write(file, value) {
    const target = path.join(outDir, file);
    fs.writeFileSync(`${target}.tmp`, JSON.stringify(value));
    fs.renameSync(`${target}.tmp`, target);
}

const schema = read("schema.json");
if (schema.name !== "kubernetes") {
    throw new Error(`${cmdDir}/schema.json: unexpected package name ${JSON.stringify(schema.name)}`);
}
// "version" right after "name", where Pulumi's PackageSpec puts it.
const { name, ...rest } = schema;
write("schema-embed.json", { name, version, ...rest });
write("terraform-mapping-embed.json", read("terraform-mapping.json"));
