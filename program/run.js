// The program Pulumi runs (Pulumi.yaml `main`, with the runtime's own TypeScript support off):
// index.ts, compiled through compileCache.js so that an unchanged program is not compiled again.
"use strict";
const path = require("path");
require("./compileCache").useCompileCache(path.join(__dirname, ".."));
module.exports = require("../index.ts");
