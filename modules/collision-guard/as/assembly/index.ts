// collision-guard, AssemblyScript build: the same stage as ../../c (guard.c +
// module.c), written against the host interface directly
// (sdk/abi/continuum_abi.def). No managed objects: static buffers and
// load/store only, so the stub runtime never allocates. Every floating-point
// operation is the C build's, in the same order, so the output text is
// identical; change the three builds together.

// ---- host interface (module "continuum") ----

@external("continuum", "log")
declare function host_log(level: i32, msg: usize, msgLen: u32): i32;
@external("continuum", "serial_write")
declare function serial_write(name: usize, nameLen: u32, data: usize, len: u32): i32;
@external("continuum", "emit")
declare function emit(port: usize, portLen: u32, payload: usize, payloadLen: u32): i32;
@external("continuum", "config_get")
declare function config_get(key: usize, keyLen: u32, buf: usize, cap: u32): i32;

const OK: i32 = 0;
const ERR_INVALID: i32 = -8;
const LOG_ERROR: i32 = 3;

// Assertions end the call; the host reports the trap (replaces env.abort).
function abort(message: usize, file: usize, line: u32, column: u32): void {
  unreachable();
}

// ---- static memory ----

const INBOX_BYTES: u32 = 4096;
const INBOX = memory.data(INBOX_BYTES); // the host writes each delivery here
const OUT = memory.data(512);           // the reading being written
const OUT_CAP: i32 = 512;
const TEXT = memory.data(640);          // config values
const NAME = memory.data(64);           // names handed to the host
const SERIAL = memory.data(32);         // serial port name
const POINTS = memory.data(8 * 3 * 8);  // f64 x, y, z per point
const MAX_POINTS: i32 = 8;
const MATS = memory.data(7 * 16 * 8);   // 4x4 f64 matrices: t, product, link
const DIST = memory.data(8 * 8);

export function ctm_alloc(size: u32): usize {
  return size > INBOX_BYTES ? 0 : INBOX;
}

// ---- kinematics (guard.c) ----

const PI: f64 = 3.141592653589793;
const TWO_OVER_PI: f64 = 0.6366197723675814;
const PIO2_HI: f64 = 1.5707963267341256;
const PIO2_LO: f64 = 6.077100506506192e-11;

function sinKernel(r: f64): f64 {
  const r2 = r * r;
  let p: f64 = 2.8114572543455206e-15;
  p = -7.647163731819816e-13 + r2 * p;
  p = 1.6059043836821613e-10 + r2 * p;
  p = -2.505210838544172e-08 + r2 * p;
  p = 2.7557319223985893e-06 + r2 * p;
  p = -0.0001984126984126984 + r2 * p;
  p = 0.008333333333333333 + r2 * p;
  p = -0.16666666666666666 + r2 * p;
  return r + r * r2 * p;
}

function cosKernel(r: f64): f64 {
  const r2 = r * r;
  let p: f64 = 4.779477332387385e-14;
  p = -1.1470745597729725e-11 + r2 * p;
  p = 2.08767569878681e-09 + r2 * p;
  p = -2.755731922398589e-07 + r2 * p;
  p = 2.48015873015873e-05 + r2 * p;
  p = -0.001388888888888889 + r2 * p;
  p = 0.041666666666666664 + r2 * p;
  p = -0.5 + r2 * p;
  return 1.0 + r2 * p;
}

let sinOut: f64 = 0;
let cosOut: f64 = 0;

// x = k * pi/2 + r, kernels of r chosen by k mod 4.
function sinCos(x: f64): void {
  const y = x * TWO_OVER_PI;
  const k: i64 = y >= 0.0 ? <i64>(y + 0.5) : -<i64>(0.5 - y);
  const kd = <f64>k;
  const r = (x - kd * PIO2_HI) - kd * PIO2_LO;
  const s = sinKernel(r);
  const c = cosKernel(r);
  const q = <i32>(k & 3);
  if (q == 0) { sinOut = s; cosOut = c; }
  else if (q == 1) { sinOut = c; cosOut = -s; }
  else if (q == 2) { sinOut = -s; cosOut = -c; }
  else { sinOut = -c; cosOut = s; }
}

// floor(v + 0.5) from truncation alone, exactly as the C and Rust builds do it.
function roundHalfUp(v: f64): i64 {
  const shifted = v + 0.5;
  const truncated = <i64>shifted;
  return <f64>truncated > shifted ? truncated - 1 : truncated;
}

@inline function mat(index: i32): usize { return MATS + <usize>(index * 128); }
@inline function at(m: usize, i: i32, j: i32): usize { return m + <usize>((i * 4 + j) * 8); }

