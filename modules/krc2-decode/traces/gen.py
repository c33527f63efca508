#!/usr/bin/env python3
"""Generates the krc2-decode replay traces: the KR C2 controller's serial byte
stream (seven 9-byte frames per cycle, krc2.md) with faults injected at known
places, and beside each trace a .meta.json with what a correct decoder must
report: the exact cycles it delivers and the counters.

Deterministic (fixed seeds). Usage: gen.py [OUT_DIR]   (default: this folder)
"""
import json
import math
import os
import random
import struct
import sys

AXES = 7
UNITS = 100000  # wire unit: 1e-5 degree
RANGES = [(-185, 185), (-146, 0), (-119, 155), (-350, 350), (-125, 125), (-350, 350)]
BAUD_BYTES_PER_S = 960  # 9600 baud 8N1


def frame(axis, value):
    return struct.pack("<IBI", axis, 1 if value < 0 else 0, abs(value))


def pose(i):
    """A smooth motion inside every range, in wire units."""
    s = i / 15.0
    deg = [60 * math.sin(s), -90 + 30 * math.sin(0.7 * s), 90 + 30 * math.cos(0.5 * s),
           20 * math.sin(1.3 * s), 30 * math.sin(0.9 * s), 100 * math.sin(0.4 * s),
           1500 + 500 * math.sin(0.2 * s)]
    return [round(d * UNITS) for d in deg]


def in_range(axis, value):
    if axis == AXES:
        return True
    lo, hi = RANGES[axis - 1]
    return lo * UNITS <= value <= hi * UNITS


def build(cycles, faults, seed):
    """faults: {cycle index: kind}. Returns (bytes, expected)."""
    rng = random.Random(seed)
    stream = bytearray(frame(7, pose(-1)[6])[4:])  # switched on mid-frame
    delivered, bad_frames, dropped, range_errors = [], 0, 0, 0
    a1_positions = set()
    for c in range(cycles):
        values = pose(c)
        kind = faults.get(c)
        if kind == "a2_out_of_range":
            values[1] = 10 * UNITS
        if kind == "a1_out_of_range":
            values[0] = -190 * UNITS
        frames = [bytearray(frame(a + 1, values[a])) for a in range(AXES)]
        intact = True
        if kind == "noise_before":
            stream += bytes(rng.randrange(0x80, 0x100) for _ in range(7))
            bad_frames += 1
        elif kind == "lost_byte":  # a magnitude byte of A3 never arrives
            del frames[2][6]
        elif kind == "bad_axis_number":
            frames[4][0] = 9
        elif kind == "bad_sign":
            frames[1][4] = 7
        elif kind == "swapped_frames":
            frames[3], frames[4] = frames[4], frames[3]
        elif kind == "lost_frame":
            frames[5] = bytearray()
        elif kind == "lost_tail":  # A5..E1 lost: the next cycle's A1 restarts at once
            frames[4] = frames[5] = frames[6] = bytearray()
        if kind in ("lost_byte", "bad_axis_number", "bad_sign", "swapped_frames", "lost_frame",
                    "lost_tail"):
            intact = False
            bad_frames += 1
            dropped += 1
        for f in frames:
            if f[:4] == b"\x01\x00\x00\x00":
                a1_positions.add(len(stream))
            stream += f
        if intact:
            errors = [a + 1 for a in range(AXES) if not in_range(a + 1, values[a])]
            range_errors += len(errors)
            delivered.append({"values": values, "errors": errors})
    # A false cycle start (01 00 00 00 then 0/1) anywhere but at a real A1 frame
    # would make the expectations above depend on the decoder's search; refuse it.
    starts = set()
    pos = 0
    while True:
        pos = stream.find(b"\x01\x00\x00\x00", pos)
        if pos < 0:
            break
        if pos + 4 < len(stream) and stream[pos + 4] <= 1:
            starts.add(pos)
        pos += 1
    assert starts <= a1_positions, "a false cycle start in the stream: change the seed"
    expected = {"cycles": delivered, "bad_frames": bad_frames, "cycles_dropped": dropped,
                "range_errors": range_errors}
    return bytes(stream), expected


def write_trace(path, stream, seed, port="krc2"):
    """Serial bytes in irregular chunks, each followed by a tick, timed at 9600 baud."""
    rng = random.Random(seed)
    t_us, pos, lines = 0, 0, []
    while pos < len(stream):
        n = rng.randrange(1, 49)
        chunk = stream[pos:pos + n]
        pos += n
        t_us += len(chunk) * 1000000 // BAUD_BYTES_PER_S
        lines.append({"t": t_us // 1000, "serial": port, "hex": chunk.hex()})
        lines.append({"t": t_us // 1000, "tick": True})
    with open(path, "w") as out:
        for line in lines:
            out.write(json.dumps(line, separators=(",", ":")) + "\n")


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    traces = {
        "clean": (40, {}),
        "faults": (120, {10: "noise_before", 20: "lost_byte", 30: "bad_axis_number",
                         40: "bad_sign", 50: "swapped_frames", 60: "lost_frame",
                         70: "a2_out_of_range", 80: "a1_out_of_range", 90: "lost_tail"}),
    }
    for seed, (name, (cycles, faults)) in enumerate(sorted(traces.items()), start=1):
        stream, expected = build(cycles, faults, seed)
        write_trace(os.path.join(out_dir, name + ".jsonl"), stream, seed + 100)
        expected["faults"] = {str(k): v for k, v in sorted(faults.items())}
        with open(os.path.join(out_dir, name + ".meta.json"), "w") as out:
            json.dump(expected, out, indent=1)
            out.write("\n")


if __name__ == "__main__":
    main()
