// The AssemblyScript module the code page starts with: a complete stage
// (docs/host-abi.md) written against the host interface directly, like
// modules/collision-guard/as: imports from module "continuum", static buffers
// only (stub runtime, nothing allocated), the required exports. It counts its
// ticks and emits {"tick":N,"inputs":M} on port "out" (grant emit:out).
export const MODULE_TEMPLATE = `// A Continuum stage in AssemblyScript (host interface: docs/host-abi.md).
// Emits {"tick":N,"inputs":M} on port "out" each tick; needs grant emit:out.

@external("continuum", "emit")
declare function emit(port: usize, portLen: u32, payload: usize, payloadLen: u32): i32;
@external("continuum", "log")
declare function host_log(level: i32, msg: usize, msgLen: u32): i32;

const INBOX_BYTES: u32 = 4096;
const INBOX = memory.data(INBOX_BYTES); // the host writes each delivery here
const OUT = memory.data(128);           // the message being written
const PORT = memory.data<u8>([0x6f, 0x75, 0x74]); // "out"

let ticks: i64 = 0;
let inputs: i64 = 0;

// Assertions end the call; the host reports the trap.
function abort(message: usize, file: usize, line: u32, column: u32): void {
  unreachable();
}

// Writes text at OUT + at, returns the new end.
function put(at: u32, text: string): u32 {
  for (let i = 0; i < text.length; ++i) store<u8>(OUT + at + <u32>i, <u8>text.charCodeAt(i));
  return at + <u32>text.length;
}

// Writes a non-negative integer in decimal at OUT + at, returns the new end.
function putInt(at: u32, value: i64): u32 {
  let digits: u32 = 1;
  for (let rest = value / 10; rest > 0; rest /= 10) ++digits;
  for (let i: u32 = 0; i < digits; ++i) {
    store<u8>(OUT + at + digits - 1 - i, <u8>(48 + value % 10));
    value /= 10;
  }
  return at + digits;
}

export function ctm_alloc(size: u32): usize {
  return size > INBOX_BYTES ? 0 : INBOX;
}

export function ctm_init(): i32 {
  return 0;
}

export function ctm_on_message(port: usize, portLen: u32, payload: usize, payloadLen: u32): i32 {
  ++inputs;
  return 0;
}

export function ctm_on_tick(nowUs: i64): i32 {
  ++ticks;
  let at = put(0, '{"tick":');
  at = putInt(at, ticks);
  at = put(at, ',"inputs":');
  at = putInt(at, inputs);
  at = put(at, "}");
  return emit(PORT, 3, OUT, at);
}
`;

// Compiler options: those of modules/collision-guard/as/asconfig.json, so a
// module written here builds like the reference one (stub runtime, our abort,
// one fixed page of memory).
export const COMPILE_OPTIONS = {
  optimizeLevel: 3,
  shrinkLevel: 2,
  noAssert: true,
  runtime: "stub",
  use: ["abort=module/abort"],
  initialMemory: 1,
  maximumMemory: 1,
};
