// The dashboard's pure logic under Node's test runner (no browser): how
// readings become chart series, which charts the stored series call for, the
// AssemblyScript compiler's diagnostics, /api/graph as cytoscape elements,
// and the code page's template compiled by the real compiler into a module
// with the host interface's exports and imports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SeriesBuffer, valueOf, truth } from "../../web/src/series_buffer.js";
import { chartsFor, CHART_KINDS } from "../../web/src/chart_kinds.js";
import { parseDiagnostics } from "../../web/src/compile_errors.js";
import { graphElements, shapeOf } from "../../web/src/graph_model.js";
import { MODULE_TEMPLATE, COMPILE_OPTIONS } from "../../web/src/module_template.js";
import { knownOutputs } from "../../web/src/route_choices.js";

const web = resolve(dirname(fileURLToPath(import.meta.url)), "../../web");

test("series buffer aligns series on one time axis, in order, trimmed to the window", () => {
  const buffer = new SeriesBuffer([]);
  assert.equal(buffer.ensure("a"), true);
  assert.equal(buffer.ensure("a"), false);
  buffer.ensure("b");
  buffer.add("a", 2000, 1);
  buffer.add("b", 3000, 5);
  buffer.add("a", 1000, 0); // out of order: inserted in place
  assert.equal(buffer.add("b", 4000, null), false);
  assert.equal(buffer.add("unknown", 4000, 1), false);
  assert.deepEqual(buffer.aligned(), [[1, 2, 3], [0, 1, null], [null, null, 5]]);
  buffer.trim(2000);
  assert.deepEqual(buffer.aligned(), [[2, 3], [1, null], [null, 5]]);
  assert.equal(buffer.count(), 2);
});

test("values by dotted name, flattened or nested; truth of booleans", () => {
  assert.equal(valueOf({ "d.0": 5 }, "d.0"), 5);
  assert.equal(valueOf({ d: [7, 8] }, "d.1"), 8);
  assert.equal(valueOf({ a: { b: 1 } }, "a.b"), 1);
  assert.equal(valueOf({ a: 1 }, "a.b"), undefined);
  assert.deepEqual([true, false, 1, 0, "true", "on", null].map(truth), [1, 0, 1, 0, 1, undefined, undefined]);
});

test("charts follow the fields a stage stores, not its node or name", () => {
  const list = [
    { node: "edge-soil-1", stage: "control", field: "value" },
    { node: "edge-soil-1", stage: "control", field: "on" },
    { node: "edge-soil-2", stage: "filter", field: "ema" },
    { node: "edge-soil-2", stage: "filter", field: "outlier" },
    { node: "edge-robot-1", stage: "guard", field: "d.0" },
    { node: "edge-robot-1", stage: "guard", field: "min" },
    { node: "cloud-1", stage: "analytics", field: "mean" },
  ];
  assert.deepEqual(chartsFor(list).map((c) => `${c.kind.kind} ${c.node}/${c.stage}`),
    ["soil edge-soil-1/control", "filter edge-soil-2/filter", "robot edge-robot-1/guard"]);
});

test("a soil reading gives its probe, a pump message the pump band", () => {
  const soil = CHART_KINDS.find((kind) => kind.kind === "soil");
  assert.deepEqual(soil.points({ sensor: "soil-1", value: 31.5, status: "ok" }), [["soil-1", 31.5, "line"]]);
  assert.deepEqual(soil.points({ sensor: "soil-2", value: null, status: "missing" }), []);
  assert.deepEqual(soil.points({ pump: "pump-1", on: true, reason: "low" }), [["pump pump-1", 1, "pump"]]);
  const robot = CHART_KINDS.find((kind) => kind.kind === "robot");
  assert.deepEqual(robot.points({ d: [686, 3275.1], min: 686, stop: true }, { safetyMm: 1000 }),
    [["point 0", 686, "line"], ["point 1", 3275.1, "line"], ["safety 1000 mm", 1000, "limit"], ["stops", 686, "points"]]);
});

test("compiler diagnostics give message, code and line", () => {
  const text = "ERROR TS2304: Cannot find name 'tickz'.\n    :\n 53 │ ++tickz;\n    │   ~~~~~\n    └─ in module.ts(53,5)\n\n" +
    "WARNING AS201: Conversion from type 'f64' to 'i32' will require an explicit cast.\n    └─ in module.ts(7,12)\n\nFAILURE 1 compile error(s)\n";
  assert.deepEqual(parseDiagnostics(text), [
    { severity: "error", code: "TS2304", message: "Cannot find name 'tickz'.", line: 53, column: 5 },
    { severity: "warning", code: "AS201", message: "Conversion from type 'f64' to 'i32' will require an explicit cast.", line: 7, column: 12 },
  ]);
  assert.deepEqual(parseDiagnostics(""), []);
});

