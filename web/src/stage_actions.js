// The stage dialog: move a stage to another node, change a route (which
// outputs feed one of its inputs), deploy a new version (a
// signed .wasm uploaded to the registry, then the stage's deploy route), roll
// back; each shows its steps as they happen (progress.js) and the server's
// reason when something is refused or fails. Used from the overview's rows
// and the graph (click, or drag onto another machine).
import { api, ApiError, query } from "./api.js";
import * as fleet from "./fleet.js";
import { el } from "./format.js";
import { ProgressView, outcomeOf } from "./progress.js";
import { knownOutputs } from "./route_choices.js";

const dialog = () => document.getElementById("stage-dialog");

// Progress and log events name the stage they are about.
function forStage(stage) {
  return (event) => event.stage === stage;
}

function explain(error) {
  if (error instanceof ApiError && error.status === 404 && /no such endpoint|unknown endpoint/i.test(error.message))
    return `${error.message} (this cloud node has no such route yet)`;
  return error.reason ? `${error.message} [${error.reason}]` : error.message;
}

// Waits for the end of an operation: `test()` holding in the fleet model
// (heartbeats), or a final step from the stream that `final(event)` accepts
// ("done"/"failed"), or the time running out. Resolves to {ok, why}.
function waitForEnd(progress, { test, final, timeoutMs }) {
  return new Promise((resolve) => {
    const stops = [];
    const end = (result) => {
      for (const stop of stops) stop();
      resolve(result);
    };
    const timer = setTimeout(() => end({ ok: false, why: "timeout" }), timeoutMs);
    stops.push(() => clearTimeout(timer));
    stops.push(fleet.onChange(() => {
      if (test()) queueMicrotask(() => end({ ok: true, why: "fleet" }));
    }));
    stops.push(progress.onEvent((event, name) => {
      const outcome = final ? final(event, name) : "";
      if (outcome === "done") end({ ok: true, why: "event" });
      else if (outcome === "failed") end({ ok: false, why: "failed" });
    }));
  });
}

// A box in the log for one action (its steps in order), newest action first.
function newAction(log) {
  const action = el("div", { class: "action" });
  log.prepend(action);
  return action;
}

// Runs one action: the POST, then its progress until `done` says so.
async function run(container, title, stage, post, done) {
  const progress = new ProgressView(title, forStage(stage));
  container.append(progress.element);
  progress.note("requested");
  let answer;
  try {
    answer = await post();
  } catch (error) {
    progress.note(`refused: ${explain(error)}`, "bad");
    progress.close();
    return false;
  }
  const id = answer && (answer.id || answer.operation);
  progress.note(`accepted${id ? ` (${id})` : ""}`, "ok");
  // From now on only this operation's steps (another deploy of the same stage may run).
  if (id) progress.matches = (event, name) => (name === "log" ? event.stage === stage : event.id === id || event.operation === id);
  // The answer's per-node states, unless the stream was faster and told more already.
  for (const step of (answer && (answer.targets || answer.steps)) || []) if (!progress.seen(step.node)) progress.step(step);
  for (const skipped of (answer && answer.skipped) || []) progress.note(`${skipped.node} skipped: ${skipped.state}`, "bad");
  const summary = done && done.describe && answer ? done.describe(answer) : "";
  if (summary) progress.note(summary, "ok");
  if (!done) {
    progress.close();
    return true;
  }
  const timeoutMs = done.timeoutMs || 60000;
  const { ok, why } = await waitForEnd(progress, { ...done, timeoutMs });
  if (ok) progress.note(done.success, "ok");
  else if (why === "timeout") progress.note(`${done.timeoutText} (no confirmation within ${timeoutMs / 1000} s)`, "bad");
  else progress.note(`failed: ${done.failureText}`, "bad");
  progress.close();
  return ok;
}

function section(title, ...children) {
  return el("fieldset", {}, el("legend", {}, title), ...children);
}

