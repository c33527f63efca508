// The stage-module hot path under Node's V8: the same measurement as
// bench_stage_cycle (stage_cycle.cc), with the host functions these modules
// import (continuum.log, emit, serial_write, config_get) written here in JS
// and the delivery protocol of docs/host-abi.md (ctm_alloc, then
// ctm_on_message(port, port_len, payload, payload_len)).
//
//   node node_stage_run.js MODULE.wasm --trace FILE [--config FILE] [--messages N]
//
// Prints the same stdout line (deliveries, emitted, serial, refused, FNV-1a
// digest of the outputs) and stderr timing line as bench_stage_cycle; only
// the ctm_alloc + copy + ctm_on_message of each delivery is timed, as there.
'use strict';
const fs = require('node:fs');

function fail(status, message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(status);
}

function parseArgs(argv) {
  const a = { messages: 0 };
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    if (['--trace', '--config', '--messages'].includes(arg)) {
      if (i + 1 >= argv.length) fail(2, `${arg} needs a value`);
      a[arg.slice(2)] = argv[++i];
    } else if (!arg.startsWith('-') && !a.module) {
      a.module = arg;
    } else {
      fail(2, `unexpected argument ${arg}`);
    }
  }
  if (!a.module || !a.trace) fail(2, 'usage: node node_stage_run.js MODULE.wasm --trace FILE [--config FILE] [--messages N]');
  a.messages = Number(a.messages);
  return a;
}

// FNV-1a 64 over bytes, as Digest in stage_cycle.cc.
class Digest {
  constructor() { this.h = 0xcbf29ce484222325n; }
  add(bytes) {
    let h = this.h;
    for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
    this.h = h;
  }
  hex() { return this.h.toString(16).padStart(16, '0'); }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const trace = [];
  for (const line of fs.readFileSync(args.trace, 'utf8').split('\n')) {
    if (!line || line[0] === '#') continue;
    const ev = JSON.parse(line);
    if (ev.port === undefined || ev.payload === undefined) continue;
    const text = typeof ev.payload === 'string' ? ev.payload : JSON.stringify(ev.payload);
    trace.push({ port: Buffer.from(ev.port), payload: Buffer.from(text) });
  }
  if (trace.length === 0) fail(2, `no port messages in ${args.trace}`);
  const messages = args.messages > 0 ? args.messages : trace.length;
  const config = {};
  if (args.config) {
    const c = JSON.parse(fs.readFileSync(args.config, 'utf8'));
    for (const [k, v] of Object.entries(c)) config[k] = Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
  }

  let memory = null;
  const bytes = (ptr, len) => new Uint8Array(memory.buffer, ptr, len);
  const text = (ptr, len) => Buffer.from(bytes(ptr, len)).toString();
  let events = [];
  const imports = {
    continuum: {
      log: () => 0,
      emit: (p, pl, d, dl) => { events.push(['emit', text(p, pl), Buffer.from(bytes(d, dl))]); return 0; },
      serial_write: (p, pl, d, dl) => { events.push(['serial', text(p, pl), Buffer.from(bytes(d, dl))]); return dl; },
      config_get: (k, kl, buf, cap) => {
        const v = config[text(k, kl)];
        if (v === undefined) return -3;  // CTM_ERR_NOT_FOUND (continuum_errors.def)
        if (v.length > cap) return -4;   // CTM_ERR_TOO_LARGE
        bytes(buf, v.length).set(v);
        return v.length;
      },
    },
  };

  let start = process.hrtime.bigint();
  const module = await WebAssembly.compile(fs.readFileSync(args.module));
  const instance = await WebAssembly.instantiate(module, imports);
  const loadMs = Number(process.hrtime.bigint() - start) / 1e6;
  memory = instance.exports.memory;
  const { ctm_alloc, ctm_init, ctm_on_message } = instance.exports;
  start = process.hrtime.bigint();
  if (instance.exports._initialize) instance.exports._initialize();
  const rc = ctm_init();
  const initMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (rc !== 0) fail(1, `ctm_init returned ${rc}`);

  const digest = new Digest();
  const counts = { emit: 0, serial: 0, refused: 0 };
  const callUs = new Float64Array(messages);
  for (let n = 0; n < messages; ++n) {
    const m = trace[n % trace.length];
    const t0 = process.hrtime.bigint();
    const ptr = ctm_alloc(m.port.length + m.payload.length);
    if (ptr === 0) fail(1, `delivery ${n + 1}: message does not fit the inbox`);
    const inbox = bytes(ptr, m.port.length + m.payload.length);
    inbox.set(m.port, 0);
    inbox.set(m.payload, m.port.length);
    const r = ctm_on_message(ptr, m.port.length, ptr + m.port.length, m.payload.length);
    callUs[n] = Number(process.hrtime.bigint() - t0) / 1e3;
    if (r !== 0) fail(1, `delivery ${n + 1} failed: returned ${r}`);
    for (const [kind, name, data] of events) {
      counts[kind] += 1;
      digest.add(Buffer.from(kind + '\0' + name + '\0'));
      digest.add(data);
      digest.add([10]);
    }
    events = [];
  }
  let sum = 0;
  for (const us of callUs) sum += us;
  const sorted = Float64Array.from(callUs).sort();
  process.stdout.write(`deliveries=${messages} emitted=${counts.emit} serial=${counts.serial} ` +
                       `refused=${counts.refused} digest=${digest.hex()}\n`);
  process.stderr.write(`timing load_ms=${loadMs.toFixed(3)} init_ms=${initMs.toFixed(3)} ` +
                       `first_us=${callUs[0].toFixed(3)} mean_us=${(sum / messages).toFixed(4)} ` +
                       `median_us=${sorted[Math.floor(messages / 2)].toFixed(4)}\n`);
}

main().catch((err) => fail(1, `node_stage_run: ${err.stack || err}`));
