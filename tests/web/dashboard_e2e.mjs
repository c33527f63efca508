// End-to-end test of the web dashboard (web/) in real headless Chromium,
// driven by playwright-core, against a real local deployment
// (tests/web/dashboard.toml through `continuum up`): sign in; a chart gets new
// points; the graph shows the nodes and stages; change the filter's route
// (the graph's edge follows); move the soil filter to
// another node and see it run there; upload a signed module and see it
// deployed; write an AssemblyScript module in the code area, deploy it and
// see its output. Screenshots of every step go to --out.
//
//   node tests/web/dashboard_e2e.mjs --continuum build/release/cli/continuum \
//        --modules build/release/modules --out build/release/tests/web/web-screenshots
//
// Exit status: 0 when every step passed, 1 when one failed, 77 (ctest: skipped)
// when it cannot run here (no Chromium, or web/ not installed or built) or when
// a step is PENDING because its server route does not exist yet (the other
// steps ran; the reason is on stdout).
import { createRequire } from "node:module";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { Deployment, eventually } from "./deployment.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const web = join(root, "web");
const SKIP = 77;

function options() {
  const args = process.argv.slice(2);
  const value = (name, fallback) => {
    const at = args.indexOf(name);
    return at >= 0 && args[at + 1] ? args[at + 1] : fallback;
  };
  return {
    continuum: resolve(value("--continuum", join(root, "build/release/cli/continuum"))),
    modules: resolve(value("--modules", join(root, "build/release/modules"))),
    out: resolve(value("--out", join(root, "build/release/tests/web/web-screenshots"))),
    chromium: value("--chromium", process.env.CHROMIUM || "/usr/bin/chromium"),
    keep: args.includes("--keep"),
  };
}

function skip(reason) {
  console.log(`SKIP: ${reason}`);
  process.exit(SKIP);
}

const opts = options();
if (!existsSync(opts.chromium)) skip(`no Chromium at ${opts.chromium} (apt-get install chromium; scripts/setup.sh does)`);
if (!existsSync(join(web, "node_modules/playwright-core"))) skip("web/node_modules is missing (npm ci --prefix web; scripts/setup.sh does)");
if (!existsSync(join(web, "dist/index.html"))) skip("web/dist is not built (npm run build in web/, or the CMake target web_dist)");
for (const file of [opts.continuum, join(opts.modules, "soil-filter.wasm"), join(opts.modules, "irrigation-control.wasm")])
  if (!existsSync(file)) {
    console.log(`FAIL: ${file} does not exist (build continuum and the reference modules first)`);
    process.exit(1);
  }

const { chromium } = createRequire(join(web, "package.json"))("playwright-core");
const { MODULE_TEMPLATE } = await import(join(web, "src/module_template.js"));

mkdirSync(opts.out, { recursive: true });
for (const old of readdirSync(opts.out)) if (old.endsWith(".png")) rmSync(join(opts.out, old)); // this run's pictures only
const runDir = mkdtempSync(join(dirname(opts.out), "web-e2e-run-"));
const password = randomBytes(12).toString("hex");
const deployment = new Deployment({ continuum: opts.continuum, modules: opts.modules, file: join(here, "dashboard.toml"), runDir, password });

const results = []; // {name, status: passed|failed|pending, detail}
let page = null;
let shot = 0;

async function screenshot(name) {
  if (!page) return;
  const file = join(opts.out, `${String(++shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch(() => {});
}

// A step that cannot run yet (its server route is missing): reported, never passed.
class Pending extends Error {
  final = true;
}

// A failure that waiting cannot mend (a refusal shown on the page).
function refusal(text) {
  return Object.assign(new Error(text), { final: true });
}

async function step(name, body) {
  const started = Date.now();
  try {
    const detail = await body();
    results.push({ name, status: "passed", detail: detail || "" });
    console.log(`PASS    ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)${detail ? `: ${detail}` : ""}`);
  } catch (error) {
    const pending = error instanceof Pending;
    results.push({ name, status: pending ? "pending" : "failed", detail: error.message });
    console.log(`${pending ? "PENDING" : "FAIL   "} ${name}: ${error.message}`);
  }
  await screenshot(name);
}

// The stage dialog is modal: a step that ends with it open would leave the
// next one unable to click anything.
async function closeDialog() {
  await page.evaluate(() => {
    const dialog = document.getElementById("stage-dialog");
    if (dialog && dialog.open) dialog.close();
  });
}

// Opens the stage dialog of NODE/STAGE from the overview's stage table.
async function openStage(node, stage) {
  await closeDialog();
  await page.goto(`${deployment.url}/#overview`);
  const row = page.locator(`#stages-table tr[data-node="${node}"][data-stage="${stage}"]`);
  await row.waitFor({ timeout: 30000 });
  await row.locator("button").click();
  await page.locator("#stage-dialog[open]").waitFor();
}