export function openStageDialog(nodeId, stageName, { moveTo } = {}) {
  const node = fleet.allNodes().find((candidate) => candidate.id === nodeId);
  const stage = fleet.findStage(nodeId, stageName) || { name: stageName };
  const log = el("div", { class: "action-log", id: "action-log" });

  const targets = fleet.allNodes().filter((candidate) => candidate.id !== nodeId);
  const moveSelect = el("select", { id: "move-target" }, targets.map((candidate) =>
    el("option", { value: candidate.id, selected: candidate.id === moveTo, disabled: !candidate.online },
      `${candidate.id} (${candidate.tier || "?"}${candidate.online ? "" : ", offline"})`)));
  const moveButton = el("button", { id: "move-button", onclick: async () => {
    const to = moveSelect.value;
    if (!to) return;
    moveButton.disabled = true;
    await run(newAction(log), `Move ${stageName}: ${nodeId} → ${to}`, stageName,
      // {"to"} is the route's body; the node it runs on now goes as ?from= (a stage name
      // can exist on several nodes).
      () => api.post(`/api/stages/${encodeURIComponent(stageName)}/move?${query({ from: nodeId })}`, { json: { to } }),
      {
        test: () => {
          const moved = fleet.findStage(to, stageName);
          return moved && moved.state === "running";
        },
        // A failure step ends it; success is only the stage seen running there.
        final: (event) => (outcomeOf(event) === "failed" ? "failed" : ""),
        // The source's account of the move (docs/api.md, POST /api/stages/<stage>/move).
        describe: (answer) => (typeof answer.unavailable_ms === "number"
          ? `${answer.state || "moved"} to ${answer.to || to}: unavailable ${answer.unavailable_ms.toFixed(1)} ms` +
            ` (snapshot ${answer.snapshot_bytes ?? "?"} bytes, ${answer.pending_inputs ?? 0} pending inputs, ${answer.runtime || "wasm"})`
          : ""),
        success: `${stageName} is running on ${to}`,
        failureText: `${stageName} was not moved to ${to}`,
        timeoutText: `${stageName} not seen running on ${to}`,
      });
    moveButton.disabled = false;
  } }, "Move");

  const fileInput = el("input", { type: "file", id: "deploy-file", accept: ".wasm,application/wasm" });
  const deployButton = el("button", { id: "deploy-button", onclick: async () => {
    const file = fileInput.files && fileInput.files[0];
    if (!file) {
      log.prepend(el("p", { class: "error" }, "Choose a signed .wasm file first."));
      return;
    }
    deployButton.disabled = true;
    await deployModule(log, nodeId, stageName, () => api.post("/api/modules", { body: file, contentType: "application/wasm" }));
    deployButton.disabled = false;
  } }, "Upload and deploy");

  const rollbackButton = el("button", { id: "rollback-button", onclick: async () => {
    if (!confirm(`Roll ${stageName} on ${nodeId} back to its previous version?`)) return;
    rollbackButton.disabled = true;
    const before = fleet.versionOf(fleet.findStage(nodeId, stageName));
    await run(newAction(log), `Roll back ${stageName} on ${nodeId}`, stageName,
      () => api.post(`/api/stages/${encodeURIComponent(stageName)}/rollback`, { json: { nodes: [nodeId] } }),
      {
        test: () => {
          const now = fleet.findStage(nodeId, stageName);
          return now && now.state === "running" && fleet.versionOf(now) !== before;
        },
        // The rollout's "running" for this node ends it (the previous version
        // runs), "failed" with the reason; the log's ota-rolled-back is the
        // expected effect here, not a failure.
        final: (event, name) => (name === "rollout" && event.node === nodeId ? outcomeOf(event) : ""),
        success: `${stageName} on ${nodeId} runs its previous version`,
        failureText: `${stageName} on ${nodeId} was not rolled back`,
        timeoutText: `${stageName} on ${nodeId} not seen on another version than ${before || "the one it had"}`,
      });
    rollbackButton.disabled = false;
  } }, "Roll back");

  const routeSection = routeChooser(log, nodeId, stageName, stage);

  const counters = stage.counters || {};
  dialog().replaceChildren(
    el("div", { class: "dialog-head" },
      el("h3", {}, `${nodeId} / ${stageName}`),
      el("button", { class: "link", id: "dialog-close", onclick: () => dialog().close() }, "Close")),
    el("p", { class: "muted" },
      `${node ? node.tier : "?"} node, ${stage.state || "unknown state"}`,
      fleet.versionOf(stage) ? `, version ${fleet.versionOf(stage)}` : "",
      `, traps ${counters.traps ?? 0}, restarts ${counters.restarts ?? 0}`),
    section("Move to another node", moveSelect, " ", moveButton),
    routeSection,
    section("Deploy a new version (signed .wasm)", fileInput, " ", deployButton),
    section("Roll back to the previous version", rollbackButton),
    log,
  );
  if (!dialog().open) dialog().showModal();
}

