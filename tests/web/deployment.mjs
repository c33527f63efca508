// A real local deployment for the dashboard's end-to-end test: `continuum up`
// on tests/web/dashboard.toml in a fresh run directory, with the registry's
// deployment key made first, the cloud node's URL read from its log, and an
// ordered stop (SIGINT to up, which stops its children; SIGKILL to the
// group only if it does not leave in time).
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, copyFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

// Polls `check` (sync or async; a truthy result ends it) every `everyMs` until
// `timeoutMs`; throws `what` with the last value on time-out. An error the
// check throws is taken as "not yet", unless it is marked `final`.
export async function eventually(what, check, { timeoutMs = 30000, everyMs = 250 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (error) {
      if (error.final) throw error; // a refusal: waiting longer cannot help
      last = error.message;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last: ${String(last).slice(0, 300)})` : ""}`);
    await sleep(everyMs);
  }
}

export class Deployment {
  constructor({ continuum, modules, file, runDir, password }) {
    Object.assign(this, { continuum, modules, file, runDir, password });
    this.child = null;
    this.url = null;
    this.output = "";
  }

  // The registry's deployment key and the trust store every node shares.
  makeKeys() {
    mkdirSync(join(this.runDir, "keys"), { recursive: true });
    mkdirSync(join(this.runDir, "trust"), { recursive: true });
    const key = join(this.runDir, "keys", "deploy.key");
    execFileSync(this.continuum, ["keygen", "--out", key], { stdio: "pipe" });
    copyFileSync(`${key}.pub`, join(this.runDir, "trust", "deploy.key.pub"));
    return key;
  }

  sign(module, name, version, out) {
    execFileSync(this.continuum, ["sign", module, "--key", join(this.runDir, "keys", "deploy.key"), "--name", name, "--version", version, "-o", out], { stdio: "pipe" });
    return out;
  }

  async start() {
    this.child = spawn(this.continuum, ["up", this.file, "--run-dir", this.runDir, "--modules", this.modules, "--lines", "--for", "10m"], {
      env: { ...process.env, CTM_WEB_PASSWORD: this.password },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // own process group: a failed test can still stop everything
    });
    this.child.stdout.on("data", (data) => { this.output += data; });
    this.child.stderr.on("data", (data) => { this.output += data; });
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve({ code, signal })));
    const log = join(this.runDir, "logs", "cloud-1.log");
    this.url = await eventually("the cloud node's HTTP API (logs/cloud-1.log: http: listening on ...)", () => {
      if (this.child.exitCode !== null) throw new Error(`continuum up exited ${this.child.exitCode}: ${this.output.slice(-2000)}`);
      if (!existsSync(log)) return null;
      const match = /http: listening on (http:\/\/[\d.:]+)/.exec(readFileSync(log, "utf8"));
      return match && match[1];
    }, { timeoutMs: 60000 });
    return this.url;
  }

  async get(path) {
    const response = await fetch(`${this.url}${path}`);
    if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
    return response.json();
  }

  async stop() {
    if (!this.child || this.child.exitCode !== null) return;
    process.kill(this.child.pid, "SIGINT");
    const done = await Promise.race([this.exited, sleep(20000).then(() => null)]);
    if (!done) {
      try {
        process.kill(-this.child.pid, "SIGKILL");
      } catch {
        // already gone
      }
      await this.exited;
    }
  }
}