// Translation by the link offset, then rotation about `axis` (0 x, 1 y, 2 z).
function joint(m: usize, dx: f64, dy: f64, dz: f64, axis: i32, radians: f64): void {
  for (let i = 0; i < 4; ++i)
    for (let j = 0; j < 4; ++j) store<f64>(at(m, i, j), i == j ? 1.0 : 0.0);
  sinCos(radians);
  const a = (axis + 1) % 3;
  const b = (axis + 2) % 3;
  store<f64>(at(m, a, a), cosOut);
  store<f64>(at(m, a, b), -sinOut);
  store<f64>(at(m, b, a), sinOut);
  store<f64>(at(m, b, b), cosOut);
  store<f64>(at(m, 0, 3), dx);
  store<f64>(at(m, 1, 3), dy);
  store<f64>(at(m, 2, 3), dz);
}

// out = a * b (out distinct from both).
function multiply(out: usize, a: usize, b: usize): void {
  for (let i = 0; i < 4; ++i)
    for (let j = 0; j < 4; ++j) {
      let sum: f64 = 0.0;
      for (let k = 0; k < 4; ++k) sum = sum + load<f64>(at(a, i, k)) * load<f64>(at(b, k, j));
      store<f64>(at(out, i, j), sum);
    }
}

let tipX: f64 = 0;
let tipY: f64 = 0;
let tipZ: f64 = 0;

function radiansOf(angle: i64): f64 {
  return -(<f64>angle / 100000.0) * PI / 180.0;
}

// Tool tip (mm) for controller angles A1..A6 in 1e-5 degree.
function computeTip(a1: i64, a2: i64, a3: i64, a4: i64, a5: i64): void {
  const t = mat(0), product = mat(1), link = mat(2);
  joint(t, 0.0, 0.0, 0.0, 1, radiansOf(a1));
  for (let n = 0; n < 5; ++n) {
    if (n == 0) joint(link, 350.0, 750.0, 0.0, 2, radiansOf(a2));
    else if (n == 1) joint(link, 1250.0, 0.0, 0.0, 2, radiansOf(a3));
    else if (n == 2) joint(link, 1100.0, 0.0, 0.0, 0, radiansOf(a4));
    else if (n == 3) joint(link, 0.0, 0.0, 0.0, 2, radiansOf(a5));
    else joint(link, 230.0, 0.0, 0.0, 0, 0.0);
    multiply(product, t, link);
    memory.copy(t, product, 128);
  }
  tipX = load<f64>(at(t, 0, 3));
  tipY = load<f64>(at(t, 1, 3));
  tipZ = load<f64>(at(t, 2, 3));
}

// ---- text helpers ----

// Copies an ASCII string into `dst`; returns its length.
function ascii(s: string, dst: usize): u32 {
  for (let i = 0; i < s.length; ++i) store<u8>(dst + <usize>i, <u8>s.charCodeAt(i));
  return <u32>s.length;
}

let parsedValue: f64 = 0;
let parsedDecimals: i32 = 0;
let parsedMantissa: i64 = 0;
let parsedUsed: i32 = 0;

// A number in JSON syntax without exponent, as mantissa / 10^decimals (both
// exact, so the division rounds once, like a correct decimal parser).
function parseDecimal(p: usize, len: i32): bool {
  let i = 0;
  const negative = len > 0 && load<u8>(p) == 45; // '-'
  if (negative) ++i;
  let mantissa: i64 = 0;
  let decimals = 0;
  let digits = 0;
  let inFraction = false;
  while (i < len) {
    const ch = load<u8>(p + <usize>i);
    if (ch >= 48 && ch <= 57) {
      if (digits >= 18) return false; // beyond i64; the C build would still read it
      mantissa = mantissa * 10 + <i64>(ch - 48);
      ++digits;
      if (inFraction) ++decimals;
    } else if (ch == 46 && !inFraction) {
      inFraction = true;
    } else {
      break;
    }
    ++i;
  }
  if (digits == 0) return false;
  if (i < len && (load<u8>(p + <usize>i) == 101 || load<u8>(p + <usize>i) == 69)) return false;
  let scale: f64 = 1.0;
  for (let d = 0; d < decimals; ++d) scale *= 10.0;
  parsedValue = negative ? -(<f64>mantissa / scale) : <f64>mantissa / scale;
  parsedDecimals = decimals;
  parsedMantissa = negative ? -mantissa : mantissa;
  parsedUsed = i;
  return true;
}

