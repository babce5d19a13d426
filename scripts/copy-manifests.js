// The bundled Flux manifests ship next to the compiled library (dist/manifests), where
// flux/bundle.ts looks for them; their checksums are verified when they are loaded.
const fs = require("fs");
const path = require("path");

const from = path.join(__dirname, "..", "components", "manifests");
const to = path.join(__dirname, "..", "dist", "manifests");
fs.rmSync(to, { recursive: true, force: true });
fs.cpSync(from, to, { recursive: true });
console.error(`copied ${from} -> ${to}`);
