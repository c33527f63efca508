// One server-sent-events connection (/api/stream, docs/api.md) shared by every
// page: the server allows 8 clients at once, so a dashboard must not open one
// per chart. Listeners subscribe by event name ("reading", "heartbeat",
// "status", "dropped", and whatever else the server sends, e.g. "event" or
// "progress"); the connection state is reported to "connection" listeners.

const listeners = new Map(); // event name -> Set of functions
let source = null;

function emit(name, data) {
  for (const listener of listeners.get(name) || []) {
    try {
      listener(data);
    } catch (error) {
      console.error(`stream listener for ${name}:`, error);
    }
  }
}

function attach(name) {
  if (!source || name === "connection") return;
  source.addEventListener(name, (message) => {
    let data;
    try {
      data = JSON.parse(message.data);
    } catch {
      return; // not JSON: nothing a listener could use
    }
    emit(name, data);
  });
}

export function on(name, listener) {
  if (!listeners.has(name)) {
    listeners.set(name, new Set());
    attach(name);
  }
  listeners.get(name).add(listener);
  return () => listeners.get(name).delete(listener);
}

export function connect() {
  if (source) return;
  source = new EventSource("/api/stream", { withCredentials: true });
  source.addEventListener("open", () => emit("connection", { open: true }));
  // EventSource reconnects by itself; the pages only show that it is down.
  source.addEventListener("error", () => emit("connection", { open: false }));
  for (const name of listeners.keys()) attach(name);
}

export function disconnect() {
  if (source) source.close();
  source = null;
  emit("connection", { open: false });
}
