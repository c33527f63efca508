// The sources a stage input can be routed to (the dialog's "Change route"):
// every output the fleet knows of, from the heartbeats: the ports stages
// publish by name, and every source some stage's inputs already name. Written
// as the stage on NODE_ID would name them: "stage.port" on its own node,
// "node/stage/port" elsewhere (docs/node-config.md, `inputs`).

// "node/stage/port" for a source as written in node OWNER's config.
function absolute(owner, text) {
  if (text.includes("/")) return text;
  const dot = text.indexOf(".");
  return dot > 0 ? `${owner}/${text.slice(0, dot)}/${text.slice(dot + 1)}` : null;
}

// How the stage on NODE_ID names the output "node/stage/port".
export function relativeTo(nodeId, full) {
  const [node, stage, port] = full.split("/");
  return node === nodeId ? `${stage}.${port}` : full;
}

// Outputs seen since the page loaded: a source unticked from the only input
// that named it (a port published with `publish = true` is named nowhere
// else) stays on offer, so a route can be put back.
const seen = new Set();

// NODES: /api/nodes objects. Returns the sorted, distinct choices for a
// stage STAGE_NAME on NODE_ID (its own outputs left out: no loops).
export function knownOutputs(nodes, nodeId, stageName) {
  const outputs = new Set();
  for (const node of nodes) {
    for (const stage of node.stages || []) {
      if (stage.state === "moved") continue; // its new node reports it
      for (const port of stage.publish || []) if (port !== "*") outputs.add(`${stage.publisher || node.id}/${stage.name}/${port}`);
      for (const sources of Object.values(stage.inputs || {}))
        for (const text of sources) {
          const full = absolute(node.id, text);
          if (full) outputs.add(full);
        }
    }
  }
  for (const full of outputs) seen.add(full);
  return [...seen]
    .filter((full) => full.split("/")[1] !== stageName || full.split("/")[0] !== nodeId)
    .map((full) => relativeTo(nodeId, full))
    .sort();
}
