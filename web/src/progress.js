// Per-step progress of a long action (move, deploy, rollback, offer) in a
// list: steps arrive from the stream (the server's progress events and the
// events log's OTA entries for this stage) and from the answer of the POST.
// A step says where (node), what (downloading, verifying, installing,
// running, rolled back, ...) and, for a failure, why.
import * as stream from "./stream.js";
import { el, clock } from "./format.js";

// Stream event names that carry progress of stage operations (the deploy and
// move routes' progress, OTA status) and the events log.
// "rollout": a deploy or rollback target's state (docs/api.md, POST /api/stages/<stage>/deploy).
const PROGRESS_EVENTS = ["rollout", "progress", "operation", "migration", "move"];
const FAILED = /fail|refus|error|rolled.?back|timeout|abort/i;
const DONE = /running|confirmed|done|complete|moved|resumed|finished|succeeded/i;

// What a step says about the operation: "failed" (refused, failed, rolled
// back), "done" (running, confirmed, moved ...) or "" (still going).
export function outcomeOf(event) {
  const { step } = textOf(event);
  if (event.ok === false || event.error || FAILED.test(step)) return "failed";
  return DONE.test(step) ? "done" : "";
}

function textOf(event) {
  const step = event.step || event.state || event.phase || event.status || event.kind || "";
  const detail = event.reason || event.error || event.message || "";
  const percent = event.percent !== undefined ? ` ${Math.round(event.percent)} %` : "";
  const received = event.received ?? event.chunks_done;
  const chunks = received !== undefined && event.chunks && /download/i.test(step) ? ` ${received}/${event.chunks} chunks` : "";
  return { step: `${step}${percent}${chunks}`, detail: detail === step ? "" : detail };
}

export class ProgressView {
  // matches(event): whether a stream event belongs to this operation.
  constructor(title, matches) {
    this.matches = matches;
    this.list = el("ol", { class: "progress" });
    this.element = el("div", { class: "progress-box" }, el("h4", {}, title), this.list);
    this.listeners = new Set(); // called with each matching event after it is shown
    this.nodes = new Set(); // nodes a step was shown for
    this.unsubscribe = [...PROGRESS_EVENTS, "log"].map((name) => stream.on(name, (event) => {
      if (!event || !this.matches(event, name)) return;
      this.step(event);
      for (const listener of this.listeners) listener(event, name);
    }));
  }

  onEvent(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // Whether a step of NODE was shown already.
  seen(node) {
    return this.nodes.has(node);
  }

  step(event) {
    if (event.node) this.nodes.add(event.node);
    const { step, detail } = textOf(event);
    const outcome = outcomeOf(event);
    const item = el("li", { class: outcome === "failed" ? "bad" : outcome === "done" ? "ok" : "" },
      el("time", {}, clock(event.ts_ms || event.ts || Date.now())), " ",
      event.node ? el("b", {}, `${event.node}: `) : "", step, detail ? ` — ${detail}` : "");
    this.list.append(item);
    return item;
  }

  note(text, kind = "") {
    this.list.append(el("li", { class: kind }, el("time", {}, clock(Date.now())), " ", text));
  }

  close() {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }
}
