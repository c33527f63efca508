// Runs a WASI preview1 command module under Node's own WASI implementation,
// with the same command line as `continuum run`, so the two can be compared:
//
//   node --no-warnings node_wasi_run.js [--dir HOST[::GUEST]]... [--env K=V]... FILE.wasm [ARGS...]
//
// The guest's argv is FILE.wasm followed by ARGS (argv[0] is the path exactly
// as given, as continuum does). Exit status: the guest's exit code; a trap
// prints one `trap: ` line on stderr and exits 134 (continuum's trap status).
'use strict';

const fs = require('fs');
const { WASI } = require('wasi');

function usage(message) {
  process.stderr.write(`node_wasi_run: ${message}\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const preopens = {};
const env = {};
let i = 0;
for (; i < argv.length; ++i) {
  const arg = argv[i];
  if (arg === '--dir' || arg === '--env') {
    const value = argv[++i];
    if (value === undefined) usage(`${arg} needs a value`);
    if (arg === '--dir') {
      const sep = value.indexOf('::');
      const host = sep < 0 ? value : value.slice(0, sep);
      const guest = sep < 0 ? value : value.slice(sep + 2);
      preopens[guest] = host;
    } else {
      const eq = value.indexOf('=');
      if (eq <= 0) usage(`--env expects KEY=VALUE, got '${value}'`);
      env[value.slice(0, eq)] = value.slice(eq + 1);
    }
  } else if (arg === '--') {
    ++i;
    break;
  } else {
    break;
  }
}
const file = argv[i];
if (file === undefined) usage('missing FILE.wasm');
const args = argv.slice(i);

const wasi = new WASI({ version: 'preview1', args, env, preopens, returnOnExit: true });

let instance;
try {
  const module = new WebAssembly.Module(fs.readFileSync(file));
  instance = new WebAssembly.Instance(module, wasi.getImportObject());
} catch (e) {
  process.stderr.write(`error: ${file}: ${e.message}\n`);
  process.exit(1);
}

try {
  process.exitCode = wasi.start(instance);
} catch (e) {
  if (e instanceof WebAssembly.RuntimeError) {
    process.stderr.write(`trap: ${e.message}\n`);
    process.exitCode = 134;
  } else {
    throw e;
  }
}
