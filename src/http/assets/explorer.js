// abutment-erp API explorer: runs GraphQL requests against /graphql with a
// bearer token and browses the schema by introspection. Everything it needs
// is served by the binary; it makes no request to any other origin.
"use strict";

const ENDPOINT = "/graphql";
const TOKEN_KEY = "abutment.explorer.token";
const HISTORY_KEY = "abutment.explorer.history";
const DRAFT_KEY = "abutment.explorer.draft";

const INTROSPECTION = `query ExplorerIntrospection {
  __schema {
    queryType { name } mutationType { name }
    types {
      kind name description
      fields(includeDeprecated: true) { name description isDeprecated deprecationReason args { name description type { ...T } defaultValue } type { ...T } }
      inputFields { name description type { ...T } defaultValue }
      enumValues(includeDeprecated: true) { name description isDeprecated }
      interfaces { name } possibleTypes { name }
    }
  }
}
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }`;

const $ = (id) => document.getElementById(id);
let schema = null; // name -> type
let roots = [];
const trail = [];

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "onclick") e.addEventListener("click", v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function token() {
  return $("token").value.trim();
}

async function post(body) {
  const headers = {
    "Content-Type": "application/json",
    Accept: "application/graphql-response+json, application/json",
  };
  if (token()) headers.Authorization = "Bearer " + token();
  const started = performance.now();
  const resp = await fetch(ENDPOINT, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  const text = await resp.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch (_) {
    /* not JSON: shown as text */
  }
  return { resp, text, json, ms: Math.round(performance.now() - started) };
}

// ---------------------------------------------------------------- requests

function operations(query) {
  const names = [];
  const re = /(?:^|[\s}])(query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/g;
  let m;
  while ((m = re.exec(query))) names.push(m[2]);
  return names;
}

function refreshOperations() {
  const sel = $("operation");
  const keep = sel.value;
  const names = operations($("query").value);
  sel.replaceChildren(el("option", { value: "" }, names.length > 1 ? "(choose one)" : "(the only one)"));
  for (const n of names) sel.append(el("option", { value: n }, n));
  if (names.includes(keep)) sel.value = keep;
  else if (names.length > 1) sel.value = names[0];
}

function readVariables() {
  const raw = $("variables").value.trim();
  if (!raw) return {};
  const v = JSON.parse(raw);
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("variables must be a JSON object");
  return v;
}

function request() {
  const body = { query: $("query").value, variables: readVariables() };
  if ($("operation").value) body.operationName = $("operation").value;
  return body;
}

function setStatus(text, ok) {
  const s = $("status");
  s.textContent = text;
  s.className = ok ? "ok" : "bad";
}

async function run() {
  let body;
  try {
    body = request();
  } catch (e) {
    setStatus("Variables: " + e.message, false);
    return;
  }
  setStatus("Running…", true);
  try {
    const r = await post(body);
    $("response").textContent = r.json ? JSON.stringify(r.json, null, 2) : r.text;
    const errors = r.json && Array.isArray(r.json.errors) ? r.json.errors.length : 0;
    const label = `HTTP ${r.resp.status}${r.resp.statusText ? " " + r.resp.statusText : ""} · ${r.ms} ms` + (errors ? ` · ${errors} error(s)` : "");
    setStatus(label, r.resp.ok && !errors);
    remember(body);
  } catch (e) {
    setStatus("Request failed: " + e.message, false);
  }
}

// ---------------------------------------------------------------- history

function loadHistory() {
  try {
    return JSON.parse(localStorage.getItem(HISTORY_KEY)) || [];
  } catch (_) {
    return [];
  }
}

function remember(body) {
  const entry = { query: body.query, variables: $("variables").value };
  const list = loadHistory().filter((h) => h.query !== entry.query || h.variables !== entry.variables);
  list.unshift(entry);
  localStorage.setItem(HISTORY_KEY, JSON.stringify(list.slice(0, 20)));
  showHistory();
}

function showHistory() {
  const sel = $("history");
  sel.replaceChildren(el("option", { value: "" }, "—"));
  loadHistory().forEach((h, i) => {
    const first = h.query.trim().split("\n")[0].slice(0, 60);
    sel.append(el("option", { value: String(i) }, first));
  });
}

// ---------------------------------------------------------------- curl

function curl() {
  let body;
  try {
    body = request();
  } catch (e) {
    setStatus("Variables: " + e.message, false);
    return;
  }
  const json = JSON.stringify(body).replace(/'/g, "'\\''");
  const auth = token() ? " \\\n  -H 'Authorization: Bearer $TOKEN'" : "";
  $("response").textContent =
    `curl -sS ${location.origin}${ENDPOINT} \\\n  -H 'Content-Type: application/json' \\\n  -H 'Accept: application/graphql-response+json'${auth} \\\n  --data '${json}'\n`;
  setStatus("curl command for this request (the token stays out: set $TOKEN)", true);
}

// ---------------------------------------------------------------- schema docs

function typeName(t) {
  if (t.kind === "NON_NULL") return typeName(t.ofType) + "!";
  if (t.kind === "LIST") return "[" + typeName(t.ofType) + "]";
  return t.name;
}

function namedType(t) {
  return t.ofType ? namedType(t.ofType) : t.name;
}

function typeLink(t) {
  const name = namedType(t);
  const text = typeName(t);
  const a = el("a", { "data-type": name, onclick: () => showType(name, true) }, text);
  return a;
}

function fieldEntry(f) {
  const dt = el("dt", {}, f.name);
  if (f.args && f.args.length) {
    dt.append("(");
    f.args.forEach((a, i) => {
      if (i) dt.append(", ");
      dt.append(a.name + ": ", typeLink(a.type));
      if (a.defaultValue != null) dt.append(" = " + a.defaultValue);
    });
    dt.append(")");
  }
  if (f.type) dt.append(": ", typeLink(f.type));
  const dd = el("dd", {}, f.description || "");
  if (f.isDeprecated) dd.append(el("em", {}, " Deprecated: " + (f.deprecationReason || "")));
  return [dt, dd];
}

function showType(name, push) {
  const t = schema[name];
  if (!t) return;
  if (push) trail.push(name);
  $("docs-back").hidden = trail.length === 0;
  const body = $("docs-body");
  body.replaceChildren(el("h2", {}, t.name + " ", el("small", {}, t.kind.toLowerCase().replace("_", " "))));
  if (t.description) body.append(el("p", {}, t.description));
  const list = (title, items) => {
    if (!items || !items.length) return;
    const dl = el("dl");
    for (const f of items) dl.append(...fieldEntry(f));
    body.append(el("h3", {}, title), dl);
  };
  list("Fields", t.fields);
  list("Input fields", t.inputFields);
  if (t.enumValues && t.enumValues.length) {
    const dl = el("dl");
    for (const v of t.enumValues) dl.append(el("dt", {}, v.name), el("dd", {}, v.description || ""));
    body.append(el("h3", {}, "Values"), dl);
  }
  if (t.possibleTypes && t.possibleTypes.length) {
    body.append(el("h3", {}, "Implemented by"));
    const p = el("p");
    t.possibleTypes.forEach((pt, i) => {
      if (i) p.append(", ");
      p.append(typeLink({ name: pt.name }));
    });
    body.append(p);
  }
}

function showRoots() {
  trail.length = 0;
  $("docs-back").hidden = true;
  const body = $("docs-body");
  body.replaceChildren();
  for (const r of roots) {
    body.append(el("h3", {}, r === roots[0] ? "Queries" : "Mutations"), el("p", {}, typeLink({ name: r })));
  }
  body.append(el("h3", {}, "All types"));
  const p = el("p");
  Object.keys(schema)
    .filter((n) => !n.startsWith("__"))
    .sort()
    .forEach((n, i) => {
      if (i) p.append(" · ");
      p.append(typeLink({ name: n }));
    });
  body.append(p);
}

function search(q) {
  q = q.trim().toLowerCase();
  if (!schema) return;
  if (!q) {
    showRoots();
    return;
  }
  const body = $("docs-body");
  body.replaceChildren(el("h2", {}, "Matches for “" + q + "”"));
  const dl = el("dl");
  let n = 0;
  for (const t of Object.values(schema)) {
    if (t.name.startsWith("__")) continue;
    if (t.name.toLowerCase().includes(q)) {
      dl.append(el("dt", {}, typeLink({ name: t.name })), el("dd", {}, t.description || ""));
      n++;
    }
    for (const f of t.fields || []) {
      if (f.name.toLowerCase().includes(q) || (f.description || "").toLowerCase().includes(q)) {
        dl.append(el("dt", {}, typeLink({ name: t.name }), "." + f.name + ": ", typeLink(f.type)), el("dd", {}, f.description || ""));
        n++;
      }
    }
    if (n > 200) break;
  }
  body.append(n ? dl : el("p", { class: "hint" }, "Nothing matches."));
}

async function loadSchema() {
  const state = $("auth-state");
  if (!token()) {
    state.textContent = "";
    return;
  }
  state.textContent = "Reading the schema…";
  state.className = "";
  try {
    const r = await post({ query: INTROSPECTION, operationName: "ExplorerIntrospection" });
    if (!r.json || !r.json.data) {
      const msg = r.json && r.json.errors ? r.json.errors[0].message : r.text;
      state.textContent = `Refused (HTTP ${r.resp.status}): ${msg}`;
      state.className = "bad";
      return;
    }
    const s = r.json.data.__schema;
    schema = {};
    for (const t of s.types) schema[t.name] = t;
    roots = [s.queryType && s.queryType.name, s.mutationType && s.mutationType.name].filter(Boolean);
    state.textContent = `Signed in · ${s.types.filter((t) => !t.name.startsWith("__")).length} types`;
    state.className = "ok";
    showRoots();
  } catch (e) {
    state.textContent = "Could not reach the server: " + e.message;
    state.className = "bad";
  }
}

// ---------------------------------------------------------------- wiring

function indentOnTab(e) {
  if (e.key !== "Tab" || e.shiftKey) return;
  e.preventDefault();
  const t = e.target;
  const at = t.selectionStart;
  t.setRangeText("  ", at, t.selectionEnd, "end");
}

document.addEventListener("DOMContentLoaded", () => {
  $("token").value = sessionStorage.getItem(TOKEN_KEY) || "";
  try {
    const draft = JSON.parse(localStorage.getItem(DRAFT_KEY));
    if (draft && draft.query) {
      $("query").value = draft.query;
      $("variables").value = draft.variables || "";
    }
  } catch (_) {
    /* no draft */
  }
  refreshOperations();
  showHistory();
  $("auth").addEventListener("submit", (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, token());
    loadSchema();
  });
  $("run").addEventListener("click", run);
  $("curl").addEventListener("click", curl);
  $("docs-search").addEventListener("input", (e) => search(e.target.value));
  $("docs-back").addEventListener("click", () => {
    trail.pop();
    if (trail.length) showType(trail[trail.length - 1], false);
    else showRoots();
  });
  $("history").addEventListener("change", (e) => {
    const h = loadHistory()[Number(e.target.value)];
    if (!h) return;
    $("query").value = h.query;
    $("variables").value = h.variables || "";
    refreshOperations();
  });
  for (const id of ["query", "variables"]) {
    $(id).addEventListener("keydown", indentOnTab);
    $(id).addEventListener("input", () => {
      localStorage.setItem(DRAFT_KEY, JSON.stringify({ query: $("query").value, variables: $("variables").value }));
      if (id === "query") refreshOperations();
    });
  }
  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      run();
    }
  });
  if (token()) loadSchema();
});