// Offset of the text after `"key":` in a flat JSON message, or -1.
function findValue(json: usize, len: i32, key: string): i32 {
  const n = key.length;
  for (let i = 0; i + n + 3 <= len; ++i) {
    if (load<u8>(json + <usize>i) != 34) continue;
    let match = load<u8>(json + <usize>(i + 1 + n)) == 34;
    for (let k = 0; match && k < n; ++k)
      match = load<u8>(json + <usize>(i + 1 + k)) == <u8>key.charCodeAt(k);
    if (!match) continue;
    let j = i + n + 2;
    while (j < len && (load<u8>(json + <usize>j) == 32 || load<u8>(json + <usize>j) == 58)) ++j;
    return j;
  }
  return -1;
}

let outLen: i32 = 0;

function put(b: i32): void {
  if (outLen < OUT_CAP) store<u8>(OUT + <usize>(outLen++), <u8>b);
}

function putText(s: string): void {
  for (let i = 0; i < s.length; ++i) put(s.charCodeAt(i));
}

function putInt(v: i64): void {
  if (v < 0) put(45);
  let rest: u64 = v < 0 ? <u64>(-v) : <u64>v;
  const digits = NAME; // scratch: at most 20 digits
  let n = 0;
  do {
    store<u8>(digits + <usize>(n++), <u8>(48 + <i32>(rest % 10)));
    rest /= 10;
  } while (rest != 0);
  while (n > 0) put(load<u8>(digits + <usize>(--n)));
}

// A length rounded to 0.1 mm, as the C build's shortest form of t / 10.
function putLength(mm: f64): void {
  const t = roundHalfUp(mm * 10.0);
  if (t < 0) put(45);
  const a: i64 = t < 0 ? -t : t;
  putInt(a / 10);
  if (a % 10 != 0) {
    put(46);
    putInt(a % 10);
  }
}

function putBool(v: bool): void {
  putText(v ? "true" : "false");
}

// Reads config `key` into TEXT (quotes of a JSON string removed); returns the
// start offset in TEXT and sets textLen, or -1 if absent.
let textLen: i32 = 0;
function config(key: string): i32 {
  const keyLen = ascii(key, NAME);
  const n = config_get(NAME, keyLen, TEXT, 640);
  if (n < 0) return -1;
  textLen = n;
  if (n >= 2 && load<u8>(TEXT) == 34 && load<u8>(TEXT + <usize>(n - 1)) == 34) {
    textLen = n - 2;
    return 1;
  }
  return 0;
}

function configNumber(key: string, fallback: f64): f64 {
  const start = config(key);
  if (start < 0 || !parseDecimal(TEXT + <usize>start, textLen) || parsedUsed != textLen) return fallback;
  return parsedValue;
}

// ---- stage state ----

let pointCount: i32 = 0;
let safetyMm: f64 = 1500.0;
let hysteresisMm: f64 = 100.0;
let serialLen: u32 = 0;
let unsafeFlag = false;
let below = false;
let skipped: i64 = 0;

function isSeparator(ch: u8): bool {
  return ch == 32 || ch == 44 || ch == 59; // ' ' ',' ';'
}

export function ctm_init(): i32 {
  let start = config("points");
  let len = textLen;
  if (start < 0) {
    len = <i32>ascii("1680,2000,1499", TEXT);
    start = 0;
  }
  // "x,y,z;x,y,z": numbers in groups of three.
  let count = 0, coordinate = 0, i = start, ok = true;
  const end = start + len;
  while (i < end) {
    if (isSeparator(load<u8>(TEXT + <usize>i))) { ++i; continue; }
    let stop = i;
    while (stop < end && !isSeparator(load<u8>(TEXT + <usize>stop))) ++stop;
    if (count >= MAX_POINTS || !parseDecimal(TEXT + <usize>i, stop - i) || parsedUsed != stop - i) {
      ok = false;
      break;
    }
    store<f64>(POINTS + <usize>((count * 3 + coordinate) * 8), parsedValue);
    i = stop;
    if (++coordinate == 3) { coordinate = 0; ++count; }
  }
  pointCount = count;
  safetyMm = configNumber("safety_mm", 1500.0);
  hysteresisMm = configNumber("hysteresis_mm", 100.0);
  const serialStart = config("serial");
  if (serialStart < 0) {
    serialLen = ascii("krc2", SERIAL);
  } else {
    serialLen = <u32>min(textLen, 32);
    memory.copy(SERIAL, TEXT + <usize>serialStart, serialLen);
  }
  unsafeFlag = false;
  below = false;
  skipped = 0;
  if (!ok || coordinate != 0 || count == 0) {
    const n = ascii("collision-guard: points must be \"x,y,z;x,y,z...\" (mm)", TEXT);
    host_log(LOG_ERROR, TEXT, n);
    return ERR_INVALID;
  }
  return OK;
}

