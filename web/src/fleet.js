// The fleet as the pages see it: every node's /api/nodes object, kept up to
// date by heartbeat and status events, with a slow poll as a safety net for
// events dropped while the stream was down. Pages subscribe with onChange.
import { api } from "./api.js";
import * as stream from "./stream.js";

const nodes = new Map(); // id -> /api/nodes object
const listeners = new Set();
let pollTimer = null;

function changed() {
  for (const listener of listeners) listener(nodes);
}

export function onChange(listener) {
  listeners.add(listener);
  listener(nodes);
  return () => listeners.delete(listener);
}

export function allNodes() {
  return [...nodes.values()].sort((a, b) => tierRank(a.tier) - tierRank(b.tier) || a.id.localeCompare(b.id));
}

export function tierRank(tier) {
  return { cloud: 0, fog: 1, edge: 2 }[tier] ?? 3;
}

export function findStage(nodeId, stageName) {
  const node = nodes.get(nodeId);
  return node && (node.stages || []).find((stage) => stage.name === stageName);
}

// The module version a stage reports (heartbeat `module_version`; older
// agents send none).
export function versionOf(stage) {
  if (!stage) return undefined;
  return stage.module_version ?? (stage.module && stage.module.version) ?? (stage.counters && stage.counters.module_version);
}

export async function refresh() {
  const list = await api.get("/api/nodes");
  nodes.clear();
  for (const node of list || []) nodes.set(node.id, node);
  changed();
}

export function start() {
  stream.on("heartbeat", (node) => {
    if (!node || !node.id) return;
    nodes.set(node.id, node);
    changed();
  });
  stream.on("status", (status) => {
    const node = nodes.get(status.node);
    if (!node) return void refresh().catch(() => {});
    node.state = status.state;
    node.online = status.state === "online";
    changed();
  });
  refresh().catch(() => {});
  pollTimer = setInterval(() => refresh().catch(() => {}), 10000);
}

export function stop() {
  clearInterval(pollTimer);
}
