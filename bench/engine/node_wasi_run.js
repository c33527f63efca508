// Runs a wasm32-wasi command module under Node's V8 with node:wasi, the
// reference JIT runtime for the engine benchmarks.
//
//   node --no-warnings node_wasi_run.js program.wasm [args...]
//
// The guest sees argv = [program.wasm, args...], no environment and no
// preopened directories; its exit code becomes ours.
'use strict';
const fs = require('node:fs');
const { WASI } = require('node:wasi');

async function main() {
  const path = process.argv[2];
  if (!path) {
    process.stderr.write('usage: node node_wasi_run.js program.wasm [args...]\n');
    process.exit(2);
  }
  const wasi = new WASI({ version: 'preview1', args: process.argv.slice(2), env: {}, returnOnExit: true });
  const module = await WebAssembly.compile(fs.readFileSync(path));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  process.exitCode = wasi.start(instance);
}

main().catch((err) => {
  process.stderr.write(`node_wasi_run: ${err.stack || err}\n`);
  process.exit(1);
});
