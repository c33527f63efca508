// Charts page: one uPlot chart per stored series that a chart kind recognises
// (chart_kinds.js) plus end-to-end latency percentiles; a time window picker.
// Each chart loads its window from /api/series and then takes new readings
// from the stream, trimming what falls out of the window.
import uPlot from "uplot";
import { api, query } from "./api.js";
import * as stream from "./stream.js";
import { el } from "./format.js";
import { SeriesBuffer } from "./series_buffer.js";
import { chartsFor } from "./chart_kinds.js";

const WINDOWS = [["1m", 60e3], ["5m", 300e3], ["15m", 900e3], ["1h", 3600e3]];
const PALETTE = ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#bcbd22", "#e377c2", "#7f7f7f"];

let windowMs = 300e3;
const charts = new Map(); // "node/stage" -> LiveChart

// Every chart's x axis is the chosen window ending now, in seconds: empty or
// young series do not stretch it to a meaningless range.
const X_SCALE = { time: true, range: () => [(Date.now() - windowMs) / 1000, Date.now() / 1000] };
let grid = null;
let status = null;

function seriesStyle(role, index) {
  const color = PALETTE[index % PALETTE.length];
  switch (role) {
    case "pump":
      return { stroke: "#ff7f0e", fill: "rgba(255,127,14,0.15)", scale: "pump", paths: uPlot.paths.stepped({ align: 1 }), width: 1, points: { show: false } };
    case "points":
      return { stroke: "#d62728", fill: "#d62728", paths: () => null, points: { show: true, size: 7, fill: "#d62728" } };
    case "limit":
      return { stroke: "#d62728", dash: [6, 4], width: 1, points: { show: false } };
    default:
      return { stroke: color, width: 1.5, points: { show: false } };
  }
}

class LiveChart {
  constructor({ kind, node, stage }) {
    this.kind = kind;
    this.node = node;
    this.stage = stage;
    this.safetyMm = kind.safetyMm;
    this.buffer = new SeriesBuffer([]);
    this.roles = new Map();
    this.plot = null;
    this.dirty = false;
    this.received = 0; // points taken from the stream (shown, and read by the e2e test)
    this.body = el("div", { class: "plot" });
    this.note = el("div", { class: "muted small" });
    this.card = el("div", { class: "card chart", dataset: { kind: kind.kind, node, stage } },
      el("h3", {}, kind.title(node, stage)), this.body, this.note);
  }

  take(ts, values) {
    let rebuilt = false;
    for (const [name, value, role] of this.kind.points(values, this)) {
      if (this.buffer.ensure(name)) {
        this.roles.set(name, role);
        rebuilt = true;
      }
      this.buffer.add(name, ts, value);
    }
    if (rebuilt) this.plot = null; // new series: the chart is made again
    this.dirty = true;
  }

  async load() {
    this.buffer.clear();
    try {
      const answer = await api.get(`/api/series?${query({ node: this.node, stage: this.stage, from: `-${windowMs}ms` })}`);
      for (const point of answer.points || []) this.take(point.ts, point.values || {});
      this.note.textContent = "";
    } catch (error) {
      this.note.textContent = `history not loaded: ${error.message}`;
    }
    this.dirty = true;
  }

  draw() {
    if (!this.dirty) return;
    this.dirty = false;
    this.buffer.trim(Date.now() - windowMs);
    const data = this.buffer.aligned();
    this.card.dataset.points = String(data[0].length);
    this.card.dataset.received = String(this.received);
    if (!this.plot) {
      this.body.replaceChildren();
      const width = Math.max(320, this.body.clientWidth || 600);
      const scales = { x: X_SCALE };
      if (this.kind.axes.some((axis) => axis.scale === "pump")) scales.pump = { range: [0, 4] }; // pump band in the lower quarter
      this.plot = new uPlot({
        width,
        height: 240,
        scales,
        series: [{}, ...this.buffer.names.map((name, i) => ({ label: name, spanGaps: true, ...seriesStyle(this.roles.get(name), i) }))],
        axes: [{}, ...this.kind.axes.map((axis) => axis.scale === "pump"
          // The pump band: off/on only, in the lower quarter of the plot.
          ? { label: axis.label, scale: "pump", side: 1, grid: { show: false }, splits: () => [0, 1], values: (u, splits) => splits.map((v) => (v ? "on" : "off")) }
          : { label: axis.label, scale: axis.scale, side: axis.side ?? 3 })],
        legend: { live: false },
      }, data, this.body);
    } else {
      this.plot.setData(data);
    }
  }
}

