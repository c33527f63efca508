//! collision-guard, Rust build: the same stage as ../c (guard.c + module.c),
//! written against the host interface directly (sdk/abi/continuum_abi.def),
//! without an allocator or crates (std only for f64::sqrt, the wasm
//! instruction). Every floating-point operation is the C build's, in the same
//! order, so the output text is identical; change the three builds together.
//! Build: see ../../CMakeLists.txt (rustc, no cargo).

// ---- host interface (module "continuum") ----

#[link(wasm_import_module = "continuum")]
extern "C" {
    fn log(level: i32, msg: *const u8, msg_len: u32) -> i32;
    fn serial_write(name: *const u8, name_len: u32, data: *const u8, len: u32) -> i32;
    fn emit(port: *const u8, port_len: u32, payload: *const u8, payload_len: u32) -> i32;
    fn config_get(key: *const u8, key_len: u32, buf: *mut u8, cap: u32) -> i32;
}

const OK: i32 = 0;
const ERR_INVALID: i32 = -8;
const LOG_ERROR: i32 = 3;

// ---- kinematics (guard.c) ----

const PI: f64 = 3.141592653589793;
const TWO_OVER_PI: f64 = 0.6366197723675814;
const PIO2_HI: f64 = 1.5707963267341256;
const PIO2_LO: f64 = 6.077100506506192e-11;

fn sin_kernel(r: f64) -> f64 {
    let r2 = r * r;
    let mut p = 2.8114572543455206e-15;
    p = -7.647163731819816e-13 + r2 * p;
    p = 1.6059043836821613e-10 + r2 * p;
    p = -2.505210838544172e-08 + r2 * p;
    p = 2.7557319223985893e-06 + r2 * p;
    p = -0.0001984126984126984 + r2 * p;
    p = 0.008333333333333333 + r2 * p;
    p = -0.16666666666666666 + r2 * p;
    r + r * r2 * p
}

fn cos_kernel(r: f64) -> f64 {
    let r2 = r * r;
    let mut p = 4.779477332387385e-14;
    p = -1.1470745597729725e-11 + r2 * p;
    p = 2.08767569878681e-09 + r2 * p;
    p = -2.755731922398589e-07 + r2 * p;
    p = 2.48015873015873e-05 + r2 * p;
    p = -0.001388888888888889 + r2 * p;
    p = 0.041666666666666664 + r2 * p;
    p = -0.5 + r2 * p;
    1.0 + r2 * p
}

/// (sin x, cos x): x = k * pi/2 + r, kernels of r chosen by k mod 4.
fn sin_cos(x: f64) -> (f64, f64) {
    let y = x * TWO_OVER_PI;
    let k: i64 = if y >= 0.0 { (y + 0.5) as i64 } else { -((0.5 - y) as i64) };
    let kd = k as f64;
    let r = (x - kd * PIO2_HI) - kd * PIO2_LO;
    let (s, c) = (sin_kernel(r), cos_kernel(r));
    match k & 3 {
        0 => (s, c),
        1 => (c, -s),
        2 => (-s, -c),
        _ => (-c, s),
    }
}

/// floor(v + 0.5) from truncation alone, exactly as the C and AS builds do it.
fn round_half_up(v: f64) -> i64 {
    let shifted = v + 0.5;
    let truncated = shifted as i64;
    if truncated as f64 > shifted { truncated - 1 } else { truncated }
}

type Mat4 = [[f64; 4]; 4];

/// Translation by the link offset, then rotation about `axis` (0 x, 1 y, 2 z).
fn joint(dx: f64, dy: f64, dz: f64, axis: usize, radians: f64) -> Mat4 {
    let mut r: Mat4 = [[0.0; 4]; 4];
    for i in 0..4 {
        r[i][i] = 1.0;
    }
    let (s, c) = sin_cos(radians);
    let (a, b) = ((axis + 1) % 3, (axis + 2) % 3);
    r[a][a] = c;
    r[a][b] = -s;
    r[b][a] = s;
    r[b][b] = c;
    r[0][3] = dx;
    r[1][3] = dy;
    r[2][3] = dz;
    r
}

