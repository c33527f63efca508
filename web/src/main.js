// The dashboard's entry: the session decides between the sign-in form and the
// app; the app has one page per hash (#overview, #charts, ...), mounted once
// and kept, so charts keep their data while another page is shown.
import { api, setCsrfToken, setUnauthorizedHandler } from "./api.js";
import * as stream from "./stream.js";
import * as fleet from "./fleet.js";
import * as overview from "./overview.js";
import * as charts from "./charts.js";
import * as graph from "./graph.js";
import * as code from "./code.js";
import * as modules from "./modules.js";
import * as events from "./events.js";

const PAGES = { overview, charts, graph, code, modules, events };
const mounted = new Set();
let started = false;

const $ = (id) => document.getElementById(id);

function showPage() {
  const name = location.hash.slice(1) in PAGES ? location.hash.slice(1) : "overview";
  for (const page of Object.keys(PAGES)) {
    const section = $(`page-${page}`);
    section.hidden = page !== name;
  }
  for (const link of document.querySelectorAll("#nav a")) link.classList.toggle("active", link.dataset.page === name);
  if (!mounted.has(name)) {
    mounted.add(name);
    PAGES[name].mount($(`page-${name}`));
  }
  if (PAGES[name].show) PAGES[name].show();
}

function showSignIn(message = "") {
  $("app").hidden = true;
  $("signin").hidden = false;
  $("signin-error").textContent = message;
  $("signin-password").focus();
}

function startApp(session) {
  setCsrfToken(session.csrf_token);
  $("whoami").textContent = session.user ? `signed in as ${session.user}` : "";
  $("signin").hidden = true;
  $("app").hidden = false;
  if (!started) {
    started = true;
    stream.on("connection", ({ open }) => {
      $("live").textContent = open ? "live" : "reconnecting…";
      $("live").classList.toggle("on", open);
    });
    stream.connect();
    fleet.start();
    window.addEventListener("hashchange", showPage);
  }
  showPage();
}

async function signIn(event) {
  event.preventDefault();
  const button = $("signin-submit");
  button.disabled = true;
  $("signin-error").textContent = "";
  try {
    await api.post("/api/login", { json: { user: $("signin-user").value, password: $("signin-password").value } });
    $("signin-password").value = "";
    startApp(await api.get("/api/session"));
  } catch (error) {
    const wait = error.body && error.body.retry_after_s ? ` (next attempt in ${error.body.retry_after_s} s)` : "";
    $("signin-error").textContent = error.status === 401 || error.status === 429 ? `${error.message}${wait}` : `sign-in failed: ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

async function signOut() {
  try {
    await api.post("/api/logout");
  } catch {
    // signed out either way: the page forgets the session
  }
  setCsrfToken("");
  stream.disconnect();
  location.hash = "";
  location.reload();
}

async function boot() {
  $("signin-form").addEventListener("submit", signIn);
  $("signout").addEventListener("click", signOut);
  setUnauthorizedHandler(() => showSignIn("Your session ended: sign in again."));
  let session;
  try {
    session = await api.get("/api/session");
  } catch (error) {
    showSignIn(`cannot reach the cloud node: ${error.message}`);
    return;
  }
  if (session && session.signed_in && session.csrf_token) startApp(session);
  else showSignIn();
}

boot();