// The outcome of an action in the dialog: the progress box's last line that
// says refused / running / not seen. A route the server does not have (404)
// makes the step pending with the server's own words.
async function actionOutcome(box, timeoutMs) {
  return eventually("the action's outcome in the dialog", async () => {
    const text = await box.innerText();
    if (/refused: .*(no such endpoint|unknown endpoint|no such route)/i.test(text)) throw new Pending(`the server has no such route yet: ${text.split("\n").find((l) => /refused/.test(l))}`);
    if (/refused:|not seen/.test(text)) return { ok: false, text };
    if (/is running on|runs [\w-]+ \d|runs its previous version|takes [\w-]+ from/.test(text)) return { ok: true, text };
    return null;
  }, { timeoutMs });
}

let failedToStart = null;
try {
  deployment.makeKeys();
  const signed = deployment.sign(join(opts.modules, "irrigation-control.wasm"), "irrigation-control", "1.1.0", join(runDir, "irrigation-control-1.1.0.wasm"));
  const url = await deployment.start();
  console.log(`deployment: ${url} (run directory ${runDir})`);
  await eventually("four nodes online in /api/nodes", async () => {
    const nodes = await deployment.get("/api/nodes");
    return nodes.filter((node) => node.online).length >= 4;
  }, { timeoutMs: 60000 });

  const browser = await chromium.launch({ executablePath: opts.chromium, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  page = await context.newPage();
  page.on("dialog", (dialog) => dialog.accept()); // the roll-back's "are you sure?"
  const consoleErrors = [];
  page.on("pageerror", (error) => consoleErrors.push(error.message));
  // Nothing may come from anywhere but the cloud node: no CDN, no web fonts.
  const foreign = [];
  page.on("request", (request) => { if (!request.url().startsWith(url) && !request.url().startsWith("data:")) foreign.push(request.url()); });

  await step("sign-in", async () => {
    await page.goto(url);
    await page.locator("#signin-form").waitFor({ state: "visible", timeout: 30000 });
    await page.fill("#signin-password", "not-the-password");
    await page.click("#signin-submit");
    await eventually("the wrong password refused on the form", async () => /wrong password/i.test(await page.locator("#signin-error").innerText()));
    await screenshot("sign-in-refused");
    // Failed sign-ins are slowed down: wait out the server's retry time.
    await page.waitForTimeout(1200);
    await page.fill("#signin-password", password);
    await page.click("#signin-submit");
    await page.locator("#app").waitFor({ state: "visible", timeout: 30000 });
    await eventually("four online nodes in the overview", async () => (await page.locator("#nodes-table .state.ok").count()) >= 4);
    return `signed in; ${await page.locator("#nodes-table tbody tr").count()} nodes listed`;
  });

  await step("chart-receives-points", async () => {
    await page.goto(`${url}/#charts`);
    const chart = page.locator('.chart[data-kind="soil"]').first();
    await chart.waitFor({ timeout: 45000 });
    const before = Number(await chart.getAttribute("data-received"));
    await eventually("new points from the stream in the soil chart", async () => Number(await chart.getAttribute("data-received")) >= before + 4, { timeoutMs: 30000 });
    const points = Number(await chart.getAttribute("data-points"));
    if (!(points > 0)) throw new Error(`the chart shows ${points} points`);
    await eventually("the latency chart's first point", async () => Number(await page.locator('.chart[data-kind="latency"]').getAttribute("data-points")) > 0, { timeoutMs: 30000 });
    return `${points} points drawn, ${await chart.getAttribute("data-received")} from the stream`;
  });

  await step("graph-shows-nodes-and-stages", async () => {
    await page.goto(`${url}/#graph`);
    const expected = ["fog-1/stage/filter", "edge-soil-1/stage/control", "edge-soil-2/stage/control", "edge-soil-2/stage/playground"];
    const found = await eventually("the four stages and four machines in the graph", () => page.evaluate((ids) => {
      const cy = window.continuumGraph;
      if (!cy) return null;
      const missing = ids.filter((id) => cy.getElementById(id).empty());
      const machines = cy.nodes("[kind = 'machine']").length;
      return missing.length === 0 && machines >= 4 ? { machines, edges: cy.edges().length } : null;
    }, expected), { timeoutMs: 45000 });
    if (found.edges < 3) throw new Error(`only ${found.edges} edges`);
    await page.waitForTimeout(1500); // the layout's animation, for the screenshot
    return `${found.machines} machines, ${found.edges} edges`;
  });

  await step("change-route", async () => {
    // The fog filter takes readings from both edges: untick edge-soil-1 in
    // its dialog, and the graph's edge from it goes away; then tick it again.
    const edgeFrom = (edge) => `edge-soil-${edge}/stage/control:readings->fog-1/stage/filter:readings`;
    const graphHas = () => page.evaluate((ids) => ids.map((id) => !window.continuumGraph.getElementById(id).empty()),
      [edgeFrom(1), edgeFrom(2)]);
    const reroute = async (ticked) => {
      await openStage("fog-1", "filter");
      await page.selectOption("#route-input", "readings");
      for (const box of await page.locator("#route-sources input").all())
        await box.setChecked(ticked.includes(await box.getAttribute("value")));
      await page.click("#route-button");
      const outcome = await actionOutcome(page.locator("#action-log .action").first(), 60000);
      if (!outcome.ok) throw new Error(outcome.text);
      await closeDialog();
      await page.goto(`${url}/#graph`);
    };
    await reroute(["edge-soil-2/control/readings"]);
    await eventually("the graph without the edge from edge-soil-1", async () => {
      const [one, two] = await graphHas();
      return !one && two;
    }, { timeoutMs: 30000 });
    await screenshot("route-changed");
    await reroute(["edge-soil-1/control/readings", "edge-soil-2/control/readings"]);
    await eventually("the graph with both edges again", async () => {
      const [one, two] = await graphHas();
      return one && two;
    }, { timeoutMs: 30000 });
    return "filter rerouted to edge-soil-2 only (graph edge from edge-soil-1 gone), then back to both";
  });

  await step("move-soil-filter", async () => {
    // Drag the filter onto edge-soil-2's box in the graph: the dialog opens
    // with that node chosen as the target.
    await closeDialog();
    await page.goto(`${url}/#graph`);
    await page.waitForTimeout(1000); // the layout settles
    const drag = await page.evaluate(() => {
      const cy = window.continuumGraph;
      const canvas = document.getElementById("graph-canvas").getBoundingClientRect();
      const stage = cy.getElementById("fog-1/stage/filter").renderedPosition();
      const target = cy.getElementById("machine:edge-soil-2").renderedBoundingBox();
      return { from: [canvas.x + stage.x, canvas.y + stage.y], to: [canvas.x + target.x1 + 25, canvas.y + target.y2 - 15] };
    });
    await page.mouse.move(...drag.from);
    await page.mouse.down();
    for (let i = 1; i <= 10; ++i)
      await page.mouse.move(drag.from[0] + ((drag.to[0] - drag.from[0]) * i) / 10, drag.from[1] + ((drag.to[1] - drag.from[1]) * i) / 10);
    await page.mouse.up();
    await page.locator("#stage-dialog[open]").waitFor({ timeout: 10000 });
    const chosen = await page.inputValue("#move-target");
    if (chosen !== "edge-soil-2") throw new Error(`dropped on edge-soil-2, the dialog chose ${chosen}`);
    await page.click("#move-button");
    const outcome = await actionOutcome(page.locator("#action-log .action").first(), 90000);
    if (!outcome.ok) throw new Error(outcome.text);
    await screenshot("move-progress");
    await page.click("#dialog-close");
    await page.goto(`${url}/#overview`);
    // Running there means handling readings there: its output rate in the table.
    const row = page.locator('#stages-table tr[data-node="edge-soil-2"][data-stage="filter"]');
    await row.locator(".state.ok").waitFor({ timeout: 30000 });
    const rate = await eventually("the moved filter's output rate on edge-soil-2", async () => {
      const outPerSecond = Number(await row.locator("td").nth(5).innerText());
      return outPerSecond > 0 ? outPerSecond : null;
    }, { timeoutMs: 45000 });
    return `filter running on edge-soil-2 (${rate} readings/s out)`;
  });

  await step("upload-and-deploy-module", async () => {
    await openStage("edge-soil-1", "control");
    // An unsigned module first: refused, with the registry's reason in place.
    await page.setInputFiles("#deploy-file", join(opts.modules, "irrigation-control.wasm"));
    await page.click("#deploy-button");
    await eventually("the unsigned module refused with its reason", async () =>
      /refused: .*\[no-signature\]/.test(await page.locator("#action-log .action").first().innerText()), { timeoutMs: 30000 });
    await page.setInputFiles("#deploy-file", signed);
    await page.click("#deploy-button");
    const log = page.locator("#action-log");
    await eventually("the upload registered", async () => {
      const text = await log.locator(".action").first().innerText();
      if (/refused/.test(text)) throw refusal(text);
      return /registered: irrigation-control 1\.1\.0/.test(text);
    }, { timeoutMs: 30000 });
    const outcome = await actionOutcome(log.locator(".action").first(), 90000);
    if (!outcome.ok) throw new Error(outcome.text);
    return "irrigation-control 1.1.0 running on edge-soil-1";
  });

  await step("roll-back", async () => {
    // Same dialog: the version just deployed goes back to the one before.
    await page.click("#rollback-button"); // its confirm() is accepted (page.on("dialog"))
    const outcome = await actionOutcome(page.locator("#action-log .action").first(), 90000);
    if (!outcome.ok) throw new Error(outcome.text);
    return outcome.text.split("\n").filter((line) => /edge-soil-1: /.test(line)).pop();
  });

  await step("code-area-compile-error", async () => {
    await closeDialog();
    await page.goto(`${url}/#code`);
    await page.locator("#code-editor").waitFor();
    await page.fill("#code-editor", MODULE_TEMPLATE.replace("++ticks;", "++tickz;"));
    await page.click("#code-compile");
    const item = page.locator("#code-diagnostics li").first();
    // The first compile waits for the compiler (13 MB; the cloud node compresses
    // it on the fly, which takes tens of seconds on a loaded machine).
    await item.waitFor({ timeout: 180000 });
    const text = await item.innerText();
    if (!/Cannot find name 'tickz'/.test(text) || !/line \d+:\d+/.test(text)) throw new Error(`diagnostic: ${text}`);
    if ((await page.locator(".gutter .error-line").count()) !== 1) throw new Error("the error's line is not marked");
    return text;
  });

  await step("code-area-deploy-and-output", async () => {
    await page.fill("#code-editor", MODULE_TEMPLATE);
    await eventually("the playground stage in the target list", async () =>
      (await page.locator('#code-stage option[value="edge-soil-2/playground"]').count()) === 1);
    await page.selectOption("#code-stage", "edge-soil-2/playground");
    await page.click("#code-deploy");
    const side = page.locator(".code-side");
    await eventually("the module compiled and registered", async () => {
      const text = await side.innerText();
      if (/compile failed|refused: (?!.*(no such endpoint|unknown endpoint))/.test(text)) throw refusal(text);
      return /registered: playground 0\.1\.0/.test(text);
    }, { timeoutMs: 60000 });
    const outcome = await actionOutcome(side.locator(".action").first(), 90000);
    if (!outcome.ok) throw new Error(outcome.text);
    const line = await eventually("the module's output ({\"tick\":N}) from the stage", async () => {
      const first = page.locator("#code-output li").first();
      return (await first.count()) && /"tick":\d+/.test(await first.innerText()) ? first.innerText() : null;
    }, { timeoutMs: 30000 });
    return `output: ${line}`;
  });

  await step("events-log", async () => {
    await page.goto(`${url}/#events`);
    // The failed sign-in of the first step, and the roll-back (a deploy is
    // reported running only once its probation passed: later than this).
    await page.locator('#events-list li[data-kind="login-failed"]').waitFor({ timeout: 30000 });
    await page.locator('#events-list li[data-kind="ota-rolled-back"]').first().waitFor({ timeout: 30000 });
    return `${await page.locator("#events-list li").count()} events listed`;
  });

  await step("no-page-errors-and-nothing-fetched-elsewhere", async () => {
    if (consoleErrors.length) throw new Error(`page errors: ${consoleErrors.join("; ")}`);
    if (foreign.length) throw new Error(`requests to other hosts: ${foreign.join(", ")}`);
  });
  await browser.close();
} catch (error) {
  failedToStart = error;
  console.log(`FAIL: ${error.message}`);
} finally {
  await deployment.stop();
}

const count = (status) => results.filter((result) => result.status === status).length;
for (const pending of results.filter((result) => result.status === "pending"))
  console.log(`pending: ${pending.name}: ${pending.detail}`);
console.log(`screenshots: ${opts.out}`);
if (!opts.keep && !failedToStart && count("failed") === 0) rmSync(runDir, { recursive: true, force: true });
else console.log(`run directory kept: ${runDir}`);
console.log(`web: ${count("passed")} passed, ${count("failed") + (failedToStart ? 1 : 0)} failed, ${count("pending")} pending`);
// A pending step is not a pass: ctest shows the test as skipped (exit 77) until
// every step ran; a failure anywhere still fails it.
process.exit(failedToStart || count("failed") ? 1 : count("pending") ? SKIP : 0);