export function ctm_on_tick(nowUs: i64): i32 {
  return OK;
}

// The angle of axis `key` in 1e-5 degree into `angle`; false if unusable.
let angle: i64 = 0;
function readAngle(message: usize, len: i32, key: string): bool {
  const at = findValue(message, len, key);
  if (at < 0 || !parseDecimal(message + <usize>at, len - at)) return false;
  // krc2-decode writes at most five decimals; more are rounded half up, as the
  // C build's round(degrees * 1e5).
  let v = parsedMantissa;
  for (let d = parsedDecimals; d < 5; ++d) v *= 10;
  if (parsedDecimals > 5) {
    let divisor: i64 = 1;
    for (let d = 5; d < parsedDecimals; ++d) divisor *= 10;
    let q = v / divisor;
    let r = v % divisor;
    if (r < 0) { r += divisor; q -= 1; } // floor division
    v = 2 * r >= divisor ? q + 1 : q;
  }
  angle = v;
  return true;
}

export function ctm_on_message(port: usize, portLen: u32, payload: usize, payloadLen: u32): i32 {
  const cycles = ascii("cycles", NAME);
  if (portLen != cycles || memory.compare(port, NAME, cycles) != 0) return OK;
  let len = <i32>payloadLen;
  // Bare, or the "values" of an envelope (whose own "seq" is the node's).
  const values = findValue(payload, len, "values");
  if (values >= 0 && load<u8>(payload + <usize>values) == 123) { // '{'
    payload += <usize>values;
    len -= values;
  }
  let seq: i64 = 0;
  const seqAt = findValue(payload, len, "seq");
  if (seqAt >= 0 && parseDecimal(payload + <usize>seqAt, len - seqAt) && parsedDecimals == 0)
    seq = parsedMantissa;
  // Degrees with at most five decimals: the wire value in 1e-5 degree.
  if (!readAngle(payload, len, "a1")) { ++skipped; return OK; }
  const a1 = angle;
  if (!readAngle(payload, len, "a2")) { ++skipped; return OK; }
  const a2 = angle;
  if (!readAngle(payload, len, "a3")) { ++skipped; return OK; }
  const a3 = angle;
  if (!readAngle(payload, len, "a4")) { ++skipped; return OK; }
  const a4 = angle;
  if (!readAngle(payload, len, "a5")) { ++skipped; return OK; }
  const a5 = angle;
  if (!readAngle(payload, len, "a6")) { ++skipped; return OK; } // A6 moves no tip point

  computeTip(a1, a2, a3, a4, a5);
  let minDistance: f64 = 0.0;
  let nearest = 0;
  for (let p = 0; p < pointCount; ++p) {
    const base = POINTS + <usize>(p * 24);
    const dx = tipX - load<f64>(base);
    const dy = tipY - load<f64>(base + 8);
    const dz = tipZ - load<f64>(base + 16);
    const d = Math.sqrt(dx * dx + dy * dy + dz * dz);
    store<f64>(DIST + <usize>(p * 8), d);
    if (p == 0 || d < minDistance) {
      minDistance = d;
      nearest = p;
    }
  }
  const isBelow = minDistance < safetyMm;
  if (isBelow) unsafeFlag = true;
  else if (minDistance > safetyMm + hysteresisMm) unsafeFlag = false;
  const stop = isBelow && !below;
  below = isBelow;
  if (stop) {
    const n = ascii("STOP\r\n", NAME);
    serial_write(SERIAL, serialLen, NAME, n);
  }

  outLen = 0;
  putText("{\"seq\":");
  putInt(seq);
  putText(",\"tip\":[");
  putLength(tipX);
  put(44);
  putLength(tipY);
  put(44);
  putLength(tipZ);
  putText("],\"d\":[");
  for (let p = 0; p < pointCount; ++p) {
    if (p > 0) put(44);
    putLength(load<f64>(DIST + <usize>(p * 8)));
  }
  putText("],\"min\":");
  putLength(minDistance);
  putText(",\"nearest\":");
  putInt(nearest);
  putText(",\"unsafe\":");
  putBool(unsafeFlag);
  putText(",\"stop\":");
  putBool(stop);
  putText(",\"skipped\":");
  putInt(skipped);
  put(125);
  const portName = ascii("readings", NAME);
  emit(NAME, portName, OUT, <u32>outLen);
  return OK;
}
