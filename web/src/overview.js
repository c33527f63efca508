// Overview page: every node (tier, online/offline, last seen, engine and
// version, CPU, memory, outbox) and every stage (version, state, rate, fuel,
// traps, restarts), live from the fleet model; a stage row opens its actions.
import * as fleet from "./fleet.js";
import { el, number, count, kilobytes, age } from "./format.js";
import { openStageDialog } from "./stage_actions.js";

export function mount(container) {
  const nodesBody = el("tbody");
  const stagesBody = el("tbody");
  container.append(
    el("h2", {}, "Nodes"),
    el("table", { class: "grid", id: "nodes-table" },
      el("thead", {}, el("tr", {},
        ["node", "tier", "state", "last seen", "engine", "version", "CPU", "memory", "outbox"].map((h) => el("th", {}, h)))),
      nodesBody),
    el("h2", {}, "Stages"),
    el("table", { class: "grid", id: "stages-table" },
      el("thead", {}, el("tr", {},
        ["node", "stage", "module", "state", "in/s", "out/s", "fuel used", "traps", "restarts", ""].map((h) => el("th", {}, h)))),
      stagesBody),
  );

  fleet.onChange(() => {
    const nodes = fleet.allNodes();
    nodesBody.replaceChildren(...nodes.map((node) => el("tr", { dataset: { node: node.id } },
      el("td", {}, node.id),
      el("td", {}, node.tier || "–"),
      el("td", {}, el("span", { class: `state ${node.online ? "ok" : "bad"}` }, node.state || "unknown")),
      el("td", {}, age(node.last_seen_age_s)),
      el("td", {}, node.engine || "–"),
      el("td", {}, node.version || "–"),
      el("td", { class: "num" }, node.cpu_percent === null || node.cpu_percent === undefined ? "–" : `${number(node.cpu_percent, 1)} %`),
      el("td", { class: "num" }, kilobytes(node.rss_kb)),
      el("td", { class: "num" }, node.outbox ? `${node.outbox.depth ?? "–"}${node.outbox.overflow ? ` (${node.outbox.overflow} lost)` : ""}` : "–"),
    )));
    if (nodes.length === 0) nodesBody.replaceChildren(el("tr", {}, el("td", { colspan: 9, class: "muted" }, "No node has reported yet.")));

    const rows = [];
    for (const node of nodes) {
      for (const stage of node.stages || []) {
        const counters = stage.counters || {};
        const rates = stage.rates || {};
        const healthy = stage.state === "running" && node.online;
        // A stage that moved away runs elsewhere now: neither healthy nor failing here.
        const look = stage.state === "moved" ? "gone" : healthy ? "ok" : "bad";
        rows.push(el("tr", { dataset: { node: node.id, stage: stage.name } },
          el("td", {}, node.id),
          el("td", {}, stage.name),
          el("td", {}, [stage.module && stage.module.name, fleet.versionOf(stage)].filter(Boolean).join(" ") || "–"),
          el("td", {}, el("span", { class: `state ${look}` }, stage.state || "–")),
          el("td", { class: "num" }, number(rates.in_per_s, 2)),
          el("td", { class: "num" }, number(rates.out_per_s, 2)),
          el("td", { class: "num" }, count(counters.fuel_used)),
          el("td", { class: "num" }, count(counters.traps)),
          el("td", { class: "num" }, count(counters.restarts)),
          el("td", {}, el("button", { class: "small", onclick: () => openStageDialog(node.id, stage.name) }, "Actions…")),
        ));
      }
    }
    if (rows.length === 0) rows.push(el("tr", {}, el("td", { colspan: 10, class: "muted" }, "No stage reported yet.")));
    stagesBody.replaceChildren(...rows);
  });
}