fn multiply(a: &Mat4, b: &Mat4) -> Mat4 {
    let mut r: Mat4 = [[0.0; 4]; 4];
    for i in 0..4 {
        for j in 0..4 {
            let mut sum = 0.0;
            for k in 0..4 {
                sum = sum + a[i][k] * b[k][j];
            }
            r[i][j] = sum;
        }
    }
    r
}

/// Tool tip (mm) for controller angles A1..A6 in 1e-5 degree.
fn tip(angle: &[i64; 6]) -> [f64; 3] {
    let mut rad = [0.0; 6];
    for i in 0..6 {
        rad[i] = -(angle[i] as f64 / 100000.0) * PI / 180.0;
    }
    let mut t = joint(0.0, 0.0, 0.0, 1, rad[0]);
    let links = [
        joint(350.0, 750.0, 0.0, 2, rad[1]),
        joint(1250.0, 0.0, 0.0, 2, rad[2]),
        joint(1100.0, 0.0, 0.0, 0, rad[3]),
        joint(0.0, 0.0, 0.0, 2, rad[4]),
        joint(230.0, 0.0, 0.0, 0, 0.0),
    ];
    for link in links.iter() {
        t = multiply(&t, link);
    }
    [t[0][3], t[1][3], t[2][3]]
}

// ---- stage state ----

const MAX_POINTS: usize = 8;

struct Guard {
    points: [[f64; 3]; MAX_POINTS],
    point_count: usize,
    safety_mm: f64,
    hysteresis_mm: f64,
    serial: [u8; 32],
    serial_len: usize,
    unsafe_flag: bool,
    below: bool,
    skipped: i64,
}

static mut GUARD: Guard = Guard {
    points: [[0.0; 3]; MAX_POINTS],
    point_count: 0,
    safety_mm: 1500.0,
    hysteresis_mm: 100.0,
    serial: [0; 32],
    serial_len: 0,
    unsafe_flag: false,
    below: false,
    skipped: 0,
};

// The host writes each delivery (port name, then payload) here via ctm_alloc.
static mut INBOX: [u8; 4096] = [0; 4096];

#[no_mangle]
pub extern "C" fn ctm_alloc(size: u32) -> *mut u8 {
    if size as usize > 4096 {
        return core::ptr::null_mut();
    }
    unsafe { INBOX.as_mut_ptr() }
}

// ---- text helpers ----

/// A number in JSON syntax without exponent, as mantissa / 10^decimals (both
/// exact, so the division rounds once, like a correct decimal parser).
/// Returns (value, decimals, mantissa, bytes used); None if not a number.
fn parse_decimal(text: &[u8]) -> Option<(f64, u32, i64, usize)> {
    let mut i = 0;
    let negative = text.first() == Some(&b'-');
    if negative {
        i += 1;
    }
    let mut mantissa: i64 = 0;
    let mut decimals: u32 = 0;
    let mut digits = 0;
    let mut in_fraction = false;
    while i < text.len() {
        let ch = text[i];
        if ch.is_ascii_digit() {
            if digits >= 18 {
                return None; // beyond i64; the C build would still read it
            }
            mantissa = mantissa * 10 + (ch - b'0') as i64;
            digits += 1;
            if in_fraction {
                decimals += 1;
            }
        } else if ch == b'.' && !in_fraction {
            in_fraction = true;
        } else {
            break;
        }
        i += 1;
    }
    if digits == 0 || (i < text.len() && (text[i] == b'e' || text[i] == b'E')) {
        return None;
    }
    let mut scale = 1.0;
    for _ in 0..decimals {
        scale *= 10.0;
    }
    let signed = if negative { -mantissa } else { mantissa };
    let value = if negative { -(mantissa as f64 / scale) } else { mantissa as f64 / scale };
    Some((value, decimals, signed, i))
}

/// mantissa / 10^decimals degrees in 1e-5 degree, rounded half up.
fn to_wire_units(mantissa: i64, decimals: u32) -> i64 {
    let mut v = mantissa;
    for _ in decimals..5 {
        v *= 10;
    }
    if decimals <= 5 {
        return v;
    }
    let mut divisor: i64 = 1;
    for _ in 5..decimals {
        divisor *= 10;
    }
    let (q, r) = (v.div_euclid(divisor), v.rem_euclid(divisor));
    if 2 * r >= divisor { q + 1 } else { q }
}