test("the graph groups stages by machine and labels routes with rates", () => {
  const graph = {
    machines: [{ id: "edge-1", tier: "edge", state: "online" }],
    nodes: [
      { id: "edge-1/stage/control", kind: "stage", machine: "edge-1", label: "control", health: "warning", module_version: "1.0.0" },
      { id: "fog-9/stage/filter", kind: "stage", machine: "fog-9", label: "filter", health: "offline" },
    ],
    edges: [{ id: "e1", source: "edge-1/stage/control", target: "fog-9/stage/filter", kind: "route", port: "readings", rate_per_s: 2, health: "ok" }],
  };
  const elements = graphElements(graph);
  const byId = new Map(elements.map((element) => [element.data.id, element.data]));
  assert.equal(byId.get("edge-1/stage/control").parent, "machine:edge-1");
  assert.equal(byId.get("edge-1/stage/control").label, "control\nv1.0.0");
  assert.equal(byId.get("edge-1/stage/control").colour, "#ff9800");
  assert.equal(byId.get("machine:fog-9").state, "unknown"); // a machine only a route names
  assert.equal(byId.get("e1").label, "readings 2.0/s");
  const moved = graphElements({ ...graph, nodes: [{ ...graph.nodes[0] }, { ...graph.nodes[1], machine: "edge-1" }] });
  assert.notEqual(shapeOf(moved), shapeOf(elements));
  assert.equal(shapeOf(graphElements(graph)), shapeOf(elements));
});

const asc = join(web, "node_modules/assemblyscript/dist/asc.js");
test("the code page's template compiles to a stage module", { skip: !existsSync(asc) && "web/node_modules missing" }, async () => {
  const { default: compiler } = await import(asc);
  const result = await compiler.compileString({ "module.ts": MODULE_TEMPLATE }, COMPILE_OPTIONS);
  assert.equal(result.error, null, result.stderr.toString());
  const module = await WebAssembly.compile(result.binary);
  const exports = WebAssembly.Module.exports(module).map((e) => `${e.name}:${e.kind}`).sort();
  assert.deepEqual(exports, ["ctm_alloc:function", "ctm_init:function", "ctm_on_message:function", "ctm_on_tick:function", "memory:memory"]);
  const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`).sort();
  assert.deepEqual(imports, ["continuum.emit"]); // log is declared but unused: optimised away
  // Run it as the host would: two ticks, one message, each emitting its counts.
  const emitted = [];
  let memory;
  const instance = await WebAssembly.instantiate(module, { continuum: {
    emit: (port, portLen, payload, payloadLen) => {
      const bytes = new Uint8Array(memory.buffer);
      emitted.push([Buffer.from(bytes.slice(port, port + portLen)).toString(), Buffer.from(bytes.slice(payload, payload + payloadLen)).toString()]);
      return 0;
    },
  } });
  memory = instance.exports.memory;
  assert.equal(instance.exports.ctm_init(), 0);
  assert.equal(instance.exports.ctm_on_tick(1000n), 0);
  const inbox = instance.exports.ctm_alloc(10);
  assert.notEqual(inbox, 0);
  assert.equal(instance.exports.ctm_alloc(1 << 20), 0);
  assert.equal(instance.exports.ctm_on_message(inbox, 2, inbox + 2, 8), 0);
  assert.equal(instance.exports.ctm_on_tick(2000n), 0);
  assert.deepEqual(emitted, [["out", '{"tick":1,"inputs":0}'], ["out", '{"tick":2,"inputs":1}']]);
});

test("a wrong module gives an error at its line", { skip: !existsSync(asc) && "web/node_modules missing" }, async () => {
  const { default: compiler } = await import(asc);
  const result = await compiler.compileString({ "module.ts": MODULE_TEMPLATE.replace("++ticks;", "++tickz;") }, COMPILE_OPTIONS);
  assert.notEqual(result.error, null);
  const [first] = parseDiagnostics(result.stderr.toString());
  const line = MODULE_TEMPLATE.split("\n").findIndex((text) => text.includes("++ticks;")) + 1;
  assert.equal(first.line, line);
  assert.match(first.message, /Cannot find name 'tickz'/);
});

test("change route offers the fleet's known outputs as the stage names them, without its own", () => {
  const nodes = [
    { id: "edge-1", stages: [{ name: "control", publish: ["readings", "pump"] }] },
    { id: "edge-2", stages: [{ name: "control", publish: ["*"] }] },
    { id: "fog-1", stages: [
      { name: "filter", publish: ["filtered"], inputs: { readings: ["edge-1/control/readings", "edge-2/control/readings"] } },
      { name: "alarm", inputs: { levels: ["filter.filtered"] } },
      { name: "old", state: "moved", publish: ["gone"] },
    ] },
  ];
  assert.deepEqual(knownOutputs(nodes, "fog-1", "filter"),
    ["edge-1/control/pump", "edge-1/control/readings", "edge-2/control/readings"]);
  assert.deepEqual(knownOutputs(nodes, "fog-1", "alarm"),
    ["edge-1/control/pump", "edge-1/control/readings", "edge-2/control/readings", "filter.filtered"]);
  assert.deepEqual(knownOutputs(nodes, "edge-1", "control"), ["edge-2/control/readings", "fog-1/filter/filtered"]);
  // Unticked from the only input naming it, an output stays on offer (to put the route back).
  assert.ok(knownOutputs([{ id: "fog-1", stages: [] }], "fog-1", "filter").includes("edge-2/control/readings"));
});
