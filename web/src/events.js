// Events page: the fleet's events log (/api/events), newest first, kept live
// by the stream's `log` events; filter by severity. Also the source of the
// header's badge of unseen errors.
import { api, query } from "./api.js";
import * as stream from "./stream.js";
import { el, clock } from "./format.js";

const MAX_SHOWN = 500;
let list = null;
let filter = "all";
const seen = new Set();

function row(event) {
  return el("li", { class: `event ${event.severity || "info"}`, dataset: { kind: event.kind, id: event.id } },
    el("time", {}, clock(event.ts_ms)),
    el("span", { class: "kind" }, event.kind),
    el("span", { class: "where" }, [event.node, event.stage].filter(Boolean).join("/")),
    el("span", { class: "message" }, event.message || ""));
}

function add(event) {
  if (!event || seen.has(event.id)) return;
  seen.add(event.id);
  const item = row(event);
  item.hidden = filter !== "all" && event.severity !== filter;
  list.prepend(item);
  while (list.children.length > MAX_SHOWN) list.lastElementChild.remove();
}

async function load() {
  try {
    const answer = await api.get(`/api/events?${query({ limit: 200 })}`);
    for (const event of answer.events || []) add(event);
  } catch (error) {
    list.prepend(el("li", { class: "event error" }, `events: ${error.message}`));
  }
}

export function mount(container) {
  list = el("ul", { id: "events-list", class: "events" });
  const picker = el("select", { onchange: (event) => {
    filter = event.target.value;
    for (const item of list.children) item.hidden = filter !== "all" && !item.classList.contains(filter);
  } }, ["all", "error", "warning", "info"].map((value) => el("option", { value }, value)));
  container.append(el("div", { class: "toolbar" }, el("h2", {}, "Events"), el("label", {}, "severity ", picker)), list);
  stream.on("log", add);
  load();
}