// "Change route": choose one of the stage's inputs, tick the outputs that
// feed it (the fleet's known outputs, the current ones ticked), and the node
// rewires (POST /api/stages/<stage>/route); done once its heartbeat shows
// the new inputs. Until the node restarts (docs/api.md).
function routeChooser(log, nodeId, stageName, stage) {
  const ports = Object.keys(stage.inputs || {});
  if (!ports.length) return section("Change route", el("p", { class: "muted" }, "This stage has no inputs to route."));
  const inputSelect = el("select", { id: "route-input" }, ports.map((port) => el("option", { value: port }, port)));
  const boxes = el("div", { id: "route-sources", class: "route-sources" });
  const fill = () => {
    const current = new Set((stage.inputs || {})[inputSelect.value] || []);
    const choices = [...new Set([...knownOutputs(fleet.allNodes(), nodeId, stageName), ...current])].sort();
    boxes.replaceChildren(...choices.map((source) => el("label", { class: "route-source" },
      el("input", { type: "checkbox", value: source, checked: current.has(source) }), ` ${source}`)));
  };
  inputSelect.addEventListener("change", fill);
  fill();
  const routeButton = el("button", { id: "route-button", onclick: async () => {
    const input = inputSelect.value;
    const sources = [...boxes.querySelectorAll("input:checked")].map((box) => box.value);
    if (!sources.length) {
      log.prepend(el("p", { class: "error" }, "Tick at least one source (Stop the stage to pause it)."));
      return;
    }
    routeButton.disabled = true;
    const wanted = [...sources].sort().join(" ");
    await run(newAction(log), `Route ${stageName}.${input} on ${nodeId} from ${sources.join(", ")}`, stageName,
      () => api.post(`/api/stages/${encodeURIComponent(stageName)}/route`, { json: { node: nodeId, input, sources } }),
      {
        test: () => {
          const now = fleet.findStage(nodeId, stageName);
          return !!now && [...((now.inputs || {})[input] || [])].sort().join(" ") === wanted;
        },
        describe: (answer) => (answer.subscribed
          ? `rewired: ${answer.subscribed.length} subscribed, ${answer.unsubscribed.length} dropped` : ""),
        success: `${stageName} on ${nodeId} takes ${input} from ${sources.join(", ")}`,
        failureText: `${stageName} on ${nodeId} was not rerouted`,
        timeoutText: `the new route not seen in the heartbeat of ${nodeId}`,
      });
    routeButton.disabled = false;
  } }, "Change route");
  return section("Change route", "Input ", inputSelect, boxes, routeButton);
}

// Registers a module (the upload or the browser's sign request) and deploys it
// to STAGE on NODE: the stage's deploy route; its steps and the node's OTA
// status follow. Returns {module, deployed} (module null when refused).
export async function deployModule(log, nodeId, stageName, register) {
  let module;
  const action = newAction(log);
  const registering = new ProgressView(`Register module`, () => false);
  action.append(registering.element);
  try {
    module = await register();
    registering.note(`${module.added === false ? "already registered" : "registered"}: ${module.name} ${module.version} (${module.sha256.slice(0, 12)}…, ${module.size} bytes)`, "ok");
  } catch (error) {
    registering.note(`refused: ${explain(error)}`, "bad");
    registering.close();
    return { module: null, deployed: false };
  }
  registering.close();
  const ok = await run(action, `Deploy ${module.name} ${module.version} to ${stageName} on ${nodeId}`, stageName,
    () => api.post(`/api/stages/${encodeURIComponent(stageName)}/deploy`, { json: { sha256: module.sha256, nodes: [nodeId] } }),
    {
      test: () => {
        const running = fleet.findStage(nodeId, stageName);
        return running && running.state === "running" && fleet.versionOf(running) === module.version;
      },
      // This node's step "running" (or "confirmed") ends it as well as the fleet.
      final: (event) => (event.node === undefined || event.node === nodeId ? outcomeOf(event) : ""),
      success: `${stageName} on ${nodeId} runs ${module.name} ${module.version}`,
      failureText: `${stageName} on ${nodeId} does not run ${module.version}`,
      timeoutText: `${stageName} on ${nodeId} not seen running ${module.version}`,
      timeoutMs: 90000,
    });
  return { module, deployed: ok };
}
