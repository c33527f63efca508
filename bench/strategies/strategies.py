"""The five deployment strategies of the brief (../shared/design/BRIEF.md,
"Deployment strategies to compare") as deployments generated from one
template (template.toml): which stage runs on which node, in which runtime.

A stage's runtime is chosen by the module file a node config names
(docs/node-config.md, `module`): NAME.wasm runs in our engine, libNAME.so is
the same C sources built natively (modules/README.md). No node code knows about
strategies.

Strategy 4 ("native fog and cloud, Wasm edge: the common practice baseline;
differs from 1 in what the fog does"): the runtimes are those of strategy 1,
but the fog does the thinking, as a gateway does in common practice: the robot
edge only acquires (krc2-decode turns the serial frames into cycles and
publishes them), and the safety check (collision-guard) runs natively on the
fog, which holds the controller's stop line (a serial device on the same line,
written only) and writes STOP there. In strategies 1, 2, 3 and 5 the guard runs
on the robot's edge, beside the decoder.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# The stages of both applications: key -> (module, node it runs on unless the
# strategy moves it, stage name).
STAGES = {
    "control": ("irrigation-control", "edge-soil-1,edge-soil-2", "control"),
    "decode": ("krc2-decode", "edge-robot-1", "decode"),
    "guard": ("collision-guard", "edge-robot-1", "guard"),
    "filter": ("soil-filter", "fog-1", "filter"),
    "analytics": ("irrigation-analytics", "cloud-1", "analytics"),
}

# id -> (title, {stage: runtime}, guard_on_fog)
STRATEGIES = {
    "s1": ("1. Wasm only on the edge", {"control": "wasm", "decode": "wasm", "guard": "wasm",
                                        "filter": "native", "analytics": "native"}, False),
    "s2": ("2. Wasm on edge and fog", {"control": "wasm", "decode": "wasm", "guard": "wasm",
                                       "filter": "wasm", "analytics": "native"}, False),
    "s3": ("3. Wasm everywhere", {"control": "wasm", "decode": "wasm", "guard": "wasm",
                                  "filter": "wasm", "analytics": "wasm"}, False),
    "s4": ("4. Common practice: Wasm edge acquires, native fog decides", {
        "control": "wasm", "decode": "wasm", "guard": "native", "filter": "native", "analytics": "native"}, True),
    "s5": ("5. Fully native", {"control": "native", "decode": "native", "guard": "native",
                               "filter": "native", "analytics": "native"}, False),
}
ORDER = ["s1", "s2", "s3", "s4", "s5"]

GUARD_STAGE = """[[nodes.stages]]
name = "guard"
module = "${modules}/%s"
grants = ["config", "serial:krc2", "emit:readings"]
inputs = { cycles = "%s" }
config = { points = "${sim.robot.point}", safety_mm = ${sim.robot.safety_mm} }
"""

# Strategy 4: the fog's end of the robot's stop line.
FOG_STOP_LINE = """[[nodes.devices]]
name = "krc2"
kind = "serial"
path = "${sim.robot.tty}"
baud = ${sim.robot.baud}
"""


def module_file(stage, runtime):
    name = STAGES[stage][0]
    return f"{name}.wasm" if runtime == "wasm" else f"lib{name}.so"


def placement(strategy):
    """[(node, stage, module, runtime)] of a strategy, for the report."""
    _, runtimes, guard_on_fog = STRATEGIES[strategy]
    rows = []
    for stage, (module, nodes, name) in STAGES.items():
        if stage == "guard" and guard_on_fog:
            nodes = "fog-1"
        for node in nodes.split(","):
            rows.append((node, name, module, runtimes[stage]))
    return rows


def runtime_of(strategy, stage):
    return STRATEGIES[strategy][1][stage]


def deployment(strategy, seed):
    """The deployment file's text for one strategy."""
    _, runtimes, guard_on_fog = STRATEGIES[strategy]
    with open(os.path.join(HERE, "template.toml")) as f:
        text = f.read()
    guard_file = module_file("guard", runtimes["guard"])
    fields = {
        "STRATEGY": strategy,
        "SEED": str(int(seed)),
        "CONTROL": module_file("control", runtimes["control"]),
        "DECODE": module_file("decode", runtimes["decode"]),
        "FILTER": module_file("filter", runtimes["filter"]),
        "ANALYTICS": module_file("analytics", runtimes["analytics"]),
        "GUARD_ON_EDGE": "" if guard_on_fog else GUARD_STAGE % (guard_file, "decode.cycles"),
        "GUARD_ON_FOG": GUARD_STAGE % (guard_file, "edge-robot-1/decode/cycles") if guard_on_fog else "",
        "FOG_DEVICES": FOG_STOP_LINE if guard_on_fog else "",
    }
    for key, value in fields.items():
        text = text.replace(f"@{key}@", value)
    if "@" in "".join(line for line in text.splitlines() if not line.lstrip().startswith("#")):
        raise ValueError(f"template.toml: an @FIELD@ was left unfilled for {strategy}")
    return text
