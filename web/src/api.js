// The cloud node's HTTP API (docs/api.md) as the dashboard uses it: JSON
// requests with the session cookie, the CSRF token on every write, errors as
// ApiError carrying the server's sentence ({"error": ...}) and reason.

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.reason = body && body.reason;
    this.body = body;
  }
}

// Set from the session answer; sent as X-CSRF-Token with every write.
let csrfToken = "";
export function setCsrfToken(token) {
  csrfToken = token || "";
}

// Every request goes through here so that a lost session (401) reaches the
// app once, which shows the sign-in page again instead of failing silently.
let onUnauthorized = () => {};
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

async function request(method, path, { json, body, contentType, signal } = {}) {
  const headers = {};
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (contentType) {
    headers["Content-Type"] = contentType;
  }
  // cpp-httplib answers 400 to a POST without a length: always send a body.
  if (method !== "GET" && body === undefined) body = "";
  let response;
  try {
    response = await fetch(path, { method, headers, body, credentials: "same-origin", signal });
  } catch (error) {
    throw new ApiError(0, `cannot reach the cloud node (${error.message})`, null);
  }
  const text = await response.text();
  let parsed = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (!response.ok) {
    if (response.status === 401 && !path.startsWith("/api/login")) onUnauthorized();
    const message = (parsed && parsed.error) || `${method} ${path} answered HTTP ${response.status}`;
    throw new ApiError(response.status, message, parsed);
  }
  return parsed;
}

export const api = {
  get: (path, options) => request("GET", path, options),
  post: (path, options) => request("POST", path, options),
  del: (path, options) => request("DELETE", path, options),
};

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  return search.toString();
}