/// The text after `"key":` in a flat JSON message (keys here are unique).
fn find_value<'a>(json: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let n = key.len();
    let mut i = 0;
    while i + n + 3 <= json.len() {
        if json[i] == b'"' && &json[i + 1..i + 1 + n] == key && json[i + 1 + n] == b'"' {
            let mut j = i + n + 2;
            while j < json.len() && (json[j] == b' ' || json[j] == b':') {
                j += 1;
            }
            return Some(&json[j..]);
        }
        i += 1;
    }
    None
}

struct Writer {
    buf: [u8; 512],
    len: usize,
}

impl Writer {
    fn text(&mut self, s: &[u8]) {
        for &b in s {
            if self.len < self.buf.len() {
                self.buf[self.len] = b;
                self.len += 1;
            }
        }
    }
    fn int(&mut self, v: i64) {
        if v < 0 {
            self.text(b"-");
        }
        let mut digits = [0u8; 20];
        let mut n = 0;
        let mut rest = if v < 0 { (v as i128).unsigned_abs() as u64 } else { v as u64 };
        loop {
            digits[n] = b'0' + (rest % 10) as u8;
            n += 1;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        while n > 0 {
            n -= 1;
            self.text(&digits[n..n + 1]);
        }
    }
    /// A length rounded to 0.1 mm, as the C build's shortest form of t / 10.
    fn length(&mut self, mm: f64) {
        let t = round_half_up(mm * 10.0);
        if t < 0 {
            self.text(b"-");
        }
        let a = if t < 0 { -t } else { t };
        self.int(a / 10);
        if a % 10 != 0 {
            self.text(b".");
            self.int(a % 10);
        }
    }
    fn boolean(&mut self, v: bool) {
        self.text(if v { b"true" } else { b"false" });
    }
}

static mut OUT: Writer = Writer { buf: [0; 512], len: 0 };

/// Config value text (quotes of a JSON string removed), or the fallback.
fn config<'a>(key: &[u8], buf: &'a mut [u8], fallback: &'a [u8]) -> &'a [u8] {
    let n = unsafe { config_get(key.as_ptr(), key.len() as u32, buf.as_mut_ptr(), buf.len() as u32) };
    if n < 0 {
        return fallback;
    }
    let mut text = &buf[..n as usize];
    if text.len() >= 2 && text[0] == b'"' && text[text.len() - 1] == b'"' {
        text = &text[1..text.len() - 1];
    }
    text
}

fn config_number(key: &[u8], fallback: f64) -> f64 {
    let mut buf = [0u8; 64];
    let text = config(key, &mut buf, b"");
    match parse_decimal(text) {
        Some((v, _, _, used)) if used == text.len() => v,
        _ => fallback,
    }
}

// ---- exports ----

#[no_mangle]
pub extern "C" fn ctm_init() -> i32 {
    let g = unsafe { &mut GUARD };
    let mut buf = [0u8; 8 * 3 * 24];
    let text = config(b"points", &mut buf, b"1680,2000,1499");
    // "x,y,z;x,y,z": numbers in groups of three.
    let (mut count, mut coordinate, mut i) = (0usize, 0usize, 0usize);
    let mut ok = true;
    while i < text.len() {
        let ch = text[i];
        if ch == b' ' || ch == b',' || ch == b';' {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < text.len() && text[end] != b',' && text[end] != b';' && text[end] != b' ' {
            end += 1;
        }
        match parse_decimal(&text[i..end]) {
            Some((v, _, _, used)) if used == end - i && count < MAX_POINTS => {
                g.points[count][coordinate] = v
            }
            _ => {
                ok = false;
                break;
            }
        }
        i = end;
        coordinate += 1;
        if coordinate == 3 {
            coordinate = 0;
            count += 1;
        }
    }
    g.point_count = count;
    g.safety_mm = config_number(b"safety_mm", 1500.0);
    g.hysteresis_mm = config_number(b"hysteresis_mm", 100.0);
    let mut serial = [0u8; 32];
    let name = config(b"serial", &mut serial, b"krc2");
    g.serial_len = name.len();
    g.serial[..name.len()].copy_from_slice(name);
    g.unsafe_flag = false;
    g.below = false;
    g.skipped = 0;
    if !ok || coordinate != 0 || count == 0 {
        let msg = b"collision-guard: points must be \"x,y,z;x,y,z...\" (mm)";
        unsafe { log(LOG_ERROR, msg.as_ptr(), msg.len() as u32) };
        return ERR_INVALID;
    }
    OK
}

#[no_mangle]
pub extern "C" fn ctm_on_tick(_now_us: i64) -> i32 {
    OK
}

#[no_mangle]
pub extern "C" fn ctm_on_message(port: *const u8, port_len: u32, payload: *const u8, len: u32) -> i32 {
    let port = unsafe { core::slice::from_raw_parts(port, port_len as usize) };
    let mut message = unsafe { core::slice::from_raw_parts(payload, len as usize) };
    if port != b"cycles" {
        return OK;
    }
    // Bare, or the "values" of an envelope (whose own "seq" is the node's).
    if let Some(values) = find_value(message, b"values") {
        if values.first() == Some(&b'{') {
            message = values;
        }
    }
    let g = unsafe { &mut GUARD };
    let seq = match find_value(message, b"seq").and_then(parse_decimal) {
        Some((_, 0, m, _)) => m,
        _ => 0,
    };
    const AXES: [&[u8]; 6] = [b"a1", b"a2", b"a3", b"a4", b"a5", b"a6"];
    let mut angle = [0i64; 6];
    for i in 0..6 {
        match find_value(message, AXES[i]).and_then(parse_decimal) {
            // Degrees in 1e-5 degree: krc2-decode writes at most five decimals;
            // more are rounded half up, as the C build's round(degrees * 1e5).
            Some((_, decimals, mantissa, _)) => angle[i] = to_wire_units(mantissa, decimals),
            _ => {
                g.skipped += 1; // error value (null) or missing: not a usable pose
                return OK;
            }
        }
    }

    let tip = tip(&angle);
    let mut distance = [0.0f64; MAX_POINTS];
    let (mut min, mut nearest) = (0.0, 0usize);
    for p in 0..g.point_count {
        let dx = tip[0] - g.points[p][0];
        let dy = tip[1] - g.points[p][1];
        let dz = tip[2] - g.points[p][2];
        let d = sqrt(dx * dx + dy * dy + dz * dz);
        distance[p] = d;
        if p == 0 || d < min {
            min = d;
            nearest = p;
        }
    }
    let below = min < g.safety_mm;
    if below {
        g.unsafe_flag = true;
    } else if min > g.safety_mm + g.hysteresis_mm {
        g.unsafe_flag = false;
    }
    let stop = below && !g.below;
    g.below = below;
    if stop {
        let command = b"STOP\r\n";
        unsafe { serial_write(g.serial.as_ptr(), g.serial_len as u32, command.as_ptr(), command.len() as u32) };
    }

    let w = unsafe { &mut OUT };
    w.len = 0;
    w.text(b"{\"seq\":");
    w.int(seq);
    w.text(b",\"tip\":[");
    for i in 0..3 {
        if i > 0 {
            w.text(b",");
        }
        w.length(tip[i]);
    }
    w.text(b"],\"d\":[");
    for p in 0..g.point_count {
        if p > 0 {
            w.text(b",");
        }
        w.length(distance[p]);
    }
    w.text(b"],\"min\":");
    w.length(min);
    w.text(b",\"nearest\":");
    w.int(nearest as i64);
    w.text(b",\"unsafe\":");
    w.boolean(g.unsafe_flag);
    w.text(b",\"stop\":");
    w.boolean(stop);
    w.text(b",\"skipped\":");
    w.int(g.skipped);
    w.text(b"}");
    let out = b"readings";
    unsafe { emit(out.as_ptr(), out.len() as u32, w.buf.as_ptr(), w.len as u32) };
    OK
}

/// The wasm f64.sqrt instruction: correctly rounded, like the C build's.
fn sqrt(x: f64) -> f64 {
    x.sqrt()
}
