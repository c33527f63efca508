// Modules page: the registry (/api/modules): every module with version, size,
// signing key and required grants; upload a signed .wasm; deploy one to a stage.
import { api } from "./api.js";
import * as fleet from "./fleet.js";
import { el, clock } from "./format.js";
import { deployModule } from "./stage_actions.js";

let body = null;
let note = null;
let log = null;

// Every stage as a deploy target; the stages running this module's name first
// (a node installs only a higher version of the module a stage runs).
function stageOptions(module) {
  const runs = [];
  const others = [];
  for (const node of fleet.allNodes())
    for (const stage of node.stages || []) {
      const same = stage.module && stage.module.name === module.name;
      (same ? runs : others).push(el("option", { value: `${node.id}/${stage.name}` },
        `${node.id} / ${stage.name}${same ? ` (runs ${stage.module.version || "it"})` : ""}`));
    }
  return [...runs, ...others];
}

async function refresh() {
  let modules;
  try {
    modules = await api.get("/api/modules");
  } catch (error) {
    note.textContent = error.status === 404 ? "This cloud node has no module registry ([registry] section)." : `modules: ${error.message}`;
    return;
  }
  note.textContent = modules.length ? "" : "No module registered yet.";
  body.replaceChildren(...modules.map((module) => {
    const target = el("select", {}, stageOptions(module));
    return el("tr", { dataset: { sha256: module.sha256, name: module.name, version: module.version } },
      el("td", {}, module.name), el("td", {}, module.version), el("td", { class: "num" }, module.size),
      el("td", { class: "mono" }, `${module.sha256.slice(0, 12)}…`), el("td", { class: "mono" }, module.key_id || "–"),
      el("td", {}, (module.required_grants || []).join(", ")), el("td", {}, clock(module.added_ms)),
      el("td", {}, target, " ", el("button", { class: "small", onclick: async () => {
        const [nodeId, stageName] = target.value.split("/");
        await deployModule(log, nodeId, stageName, async () => ({ ...module, added: false }));
      } }, "Deploy")));
  }));
}

export function mount(container) {
  body = el("tbody");
  note = el("p", { class: "muted" });
  log = el("div", { class: "action-log" });
  const file = el("input", { type: "file", id: "upload-file", accept: ".wasm,application/wasm" });
  const upload = el("button", { id: "upload-button", onclick: async () => {
    if (!file.files[0]) return;
    try {
      const module = await api.post("/api/modules", { body: file.files[0], contentType: "application/wasm" });
      log.prepend(el("p", { class: "ok" }, `${module.added ? "registered" : "already registered"}: ${module.name} ${module.version}`));
    } catch (error) {
      log.prepend(el("p", { class: "error" }, `refused: ${error.message}${error.reason ? ` [${error.reason}]` : ""}`));
    }
    refresh();
  } }, "Upload");
  container.append(
    el("div", { class: "toolbar" }, el("h2", {}, "Module registry"), el("button", { class: "small", onclick: refresh }, "Refresh")),
    el("p", {}, "Upload a signed module: ", file, " ", upload),
    note,
    el("table", { class: "grid", id: "modules-table" },
      el("thead", {}, el("tr", {}, ["name", "version", "bytes", "sha256", "key", "required grants", "added", "deploy to"].map((h) => el("th", {}, h)))),
      body),
    log,
  );
  refresh();
}

export function show() {
  if (body) refresh();
}
