"""An ESP32-class edge energy estimate from what an edge node process did
here: its CPU time and the bytes (and TCP segments) it sent to the broker.
An estimate, not a measurement: the power model and every figure in it are
stated here and printed into report.md.

Sources (Espressif, "ESP32 Series Datasheet", v3.5+, 3.3 V, 25 degC):
  * Table "Power Consumption by Power Modes": Modem-sleep (CPU on, radio
    off), 240 MHz, dual-core chip: 30 mA ~ 68 mA. We take 68 mA, the upper end
    (both cores busy), so the CPU figure is an upper bound.
  * Table "RF Power-Consumption Specifications": transmit 802.11g, OFDM
    54 Mbps, POUT = +16 dBm: 190 mA (measured at 50 % duty cycle).
Radio model: each TCP segment the node sent costs one 802.11g frame of
airtime: 20 us of PLCP preamble and header, plus (payload + 92 bytes of
MAC 28 + LLC/SNAP 8 + IPv4 20 + TCP 32 with timestamps + 4 FCS) x 8 / 54 Mbps,
at 190 mA x 3.3 V. Not counted: receive and listening (95-100 mA), ACK
frames, contention and retries, association and beacon wake-ups: the radio
figure is a lower bound of the transmit energy.
CPU scaling: the x86 CPU time of the edge process (the whole node: stage,
JSON, MQTT client, outbox) times ESP32_PER_X86, the ratio of the same work's
time on both machines that we have a figure for: collision-guard's cycle in
the AssemblyScript build, about 3 ms on an ESP32 under wasm3 (the published
prototype, ../shared/design/krc2.md) against 0.0407 ms in our engine on this
machine (docs/benchmarks.md, `continuum bench engine`, 2026-11-21). Two
interpreters, both dominated by dispatch, so the ratio is a fair first-order
scale for interpreted work; native work on an Xtensa LX6 at 240 MHz against
a 2.45 GHz EPYC core is of the same order (clock ratio about 10, IPC ratio
about 4-8). A real ESP32 firmware would not run this node agent; treat the
CPU share as an order of magnitude.
"""

SUPPLY_V = 3.3
CPU_ACTIVE_MA = 68.0          # Modem-sleep, 240 MHz, dual core, upper end (datasheet: 30 ~ 68 mA)
TX_MA = 190.0                 # 802.11g OFDM 54 Mbps, +16 dBm
PHY_RATE_BPS = 54e6
FRAME_PREAMBLE_S = 20e-6      # OFDM PLCP preamble + SIGNAL field
FRAME_HEADER_BYTES = 92       # MAC + LLC/SNAP + IPv4 + TCP (timestamps) + FCS
ESP32_MS_PER_CYCLE = 3.0      # collision-guard cycle, ESP32 under wasm3 (krc2.md)
HERE_MS_PER_CYCLE = 0.0407    # the same, AssemblyScript build, our engine on this machine (docs/benchmarks.md)
ESP32_PER_X86 = ESP32_MS_PER_CYCLE / HERE_MS_PER_CYCLE

CPU_POWER_MW = SUPPLY_V * CPU_ACTIVE_MA
TX_POWER_MW = SUPPLY_V * TX_MA


def estimate(cpu_s_x86, tx_bytes, tx_segments):
    """{cpu_mj, radio_mj, total_mj} for one edge node over one run."""
    esp_cpu_s = cpu_s_x86 * ESP32_PER_X86
    airtime_s = tx_segments * FRAME_PREAMBLE_S + (tx_bytes + tx_segments * FRAME_HEADER_BYTES) * 8 / PHY_RATE_BPS
    cpu_mj = esp_cpu_s * CPU_POWER_MW
    radio_mj = airtime_s * TX_POWER_MW
    return {"esp32_cpu_s": esp_cpu_s, "airtime_s": airtime_s, "cpu_mj": cpu_mj, "radio_mj": radio_mj,
            "total_mj": cpu_mj + radio_mj}


def model_text():
    return (f"ESP32 at 240 MHz, {SUPPLY_V} V: CPU {CPU_ACTIVE_MA:g} mA = {CPU_POWER_MW:.0f} mW while busy "
            f"(Modem-sleep, dual core, upper end of 30-68 mA); Wi-Fi TX 802.11g 54 Mbps +16 dBm {TX_MA:g} mA = "
            f"{TX_POWER_MW:.0f} mW, per TCP segment {FRAME_PREAMBLE_S * 1e6:g} us preamble + (payload + "
            f"{FRAME_HEADER_BYTES} header bytes) x 8 / 54 Mbps (Espressif, ESP32 Series Datasheet, tables "
            f"\"Power Consumption by Power Modes\" and \"RF Power-Consumption Specifications\"). CPU time scaled "
            f"by {ESP32_PER_X86:.0f} = {ESP32_MS_PER_CYCLE:g} ms (collision-guard cycle, ESP32, wasm3, published "
            f"prototype) / {HERE_MS_PER_CYCLE:g} ms (same cycle, AssemblyScript build, our engine here, "
            f"docs/benchmarks.md). Not counted: receive/listen, ACKs, retries, sleep. An estimate.")
