// /api/graph (docs/api.md) as cytoscape elements: machines become compound
// parents, their sensors, stages, actuators, devices and sinks the children,
// routes the edges labelled with rates. Pure, so the page only draws.

export const HEALTH_COLOURS = { ok: "#2ca02c", warning: "#ff9800", error: "#d62728", offline: "#9e9e9e", unknown: "#9e9e9e" };

function rateLabel(rate) {
  if (rate === undefined || rate === null) return "";
  return `${rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)}/s`;
}

export function graphElements(graph) {
  const elements = [];
  const machines = new Set();
  // Sources first: edge machines, then fog, then cloud (the layout keeps this order).
  const rank = { edge: 0, fog: 1, cloud: 2 };
  const ordered = [...(graph.machines || [])].sort((a, b) => (rank[a.tier] ?? 3) - (rank[b.tier] ?? 3) || a.id.localeCompare(b.id));
  for (const machine of ordered) {
    machines.add(machine.id);
    elements.push({ group: "nodes", data: {
      id: `machine:${machine.id}`, label: `${machine.id} (${machine.tier || "?"})`, kind: "machine",
      machine: machine.id, state: machine.state || "unknown",
    } });
  }
  for (const node of graph.nodes || []) {
    // A route from a machine no heartbeat told about yet: give it a parent too.
    if (node.machine && !machines.has(node.machine)) {
      machines.add(node.machine);
      elements.push({ group: "nodes", data: { id: `machine:${node.machine}`, label: `${node.machine} (?)`, kind: "machine", machine: node.machine, state: "unknown" } });
    }
    const health = node.kind === "stage" ? node.health || "unknown" : "";
    const details = node.kind === "stage" && node.module_version ? `\nv${node.module_version}` : "";
    elements.push({ group: "nodes", data: {
      ...node,
      parent: node.machine ? `machine:${node.machine}` : undefined,
      label: `${node.label}${details}`,
      colour: node.kind === "stage" ? HEALTH_COLOURS[health] || HEALTH_COLOURS.unknown : "#607d8b",
    } });
  }
  for (const edge of graph.edges || []) {
    const rate = rateLabel(edge.rate_per_s);
    const port = edge.kind === "route" && edge.port ? `${edge.port} ` : "";
    elements.push({ group: "edges", data: {
      ...edge,
      label: `${port}${rate}`.trim(),
      colour: HEALTH_COLOURS[edge.health] || "#90a4ae",
    } });
  }
  return elements;
}

// A stable signature of the graph's shape: a new layout only when it changes,
// so rates and colours update in place without the picture jumping around.
export function shapeOf(elements) {
  return elements.map((element) => `${element.data.id}<${element.data.parent || ""}`).sort().join("|");
}
