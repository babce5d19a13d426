// The program Pulumi runs (Pulumi.yaml `main`, with the runtime's own TypeScript support off):
// index.ts, compiled through compileCache.js so that an unchanged program is not compiled again.
"use strict";
const path = require("path");
const root = path.join(__dirname, "..");
// The engine starts a program in the folder of `main`; index.ts runs in the project's folder, as
// it would as `main` itself, so that a relative path (a KUBECONFIG=./kubeconfig) means the same.
process.chdir(root);
require("./compileCache").useCompileCache(root);
module.exports = require("../index.ts");
