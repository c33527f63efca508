// Which charts the stored series call for, and how a reading becomes chart
// points. A kind is recognised by the fields a (node, stage) stores
// (/api/series/list), not by node or stage names, so a chart follows a stage
// that moved to another node and works for any deployment of the modules.
import { valueOf, truth } from "./series_buffer.js";

const SAFETY_MM_DEFAULT = 1000; // collision-guard's default safety_mm (modules/collision-guard)

export const CHART_KINDS = [
  {
    // irrigation-control: readings {sensor, value, status} and pump {on, reason}
    kind: "soil",
    matches: (fields) => fields.has("value") && fields.has("on"),
    title: (node, stage) => `Soil moisture, ${node} (${stage}): probes and pump`,
    axes: [{ label: "moisture %", scale: "y" }, { label: "pump", scale: "pump", side: 1 }],
    points(values) {
      const out = [];
      if (values.sensor !== undefined && typeof valueOf(values, "value") === "number" && values.status !== "missing")
        out.push([`${values.sensor}`, valueOf(values, "value"), "line"]);
      const on = truth(valueOf(values, "on"));
      if (on !== undefined) out.push([`pump ${values.pump || ""}`.trim(), on, "pump"]);
      return out;
    },
  },
  {
    // soil-filter: filtered {field, sensor, ema, outlier, ...}
    kind: "filter",
    matches: (fields) => fields.has("ema") && (fields.has("outlier") || fields.has("z")),
    title: (node, stage) => `Smoothed soil moisture and anomalies, ${node} (${stage})`,
    axes: [{ label: "moisture %", scale: "y" }],
    points(values) {
      if (values.sensor === undefined) return [];
      const key = `${values.field ?? ""}/${values.sensor}`;
      const out = [];
      const ema = valueOf(values, "ema");
      if (typeof ema === "number") out.push([`${key} smoothed`, ema, "line"]);
      if (truth(valueOf(values, "outlier")) === 1 && typeof valueOf(values, "value") === "number")
        out.push(["anomalies", valueOf(values, "value"), "points"]);
      return out;
    },
  },
  {
    // collision-guard: readings {tip, d: [per point], min, unsafe, stop}
    kind: "robot",
    matches: (fields) => fields.has("d.0") && fields.has("min"),
    title: (node, stage) => `Robot tool distance to each point, ${node} (${stage})`,
    axes: [{ label: "distance mm", scale: "y" }],
    points(values, chart) {
      const out = [];
      for (let i = 0; i < 16; ++i) {
        const d = valueOf(values, `d.${i}`);
        if (typeof d !== "number") break;
        out.push([`point ${i}`, d, "line"]);
      }
      out.push([`safety ${chart.safetyMm} mm`, chart.safetyMm, "limit"]);
      if (truth(valueOf(values, "stop")) === 1 && typeof valueOf(values, "min") === "number")
        out.push(["stops", valueOf(values, "min"), "points"]);
      return out;
    },
    safetyMm: SAFETY_MM_DEFAULT,
  },
];

// [{kind, node, stage}] for the stored series, in a stable order.
export function chartsFor(seriesList) {
  const fieldsOf = new Map(); // "node\u0000stage" -> Set(field)
  for (const { node, stage, field } of seriesList || []) {
    const key = `${node}\u0000${stage}`;
    if (!fieldsOf.has(key)) fieldsOf.set(key, new Set());
    fieldsOf.get(key).add(field);
  }
  const charts = [];
  for (const kind of CHART_KINDS) {
    for (const [key, fields] of [...fieldsOf.entries()].sort()) {
      if (!kind.matches(fields)) continue;
      const [node, stage] = key.split("\u0000");
      charts.push({ kind, node, stage });
    }
  }
  return charts;
}
