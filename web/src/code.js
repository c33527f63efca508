// Code page: an AssemblyScript stage module in a text area, compiled in the
// browser by the assemblyscript compiler (dist/vendor, loaded on first use),
// errors listed and marked at their lines; then signed by the cloud node
// with its deployment key (POST /api/modules/sign) and deployed to a stage
// like any module. The chosen stage's readings show the module's output.
import { api, query } from "./api.js";
import * as fleet from "./fleet.js";
import * as stream from "./stream.js";
import { el, clock } from "./format.js";
import { parseDiagnostics } from "./compile_errors.js";
import { MODULE_TEMPLATE, COMPILE_OPTIONS } from "./module_template.js";
import { deployModule } from "./stage_actions.js";

let compiler = null; // promise of the asc module, loading started once

// Resolved by the import map in index.html to dist/vendor/asc.js (with
// binaryen.js, 13 MB): started when the page opens, so it is usually there by
// the first compile.
function loadCompiler() {
  if (!compiler) {
    compiler = import("assemblyscript/asc").then((module) => module.default || module);
    compiler.catch(() => { compiler = null; }); // a failed load is tried again on the next compile
  }
  return compiler;
}

function bumpPatch(version) {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version.trim());
  return match ? `${match[1]}.${match[2]}.${Number(match[3]) + 1}` : version;
}

export function mount(container) {
  const editor = el("textarea", { id: "code-editor", spellcheck: "false", wrap: "off" });
  editor.value = MODULE_TEMPLATE;
  const gutter = el("pre", { class: "gutter", "aria-hidden": "true" });
  const diagnostics = el("ul", { id: "code-diagnostics", class: "diagnostics" });
  const status = el("p", { id: "code-status", class: "muted" });
  const nameInput = el("input", { id: "code-name", value: "playground", size: 16 });
  const versionInput = el("input", { id: "code-version", value: "0.1.0", size: 8 });
  const grantsInput = el("input", { id: "code-grants", value: "emit:out", size: 28 });
  const stageSelect = el("select", { id: "code-stage" });
  const output = el("ol", { id: "code-output", class: "output" });
  const log = el("div", { class: "action-log" });

  let errorLines = new Set();
  const drawGutter = () => {
    const lines = editor.value.split("\n").length;
    gutter.replaceChildren(...Array.from({ length: lines }, (_, i) =>
      el("span", { class: errorLines.has(i + 1) ? "error-line" : "" }, `${i + 1}\n`)));
    gutter.scrollTop = editor.scrollTop;
  };
  editor.addEventListener("input", drawGutter);
  editor.addEventListener("scroll", () => { gutter.scrollTop = editor.scrollTop; });
  editor.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") return;
    event.preventDefault();
    editor.setRangeText("  ", editor.selectionStart, editor.selectionEnd, "end");
    drawGutter();
  });

  const goTo = (line, column) => {
    const lines = editor.value.split("\n");
    let offset = 0;
    for (let i = 0; i < line - 1 && i < lines.length; ++i) offset += lines[i].length + 1;
    editor.focus();
    editor.setSelectionRange(offset + Math.max(0, column - 1), offset + (lines[line - 1] || "").length);
  };

  fleet.onChange(() => {
    const chosen = stageSelect.value;
    const options = [];
    for (const node of fleet.allNodes())
      for (const stage of node.stages || [])
        options.push(el("option", { value: `${node.id}/${stage.name}`, selected: `${node.id}/${stage.name}` === chosen }, `${node.id} / ${stage.name}`));
    if (options.length !== stageSelect.options.length) {
      stageSelect.replaceChildren(...options);
      if (!chosen) {
        const playground = options.find((option) => option.value.endsWith("/playground"));
        if (playground) stageSelect.value = playground.value;
      }
    }
  });

  // Compiles the editor's text; the binary, or null with the errors shown.
  async function compile() {
    diagnostics.replaceChildren();
    errorLines = new Set();
    let asc;
    status.className = "muted";
    status.textContent = "loading the AssemblyScript compiler…";
    try {
      asc = await loadCompiler();
    } catch (error) {
      status.textContent = `the compiler did not load: ${error.message}`;
      return null;
    }
    status.textContent = "compiling…";
    const started = performance.now();
    let result;
    try {
      result = await asc.compileString({ "module.ts": editor.value }, COMPILE_OPTIONS);
    } catch (error) {
      status.textContent = `the compiler failed: ${error.message}`;
      return null;
    }
    const found = parseDiagnostics(result.stderr.toString());
    for (const diagnostic of found) {
      if (diagnostic.line) errorLines.add(diagnostic.line);
      diagnostics.append(el("li", {
        class: diagnostic.severity,
        onclick: () => diagnostic.line && goTo(diagnostic.line, diagnostic.column),
      }, diagnostic.line ? `line ${diagnostic.line}:${diagnostic.column} ` : "", `${diagnostic.severity} ${diagnostic.code}: ${diagnostic.message}`));
    }
    drawGutter();
    if (result.error || !result.binary) {
      status.textContent = `compile failed: ${found.filter((d) => d.severity === "error").length || 1} error(s)`;
      status.className = "error";
      container.dataset.compiled = "error";
      return null;
    }
    status.className = "ok";
    status.textContent = `compiled: ${result.binary.length} bytes in ${Math.round(performance.now() - started)} ms`;
    container.dataset.compiled = String(result.binary.length);
    return result.binary;
  }

  const compileButton = el("button", { id: "code-compile", onclick: compile }, "Compile");
  const deployButton = el("button", { id: "code-deploy", onclick: async () => {
    const [nodeId, stageName] = stageSelect.value.split("/");
    if (!stageName) {
      status.textContent = "choose the stage to deploy to";
      return;
    }
    deployButton.disabled = true;
    try {
      const binary = await compile();
      if (!binary) return;
      const params = query({ name: nameInput.value.trim(), version: versionInput.value.trim(), grants: grantsInput.value.replace(/\s+/g, "") });
      const { module } = await deployModule(log, nodeId, stageName,
        () => api.post(`/api/modules/sign?${params}`, { body: binary, contentType: "application/wasm" }));
      if (module) versionInput.value = bumpPatch(module.version); // the next deploy needs a higher version
    } finally {
      deployButton.disabled = false;
    }
  } }, "Compile, sign and deploy");

  stream.on("reading", (reading) => {
    if (`${reading.node}/${reading.stage}` !== stageSelect.value) return;
    output.prepend(el("li", {}, el("time", {}, clock(reading.ts)), ` seq ${reading.seq} `, JSON.stringify(reading.values)));
    while (output.children.length > 20) output.lastElementChild.remove();
  });

  container.append(
    el("h2", {}, "New module (AssemblyScript)"),
    el("p", { class: "muted small" }, "Compiled here in the browser; the cloud node signs it with its deployment key and deploys it to the stage you choose. Host functions: docs/host-abi.md."),
    el("div", { class: "code-layout" },
      el("div", { class: "editor" }, gutter, editor),
      el("div", { class: "code-side" },
        el("label", {}, "name ", nameInput),
        el("label", {}, "version ", versionInput),
        el("label", {}, "grants ", grantsInput),
        el("label", {}, "deploy to ", stageSelect),
        el("div", { class: "buttons" }, compileButton, deployButton),
        status, diagnostics, log,
        el("h4", {}, "Output of the chosen stage"), output)),
  );
  drawGutter();
  loadCompiler().catch(() => {}); // errors are shown by the compile that needs it
}