// End-to-end latency percentiles of the recent window, polled from /api/latency.
class LatencyChart {
  constructor() {
    this.buffer = new SeriesBuffer(["p50", "p95", "p99"]);
    this.body = el("div", { class: "plot" });
    this.note = el("div", { class: "muted small" });
    this.card = el("div", { class: "card chart", dataset: { kind: "latency" } },
      el("h3", {}, "End-to-end latency (recent window), ms"), this.body, this.note);
    this.plot = null;
  }

  async poll() {
    try {
      const latency = await api.get("/api/latency");
      const recent = latency.end_to_end && latency.end_to_end.recent;
      const now = Date.now();
      if (recent && recent.count > 0) {
        this.buffer.add("p50", now, recent.p50_ms);
        this.buffer.add("p95", now, recent.p95_ms);
        this.buffer.add("p99", now, recent.p99_ms);
        this.note.textContent = `n=${recent.count} in the last ${latency.window_s} s, max ${recent.max_ms} ms`;
      } else {
        this.note.textContent = "no reading stored in the recent window";
      }
    } catch (error) {
      this.note.textContent = `latency: ${error.message}`;
    }
    this.buffer.trim(Date.now() - windowMs);
    const data = this.buffer.aligned();
    this.card.dataset.points = String(data[0].length);
    if (!this.plot) {
      this.plot = new uPlot({
        width: Math.max(320, this.body.clientWidth || 600),
        height: 200,
        scales: { x: X_SCALE },
        // Points shown: polled every 2 s into a window of minutes, the first
        // samples sit in the last pixels of the axis and a bare line is invisible.
        series: [{}, ...["p50", "p95", "p99"].map((name, i) => ({ label: name, spanGaps: true, ...seriesStyle("line", i), points: { show: true, size: 4 } }))],
        axes: [{}, { label: "ms" }],
      }, data, this.body);
    } else {
      this.plot.setData(data);
    }
  }
}

async function discover() {
  let list;
  try {
    list = await api.get("/api/series/list");
  } catch (error) {
    status.textContent = `series: ${error.message}`;
    return;
  }
  const wanted = chartsFor(list);
  for (const spec of wanted) {
    const key = `${spec.node}/${spec.stage}`;
    if (charts.has(key)) continue;
    const chart = new LiveChart(spec);
    charts.set(key, chart);
    grid.append(chart.card);
    await chart.load();
  }
  status.textContent = wanted.length ? "" : "No stored series of a known kind yet (soil control, soil filter, collision guard).";
}

export function mount(container) {
  const picker = el("select", { id: "chart-window", onchange: async (event) => {
    windowMs = Number(event.target.value);
    for (const chart of charts.values()) await chart.load();
  } }, WINDOWS.map(([label, ms]) => el("option", { value: ms, selected: ms === windowMs }, label)));
  status = el("p", { class: "muted" });
  grid = el("div", { class: "charts" });
  const latency = new LatencyChart();
  container.append(el("div", { class: "toolbar" }, el("h2", {}, "Live charts"), el("label", {}, "window ", picker)), status, latency.card, grid);

  stream.on("reading", (reading) => {
    const chart = charts.get(`${reading.node}/${reading.stage}`);
    if (!chart) return;
    chart.take(reading.ts, reading.values || {});
    chart.received += 1;
  });
  // Events the server had to drop for this page (a slow client), or a
  // reconnect: the charts reload their window from the store.
  const reload = () => { for (const chart of charts.values()) chart.load(); };
  stream.on("dropped", reload);
  let wasOpen = true;
  stream.on("connection", ({ open }) => {
    if (open && !wasOpen) reload();
    wasOpen = open;
  });
  discover();
  setInterval(discover, 15000); // a stage that moved or a new deployment gets its chart
  setInterval(() => latency.poll(), 2000);
  latency.poll();
  const frame = () => {
    if (!container.hidden) for (const chart of charts.values()) chart.draw();
  };
  setInterval(frame, 500);
}
