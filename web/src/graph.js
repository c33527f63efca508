// Data-flow graph page: cytoscape with ELK's layered layout, machines as
// groups, stages coloured by health, routes labelled with rates; refreshed
// on heartbeats and status changes. Click a stage for its actions, or drag it
// onto another machine to move it there.
import cytoscape from "cytoscape";
import elk from "cytoscape-elk";
import { api } from "./api.js";
import * as stream from "./stream.js";
import { el } from "./format.js";
import { graphElements, shapeOf } from "./graph_model.js";
import { openStageDialog } from "./stage_actions.js";

cytoscape.use(elk);

// A box as large as its label (11 px font): cytoscape no longer sizes by label.
const lines = (node) => String(node.data("label") || "").split("\n");
const labelWidth = (node) => Math.max(24, ...lines(node).map((line) => line.length * 6.6));
const labelHeight = (node) => lines(node).length * 14;

const STYLE = [
  { selector: "node", style: {
    label: "data(label)", "font-size": 11, "text-wrap": "wrap", "text-valign": "center", "text-halign": "center",
    "background-color": "data(colour)", color: "#fff", width: labelWidth, height: labelHeight, padding: "8px", shape: "round-rectangle",
  } },
  { selector: "node[kind = 'sensor'], node[kind = 'device']", style: { shape: "ellipse", "background-color": "#546e7a" } },
  { selector: "node[kind = 'actuator']", style: { shape: "diamond", "background-color": "#546e7a", padding: "14px" } },
  { selector: "node[kind = 'sink']", style: { shape: "barrel", "background-color": "#3949ab" } },
  { selector: "node[kind = 'machine']", style: {
    "background-color": "#eceff1", "background-opacity": 1, "border-width": 1, "border-color": "#90a4ae",
    color: "#263238", "text-valign": "top", "text-halign": "center", "font-size": 12, "font-weight": "bold", padding: "14px",
  } },
  { selector: "node[kind = 'machine'][state = 'offline']", style: { "border-style": "dashed", "background-color": "#f5f5f5", color: "#9e9e9e" } },
  { selector: "node.drop-target", style: { "border-width": 3, "border-color": "#1976d2" } },
  { selector: "edge", style: {
    width: 2, "curve-style": "bezier", "target-arrow-shape": "triangle", "line-color": "data(colour)", "target-arrow-color": "data(colour)",
    label: "data(label)", "font-size": 10, "text-background-color": "#fff", "text-background-opacity": 0.85, "text-background-padding": "2px",
  } },
  { selector: "edge[kind = 'device']", style: { "line-style": "dotted", width: 1.5 } },
  { selector: "edge[kind = 'ingest']", style: { "line-style": "dashed" } },
];

const LAYOUT = {
  name: "elk",
  nodeDimensionsIncludeLabels: true,
  fit: true,
  padding: 20,
  elk: {
    algorithm: "layered",
    "elk.direction": "RIGHT",
    "elk.hierarchyHandling": "INCLUDE_CHILDREN",
    "elk.layered.spacing.nodeNodeBetweenLayers": 70,
    "elk.spacing.nodeNode": 30,
    "elk.spacing.edgeNode": 20,
    // Keep the given order (machines edge -> fog -> cloud) where it costs no crossing.
    "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
    "elk.layered.nodePlacement.strategy": "NETWORK_SIMPLEX",
  },
};

let cy = null;
let shape = "";
let note = null;
let pending = null;

// The machine whose box contains the position, other than the stage's own.
function machineAt(position, except) {
  return cy.nodes("[kind = 'machine']").filter((machine) => {
    if (machine.id() === except) return false;
    const box = machine.boundingBox();
    return position.x >= box.x1 && position.x <= box.x2 && position.y >= box.y1 && position.y <= box.y2;
  })[0];
}

async function refresh() {
  let graph;
  try {
    graph = await api.get("/api/graph");
  } catch (error) {
    note.textContent = `graph: ${error.message}`;
    return;
  }
  note.textContent = "";
  const elements = graphElements(graph);
  const nextShape = shapeOf(elements);
  if (nextShape !== shape) {
    shape = nextShape;
    cy.elements().remove();
    cy.add(elements);
    cy.layout(LAYOUT).run();
  } else {
    for (const element of elements) cy.getElementById(element.data.id).data(element.data);
  }
  cy.container().dataset.stages = String(cy.nodes("[kind = 'stage']").length);
  cy.container().dataset.machines = String(cy.nodes("[kind = 'machine']").length);
}

function scheduleRefresh() {
  if (pending) return;
  pending = setTimeout(() => {
    pending = null;
    refresh();
  }, 1500);
}

export function mount(container) {
  note = el("p", { class: "muted" });
  const canvas = el("div", { id: "graph-canvas", class: "graph" });
  container.append(
    el("div", { class: "toolbar" }, el("h2", {}, "Data flow"),
      el("span", { class: "muted small" }, "Click a stage for its actions; drag it onto another machine to move it."),
      el("button", { class: "small", onclick: () => cy.layout(LAYOUT).run() }, "Re-arrange")),
    note, canvas,
    el("p", { class: "legend small" },
      ...[["ok", "#2ca02c"], ["warning", "#ff9800"], ["error", "#d62728"], ["offline", "#9e9e9e"]].map(([label, colour]) =>
        el("span", {}, el("i", { style: `background:${colour}` }), label))),
  );
  cy = cytoscape({ container: canvas, style: STYLE, minZoom: 0.2, maxZoom: 3 });
  // The graph is on the window for the end-to-end test and for debugging.
  window.continuumGraph = cy;

  cy.on("tap", "node[kind = 'stage']", (event) => {
    const data = event.target.data();
    openStageDialog(data.machine, data.stage || data.label);
  });
  let dragFrom = null;
  cy.on("grab", "node[kind = 'stage']", (event) => {
    dragFrom = event.target.position();
    dragFrom = { x: dragFrom.x, y: dragFrom.y };
  });
  cy.on("drag", "node[kind = 'stage']", (event) => {
    cy.nodes(".drop-target").removeClass("drop-target");
    const target = machineAt(event.target.position(), event.target.data("parent"));
    if (target) target.addClass("drop-target");
  });
  cy.on("free", "node[kind = 'stage']", (event) => {
    cy.nodes(".drop-target").removeClass("drop-target");
    const stage = event.target;
    const target = machineAt(stage.position(), stage.data("parent"));
    if (dragFrom) stage.position(dragFrom); // the node moves when the stage really ran there
    if (target) openStageDialog(stage.data("machine"), stage.data("stage") || stage.data("label"), { moveTo: target.data("machine") });
  });

  stream.on("heartbeat", scheduleRefresh);
  stream.on("status", scheduleRefresh);
  refresh();
  setInterval(refresh, 15000);
}

export function show() {
  if (cy) {
    cy.resize();
    cy.fit(undefined, 20);
  }
}
