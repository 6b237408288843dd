// The admin portal: a small single-page app on the admin API. No libraries, no external assets.
"use strict";

const STATUSES = ["PROVISIONING", "AWAITING_VERIFICATION", "ACTIVE", "SUSPENDED", "FAILED",
  "ROLLBACK_FAILED", "DELETING", "DELETED"];
const STEPS = ["reserve_tenant", "place_database", "create_database", "store_credentials",
  "configure_dns", "migrate_schema", "seed_vendor_configs", "apply_rls", "create_admin_user",
  "send_verification_email", "await_verification", "activate_tenant", "send_welcome_email"];
const main = document.getElementById("main");
let pollTimer = null;

// --- DOM helper: builds elements without innerHTML, so API text is never parsed as HTML.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

let keepFlash = false;
// After a lifecycle action the page polls until the tenant leaves the status it had.
let watch = null;
let outboxChecked = false;

// A message that survives the navigation that follows it.
function flashNext(message, bad) {
  flash(message, bad);
  keepFlash = true;
}

function flash(message, bad) {
  const f = document.getElementById("flash");
  f.textContent = message || "";
  f.className = bad ? "bad" : "";
}

function token() { return sessionStorage.getItem("taskifai.token"); }

async function api(method, path, body) {
  const headers = { "Accept": "application/json, application/problem+json" };
  if (token()) headers["Authorization"] = "Bearer " + token();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (res.status === 401 && path !== "/admin/login" && path !== "/admin/mfa") {
    sessionStorage.removeItem("taskifai.token");
    flashNext("Your session ended. Log in again.", true);
    location.hash = "#/login";
    throw new Error("unauthorized");
  }
  data = data || {};
  // Errors are problem details: "code" and "detail" (older servers sent "error" and "message").
  if (!res.ok) { data.error = data.code || data.error; data.message = data.detail || data.message; }
  if (res.status === 503) data.message = outageMessage(data, res.headers.get("Retry-After"));
  return { status: res.status, data };
}

// A dependency of the platform is down: say which, instead of a bare error.
function outageMessage(data, retryAfter) {
  const later = " Try again" + (retryAfter ? " in " + retryAfter + " s." : " shortly.");
  if (data.error === "temporal_unavailable") return "Workflow service unavailable: Temporal did not answer, nothing was changed." + later;
  if (data.error === "registry_unavailable") return "Platform database unavailable: the tenant registry cannot be reached." + later;
  return (data.message || "A service the platform needs is unavailable.") + (data.message ? "" : later);
}

// A state change: when the token's one-time code is too old, ask for a new code and retry once.
async function change(method, path, body) {
  return changeWith(() => api(method, path, body));
}

// As change, for any request: send() is called again after a fresh one-time code.
async function changeWith(send) {
  let r = await send();
  if (r.status === 403 && r.data.error === "mfa_required") {
    const code = await askCode(r.data.message);
    if (!code) return r;
    const up = await api("POST", "/admin/mfa", { totp: code });
    if (up.status !== 200) { flash(up.data.message || "The one-time code was refused.", true); return r; }
    sessionStorage.setItem("taskifai.token", up.data.access_token);
    r = await send();
  }
  return r;
}

// A multipart upload with the session's token; answered as api() answers.
async function upload(path, form) {
  const headers = { "Accept": "application/json, application/problem+json" };
  if (token()) headers["Authorization"] = "Bearer " + token();
  const res = await fetch(path, { method: "POST", headers, body: form });
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  data = data || {};
  if (!res.ok) { data.error = data.code || data.error; data.message = data.detail || data.message; }
  return { status: res.status, data };
}

function askCode(message) {
  return new Promise((resolve) => {
    const input = h("input", { id: "stepup-code", inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}", required: true });
    const box = h("form", { class: "card", id: "stepup", onsubmit: (e) => { e.preventDefault(); box.remove(); resolve(input.value.trim()); } },
      h("h2", { text: "One-time code needed" }), h("p", { text: message }),
      h("label", { for: "stepup-code", text: "One-time code" }), input,
      h("button", { type: "submit", text: "Confirm" }), " ",
      h("button", { type: "button", class: "secondary", onclick: () => { box.remove(); resolve(null); }, text: "Cancel" }));
    main.prepend(box);
    input.focus();
  });
}

function statusBadge(s) { return h("span", { class: "status " + s, text: s }); }
function when(t) { return t ? new Date(t).toLocaleString() : ""; }

// --- Views
function loginView() {
  document.getElementById("nav").hidden = true;
  const errors = h("div", { id: "login-error", class: "field-error", role: "alert" });
  const form = h("form", { class: "card narrow", id: "login-form", onsubmit: async (e) => {
      e.preventDefault();
      errors.textContent = "";
      const r = await api("POST", "/admin/login", {
        email: form.email.value, password: form.password.value, totp: form.totp.value.trim() });
      if (r.status === 200) {
        sessionStorage.setItem("taskifai.token", r.data.access_token);
        flash("");
        location.hash = "#/tenants";
      } else {
        errors.textContent = r.data.message || "Login failed.";
        form.totp.value = "";
        form.totp.focus();
      }
    } },
    h("h1", { text: "Platform admin login" }),
    h("label", { for: "email", text: "E-mail" }), h("input", { id: "email", name: "email", type: "email", autocomplete: "username", required: true }),
    h("label", { for: "password", text: "Password" }), h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true }),
    h("label", { for: "totp", text: "One-time code" }), h("input", { id: "totp", name: "totp", inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}", required: true, "aria-describedby": "totp-hint" }),
    h("div", { id: "totp-hint", class: "hint", text: "The 6-digit code of your authenticator app." }),
    errors,
    h("button", { type: "submit", id: "login-submit", text: "Log in" }));
  main.replaceChildren(form);
  form.email.focus();
}

async function tenantsView(params) {
  const status = params.get("status") || "";
  const search = params.get("search") || "";
  const select = h("select", { id: "filter-status", name: "status" },
    h("option", { value: "", text: "All statuses" }),
    STATUSES.map((s) => h("option", { value: s, selected: s === status, text: s })));
  const q = h("input", { id: "filter-search", name: "search", type: "search", value: search });
  const form = h("form", { class: "filters", role: "search", onsubmit: (e) => {
      e.preventDefault();
      const p = new URLSearchParams();
      if (select.value) p.set("status", select.value);
      if (q.value.trim()) p.set("search", q.value.trim());
      location.hash = "#/tenants?" + p.toString();
    } },
    h("div", {}, h("label", { for: "filter-status", text: "Status" }), select),
    h("div", {}, h("label", { for: "filter-search", text: "Search name, subdomain or e-mail" }), q),
    h("div", {}, h("button", { type: "submit", id: "filter-apply", text: "Filter" })));
  const tbody = h("tbody", { id: "tenant-rows" });
  main.replaceChildren(h("section", { class: "card" }, h("h1", { text: "Tenants" }), form,
    h("table", {}, h("caption", { class: "hint", id: "tenant-count" }),
      h("thead", {}, h("tr", {}, ["Company", "Subdomain", "Status", "Tier", "Admin e-mail", "Created"].map((c) => h("th", { scope: "col", text: c })))),
      tbody)));
  const p = new URLSearchParams({ size: "100" });
  if (status) p.set("status", status);
  if (search) p.set("search", search);
  const r = await api("GET", "/admin/tenants?" + p.toString());
  if (r.status !== 200) { flash(r.data.message, true); return; }
  document.getElementById("tenant-count").textContent = r.data.total + " tenant(s)";
  tbody.replaceChildren(...r.data.items.map((t) => h("tr", { "data-subdomain": t.subdomain },
    h("td", {}, h("a", { href: "#/tenant/" + t.tenant_id, text: t.company_name })),
    h("td", { text: t.subdomain }), h("td", {}, statusBadge(t.status)), h("td", { class: "tier", text: t.tier }),
    h("td", { text: t.admin_email }), h("td", { text: when(t.created_at) }))));
}

function newTenantView() {
  const fields = [
    ["company_name", "Company name", "text", ""],
    ["subdomain", "Subdomain", "text", "3-50 lower-case letters, digits and hyphens; the tenant's address."],
    ["admin_email", "Admin e-mail", "email", "The verification and welcome mails go here."],
    ["region", "Region (optional)", "text", "Where the database is placed; 'local' when empty."],
  ];
  const form = h("form", { class: "card", id: "new-tenant", novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      form.querySelectorAll(".field-error").forEach((el) => { el.textContent = ""; });
      form.querySelectorAll("input").forEach((el) => el.removeAttribute("aria-invalid"));
      const body = {};
      for (const [name] of fields) { if (form[name].value.trim() || name !== "region") body[name] = form[name].value.trim(); }
      if (form.inject_fault.value) body.inject_fault = form.inject_fault.value;
      const r = await change("POST", "/admin/tenants", body);
      if (r.status === 202) {
        flashNext("Provisioning started for " + body.subdomain + ".");
        location.hash = "#/tenant/" + r.data.tenant_id;
        return;
      }
      const problems = r.data.fields || {};
      let first = null;
      for (const [name, message] of Object.entries(problems)) {
        const err = document.getElementById("err-" + name);
        if (err) { err.textContent = message; form[name].setAttribute("aria-invalid", "true"); first = first || form[name]; }
      }
      if (r.status === 409 && r.data.tenant_id) {
        const err = document.getElementById("err-subdomain");
        err.replaceChildren("is already taken by ", h("a", { href: "#/tenant/" + r.data.tenant_id, text: "this tenant" }));
      }
      flash(r.data.message || "The tenant was not created.", true);
      if (first) first.focus();
    } },
    h("h1", { text: "New tenant" }),
    fields.map(([name, label, type, hint]) => [
      h("label", { for: name, text: label }),
      h("input", { id: name, name, type, "aria-describedby": "err-" + name + (hint ? " hint-" + name : "") }),
      hint ? h("div", { id: "hint-" + name, class: "hint", text: hint }) : null,
      h("div", { id: "err-" + name, class: "field-error", "aria-live": "polite" })]),
    h("label", { for: "inject_fault", text: "Fail a step on purpose (tests and demos; the platform must allow it)" }),
    h("select", { id: "inject_fault", name: "inject_fault", "aria-describedby": "err-inject_fault" },
      h("option", { value: "", text: "No fault" }), STEPS.map((s) => h("option", { value: s, text: s }))),
    h("div", { id: "err-inject_fault", class: "field-error", "aria-live": "polite" }),
    h("button", { type: "submit", id: "create-submit", text: "Create tenant" }));
  main.replaceChildren(form);
  form.company_name.focus();
}

async function tenantView(id) {
  const r = await api("GET", "/admin/tenants/" + encodeURIComponent(id));
  if (r.status !== 200) { main.replaceChildren(h("p", { class: "card", text: r.data.message || "Not found." })); return; }
  const t = r.data;
  const actions = h("div", { class: "actions" });
  const act = (label, cls, method, path, confirmText) => h("button", { type: "button", class: cls, id: "action-" + label.toLowerCase(),
    onclick: async () => {
      if (!window.confirm(confirmText)) return;
      const res = await change(method, path);
      if (res.status === 202) {
        flashNext(label + ": workflow " + res.data.workflow_id + " started.");
        watch = { id, from: t.status, until: Date.now() + 60000 };
      }
      else flashNext(res.data.message || label + " failed.", true);
      render(false);
    }, text: label });
  if (t.status === "ACTIVE") actions.append(act("Suspend", "secondary", "POST", "/admin/tenants/" + id + "/suspend", "Suspend " + t.subdomain + "? Its users lose access at once."));
  if (t.status === "SUSPENDED") actions.append(act("Reactivate", "secondary", "POST", "/admin/tenants/" + id + "/reactivate", "Reactivate " + t.subdomain + "?"));
  if (t.status === "PROVISIONING" || t.status === "AWAITING_VERIFICATION") actions.append(act("Cancel", "danger", "POST", "/admin/tenants/" + id + "/cancel", "Cancel provisioning of " + t.subdomain + "? Everything done so far is undone."));
  if (t.status !== "DELETED" && t.status !== "PROVISIONING" && t.status !== "AWAITING_VERIFICATION") actions.append(act("Delete", "danger", "DELETE", "/admin/tenants/" + id, "Delete " + t.subdomain + " for good? Its database is dropped."));
  const steps = h("ol", { class: "steps", id: "steps" }, t.steps.map((s) => h("li", { "data-step": s.name },
    h("span", { class: "name", text: s.name }), h("span", { class: "status state-" + s.state, text: s.state }),
    s.retrying ? h("span", { class: "status state-retrying", text: "retrying" + (s.failed_attempts ? " (" + s.failed_attempts + " failed)" : "") }) : null,
    h("span", { class: "hint", text: s.finished_at ? when(s.finished_at) : (s.started_at ? "since " + when(s.started_at) : "") }),
    s.error ? h("span", { class: "error-text", text: s.error }) : null)));
  const facts = h("dl", { class: "facts", id: "tenant-facts" },
    [["Tenant id", t.tenant_id], ["Subdomain", t.subdomain], ["Admin e-mail", t.admin_email], ["Region", t.region],
     ["Tier", t.tier], ["Database", t.database_name], ["Database provider", t.provider], ["Supabase project", t.project_ref], ["Provider status", t.provider_status], ["Created", when(t.created_at)], ["Activated", when(t.activated_at)],
     ["Suspended", when(t.suspended_at)], ["Provisioning workflow", t.workflow_id]]
      .filter(([, v]) => v).map(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })]));
  const links = h("p", {});
  if (t.tenant_url && t.status === "ACTIVE") links.append(h("a", { href: t.tenant_url, text: "Open tenant " + t.tenant_url }), " ");
  if (t.provider_dashboard_url) links.append(h("a", { href: t.provider_dashboard_url, id: "provider-dashboard", target: "_blank", rel: "noopener", text: "Project in the Supabase dashboard" }), " ");
  if (t.temporal_ui_url) links.append(h("a", { href: t.temporal_ui_url, id: "temporal-ui", target: "_blank", rel: "noopener", text: "Workflows in Temporal UI" }));
  const audit = h("tbody", { id: "audit-rows" });
  const timeline = h("div", { id: "timeline" });
  const previous = document.getElementById("workflow-select");
  const chosenWorkflow = previous ? previous.value : null;
  const focusedId = document.activeElement && document.activeElement.id;
  // The chosen workflow's trace in the trace viewer (Jaeger UI), when traces are on.
  const traceLink = h("a", { id: "workflow-trace", target: "_blank", rel: "noopener", hidden: true, text: "Trace of this workflow" });
  let traceUrls = {};
  const showTrace = () => {
    const url = traceUrls[workflowSelect.value];
    if (url) { traceLink.setAttribute("href", url); traceLink.hidden = false; } else { traceLink.removeAttribute("href"); traceLink.hidden = true; }
  };
  const workflowSelect = h("select", { id: "workflow-select", onchange: () => { showTrace(); loadTimeline(id, workflowSelect.value, timeline); } });
  main.replaceChildren(
    h("section", { class: "card" }, h("h1", {}, t.company_name, " ", h("span", { id: "tenant-status" }, statusBadge(t.status))), facts, links, actions),
    h("section", { class: "card" }, h("h2", { text: "Provisioning steps" }),
      t.workflow_service === "unavailable" ? h("p", { class: "error-text", id: "workflow-service-unavailable", role: "status", text: "Workflow service unavailable: showing the last known steps from the audit log." }) : null,
      h("p", { class: "hint", text: "Source: " + (t.steps_source === "workflow" ? "live workflow query" : "audit log") }), steps),
    h("section", { class: "card" }, h("h2", { text: "Workflow timeline" }), h("label", { for: "workflow-select", text: "Workflow" }), workflowSelect, " ", traceLink, timeline),
    h("section", { class: "card" }, h("h2", { text: "Audit trail" }),
      h("table", {}, h("thead", {}, h("tr", {}, ["When", "Actor", "Action", "Step", "Outcome", "Detail"].map((c) => h("th", { scope: "col", text: c })))), audit)),
    usageSection(t), backupsSection(t), exportsSection(t), importsSection(t), restoreToTimeSection(t), moveSection(t), promotionSection(t));
  const [a, w, sv] = await Promise.all([api("GET", "/admin/tenants/" + id + "/audit"), api("GET", "/admin/tenants/" + id + "/workflows"),
    api("GET", "/admin/tenants/" + id + "/schema")]);
  if (sv.status === 200) {
    facts.append(h("dt", { text: "Schema version" }), h("dd", { id: "schema-version", text: sv.data.schema_version || "not recorded" }));
    const exts = sv.data.extensions || [];
    facts.append(h("dt", { text: "Schema extensions" }), h("dd", { id: "schema-extensions",
      text: exts.length ? exts.map((x) => x.name + " (" + (x.version ? "v" + x.version : "being applied") + ")").join(", ") : "none" }));
    if (t.status === "ACTIVE" || t.status === "SUSPENDED") {
      const name = h("input", { id: "extension-name", name: "extension", placeholder: "custom_fields", "aria-label": "Extension name" });
      actions.append(h("form", { class: "inline", id: "extension-form", onsubmit: async (e) => {
          e.preventDefault();
          const n = name.value.trim();
          if (!n || !window.confirm("Enable the schema extension " + n + " for " + t.subdomain + "? Its tables are added to the tenant database.")) return;
          const res = await change("POST", "/admin/tenants/" + id + "/extensions", { name: n });
          if (res.status === 202) flashNext("Enabling " + n + ": workflow " + res.data.workflow_id + " started.");
          else flashNext(res.data.message || "Enabling the extension failed.", true);
          render(false);
        } }, name, " ", h("button", { type: "submit", class: "secondary", id: "extension-submit", text: "Enable extension" })));
    }
  }
  audit.replaceChildren(...(a.data.entries || []).slice().reverse().map(auditRow));
  workflowSelect.replaceChildren(...(w.data.workflows || []).map((x) => h("option", { value: x.workflow_id, selected: x.workflow_id === chosenWorkflow, text: x.kind + ": " + x.workflow_id })));
  traceUrls = Object.fromEntries((w.data.workflows || []).filter((x) => x.trace_url).map((x) => [x.workflow_id, x.trace_url]));
  showTrace();
  // A poll rebuilds the page; keyboard focus goes back to the control that had it.
  if (focusedId && document.getElementById(focusedId)) document.getElementById(focusedId).focus({ preventScroll: true });
  if (workflowSelect.value) loadTimeline(id, workflowSelect.value, timeline);
  if (watch && (watch.id !== id || watch.from !== t.status || Date.now() > watch.until)) watch = null;
  const busy = watch !== null || ["PROVISIONING", "AWAITING_VERIFICATION", "DELETING"].includes(t.status);
  if (busy) pollTimer = setTimeout(() => { if (location.hash === "#/tenant/" + id) render(true); }, 1500);
}

// --- Backups of one tenant: back up now, list, restore (replace or copy) with progress, delete.
function mib(bytes) { return bytes === null || bytes === undefined ? "" : (bytes / 1048576).toFixed(2) + " MiB"; }

function backupsSection(t) {
  const id = t.tenant_id;
  const rows = h("tbody", { id: "backup-rows" });
  const progress = h("p", { id: "restore-progress", class: "hint", "aria-live": "polite" });
  const banner = h("p", { id: "backups-banner", class: "error-text", role: "alert" });
  const canBackUp = t.status === "ACTIVE" || t.status === "SUSPENDED";
  const load = async () => {
    const r = await api("GET", "/admin/tenants/" + id + "/backups");
    if (r.status !== 200) { rows.replaceChildren(); return; }
    if (r.data.operation) progress.textContent = "Running now: " + r.data.operation;
    banner.textContent = r.data.backups_enabled === false ? r.data.backups_detail : "";
    rows.replaceChildren(...(r.data.backups || []).map((b) => h("tr", { "data-backup": b.backup_id },
      h("td", { text: when(b.finished_at || b.started_at) }), h("td", { text: mib(b.size_bytes) }),
      h("td", {}, statusBadge(b.status)), h("td", { text: b.checksum_state + (b.sha256 ? " (" + b.sha256.slice(0, 12) + "…)" : "") }),
      h("td", { text: b.trigger }),
      h("td", {}, b.status === "GOOD" && canBackUp ? [
        h("button", { type: "button", class: "secondary", text: "Restore", onclick: () => restore(b, "replace") }), " ",
        h("button", { type: "button", class: "secondary", text: "Restore as copy", onclick: () => restore(b, "copy") }), " "] : null,
        b.status !== "RUNNING" ? h("button", { type: "button", class: "danger", text: "Delete", onclick: () => remove(b) }) : null))));
  };
  const restore = async (b, mode) => {
    const typed = window.prompt((mode === "replace" ? "Replace the database of " : "Restore a copy beside ") + t.subdomain
      + " with the backup of " + when(b.finished_at) + "? Type the subdomain to confirm.");
    if (typed === null) return;
    const r = await change("POST", "/admin/tenants/" + id + "/backups/" + b.backup_id + "/restore", { mode, confirm_subdomain: typed });
    if (r.status !== 202) { flash(r.data.message || "Restore refused.", true); return; }
    flash("Restore started: workflow " + r.data.workflow_id);
    follow(r.data.workflow_id);
  };
  const follow = async (workflowId) => {
    const p = await api("GET", "/admin/tenants/" + id + "/backups/restores/" + encodeURIComponent(workflowId));
    // Temporal down: say so and keep following; the restore goes on once it is back.
    if (p.status === 503) { progress.textContent = "Restore " + workflowId + ": " + p.data.message; setTimeout(() => { if (document.body.contains(progress)) follow(workflowId); }, 5000); return; }
    progress.textContent = "Restore " + workflowId + ": " + (p.data.step || "?") + " (" + (p.data.outcome || "?") + ")" + (p.data.error ? " " + p.data.error : "");
    if (p.data.outcome === "RUNNING" || p.data.outcome === "UNKNOWN") setTimeout(() => { if (document.body.contains(progress)) follow(workflowId); }, 1500);
    else load();
  };
  const remove = async (b) => {
    if (!window.confirm("Delete the backup of " + when(b.finished_at || b.started_at) + " for good?")) return;
    const r = await change("DELETE", "/admin/tenants/" + id + "/backups/" + b.backup_id);
    if (r.status !== 202) flash(r.data.message || "Delete refused.", true); else { flash("Backup deletion started."); setTimeout(load, 1000); }
  };
  const now = canBackUp ? h("button", { type: "button", id: "action-backup", class: "secondary", text: "Back up now", onclick: async () => {
    const r = await change("POST", "/admin/tenants/" + id + "/backups");
    if (r.status !== 202) flash(r.data.message || "Backup refused.", true); else { flash("Backup started: workflow " + r.data.workflow_id); setTimeout(load, 1500); }
  } }) : null;
  load();
  return h("section", { class: "card", id: "backups" }, h("h2", { text: "Backups" }), banner, now, progress,
    h("table", {}, h("thead", {}, h("tr", {}, ["When", "Size", "Status", "Checksum", "Trigger", ""].map((c) => h("th", { scope: "col", text: c })))), rows));
}

// --- Exports of one tenant: request one (fresh MFA), follow it, download through its link (which
// works once: the page fetches it with the session's token and saves the ZIP), or ask a new link.
function exportsSection(t) {
  const id = t.tenant_id;
  const rows = h("tbody", { id: "export-rows" });
  const canExport = (t.status === "ACTIVE" || t.status === "SUSPENDED") && t.tier !== "trial";
  const load = async () => {
    const r = await api("GET", "/admin/tenants/" + id + "/exports");
    if (r.status !== 200) { rows.replaceChildren(); return; }
    const list = r.data.exports || [];
    rows.replaceChildren(...list.map((x) => h("tr", { "data-export": x.export_id },
      h("td", { text: when(x.finished_at || x.created_at) }), h("td", {}, statusBadge(x.status)),
      h("td", { text: mib(x.archive_bytes) }),
      h("td", { text: x.manifest && x.manifest.tables ? Object.keys(x.manifest.tables).length + " tables" : "" }),
      h("td", { text: x.error || (x.downloaded_at ? "link used " + when(x.downloaded_at) : x.expires_at ? "link until " + when(x.expires_at) : "") }),
      h("td", {}, x.download_url ? h("button", { type: "button", class: "secondary", text: "Download", onclick: () => download(x) }) : null, " ",
        x.status === "READY" ? h("button", { type: "button", class: "secondary", text: "New link", onclick: () => relink(x) }) : null))));
    if (list.some((x) => x.status === "REQUESTED" || x.status === "RUNNING")) setTimeout(() => { if (document.body.contains(rows)) load(); }, 2000);
  };
  const download = async (x) => {
    const headers = {};
    if (token()) headers["Authorization"] = "Bearer " + token();
    const res = await fetch(x.download_url, { headers });
    if (res.status !== 200) {
      let d = null;
      try { d = await res.json(); } catch (e) { d = null; }
      flash((d && d.message) || "Download refused.", true);
      load();
      return;
    }
    const a = h("a", { href: URL.createObjectURL(await res.blob()), download: "taskifai-export-" + t.subdomain + "-" + x.export_id + ".zip" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    load();
  };
  const relink = async (x) => {
    const r = await change("POST", "/admin/tenants/" + id + "/exports/" + x.export_id + "/link");
    if (r.status !== 200) flash(r.data.message || "New link refused.", true); else flash("A new download link works until " + when(r.data.expires_at) + ".");
    load();
  };
  const start = canExport ? h("button", { type: "button", id: "action-export", class: "secondary", text: "Export data", onclick: async () => {
    const r = await change("POST", "/admin/tenants/" + id + "/exports");
    if (r.status !== 202) flash(r.data.message || "Export refused.", true); else { flash("Export started: workflow " + r.data.workflow_id); setTimeout(load, 1000); }
  } }) : null;
  load();
  return h("section", { class: "card", id: "exports" }, h("h2", { text: "Exports" }),
    h("p", { class: "hint", text: "A ZIP of the tenant's data: a pg_dump, one CSV per table and a manifest with row counts and checksums. Each link works once." }), start,
    h("table", {}, h("thead", {}, h("tr", {}, ["When", "Status", "Size", "Contents", "Link", ""].map((c) => h("th", { scope: "col", text: c })))), rows));
}

// --- Import into one tenant: an uploaded file (a dump, an export archive or a CSV bundle) or a live
// source's connection string, fresh MFA, then the workflow's step until it ends; a refused input's
// report (which file, line or object, and why) as a table.
function importsSection(t) {
  const id = t.tenant_id;
  if (!((t.status === "ACTIVE" || t.status === "SUSPENDED") && t.tier !== "trial")) return null;
  const file = h("input", { type: "file", id: "import-file" });
  const source = h("input", { type: "text", id: "import-source", placeholder: "postgresql://user:password@host:5432/db", autocomplete: "off" });
  const progress = h("p", { id: "import-progress", class: "hint" });
  const report = h("tbody", { id: "import-report" });
  const reportTable = h("table", { id: "import-report-table", hidden: true },
    h("thead", {}, h("tr", {}, ["File", "Line", "Object", "Reason"].map((c) => h("th", { scope: "col", text: c })))), report);
  const showReport = (items) => {
    report.replaceChildren(...(items || []).map((x) => h("tr", {},
      h("td", { text: x.file || "" }), h("td", { text: x.line == null ? "" : String(x.line) }),
      h("td", { text: x.object || "" }), h("td", { text: x.reason || "" }))));
    reportTable.hidden = !(items && items.length);
  };
  const follow = async (importId) => {
    const r = await api("GET", "/admin/tenants/" + id + "/imports/" + importId);
    if (r.status !== 200 || !document.body.contains(progress)) return;
    progress.textContent = "Import " + importId + ": " + (r.data.outcome || "running") + (r.data.step ? " (step " + r.data.step + ")" : "") + (r.data.error ? ": " + r.data.error : "");
    showReport(r.data.report);
    if (!r.data.outcome || r.data.outcome === "RUNNING") setTimeout(() => follow(importId), 2000);
  };
  const started = (r) => {
    if (r.status === 202) { showReport([]); flash("Import started: workflow " + r.data.workflow_id); follow(r.data.import_id); return; }
    const items = r.data.report || (r.data.details && r.data.details.report);
    showReport(items);
    flash(r.data.message || "Import refused.", true);
  };
  const go = h("button", { type: "button", id: "action-import", class: "secondary", text: "Import", onclick: async () => {
    if (source.value.trim()) {
      started(await change("POST", "/admin/tenants/" + id + "/imports", { source_url: source.value.trim() }));
      return;
    }
    if (!file.files.length) { flash("Choose a file to upload or give a source database's URL.", true); return; }
    started(await changeWith(() => { const form = new FormData(); form.append("file", file.files[0]); return upload("/admin/tenants/" + id + "/imports", form); }));
  } });
  return h("section", { class: "card", id: "imports" }, h("h2", { text: "Import" }),
    h("p", { class: "hint", text: "Replaces the tenant's data with a pg_dump (custom or plain), an export archive, a ZIP of CSV files, or a live database's copy. Nothing changes when the input is refused." }),
    h("label", { for: "import-file", text: "File" }), file,
    h("label", { for: "import-source", text: "or source database URL" }), source, go, progress, reportTable);
}

// --- Restore to a point in time: the restorable range from the tenant's detail, a moment inside it,
// copy or replace, with progress from the workflow's query.
function restoreToTimeSection(t) {
  const id = t.tenant_id;
  const progress = h("p", { id: "pitr-progress", class: "hint", "aria-live": "polite" });
  if (!t.restorable_from || !t.restorable_to) {
    return h("section", { class: "card", id: "restore-to-time" }, h("h2", { text: "Restore to a point in time" }),
      h("p", { id: "pitr-reason", class: "hint", text: t.restorable_reason || "Nothing can be restored to a time." }));
  }
  const local = (iso) => { const d = new Date(iso); return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 19); };
  const at = h("input", { type: "datetime-local", id: "pitr-at", step: "1", min: local(t.restorable_from), max: local(t.restorable_to), value: local(t.restorable_to) });
  const mode = h("select", { id: "pitr-mode" }, h("option", { value: "copy", text: "as a copy beside the tenant's database" }),
    h("option", { value: "replace", text: "replacing the tenant's database" }));
  const follow = async (workflowId) => {
    const p = await api("GET", "/admin/tenants/" + id + "/restore-to-time/" + encodeURIComponent(workflowId));
    if (p.status === 503) { progress.textContent = "Restore " + workflowId + ": " + p.data.message; setTimeout(() => { if (document.body.contains(progress)) follow(workflowId); }, 5000); return; }
    progress.textContent = "Restore " + workflowId + ": " + (p.data.step || "?") + " (" + (p.data.outcome || "?") + ")" + (p.data.error ? " " + p.data.error : "");
    if (p.data.outcome === "RUNNING" || p.data.outcome === "UNKNOWN") setTimeout(() => { if (document.body.contains(progress)) follow(workflowId); }, 1500);
  };
  const start = async () => {
    const moment = new Date(at.value).toISOString();
    const typed = window.prompt("Restore " + t.subdomain + " as it was at " + when(moment) + " (" + mode.value + ")? Type the subdomain to confirm.");
    if (typed === null) return;
    const r = await change("POST", "/admin/tenants/" + id + "/restore-to-time", { at: moment, mode: mode.value, confirm_subdomain: typed });
    if (r.status !== 202) { flash(r.data.message || "Restore refused.", true); return; }
    flash("Restore to a time started: workflow " + r.data.workflow_id);
    follow(r.data.workflow_id);
  };
  return h("section", { class: "card", id: "restore-to-time" }, h("h2", { text: "Restore to a point in time" }),
    h("p", { id: "pitr-range", text: "Restorable from " + when(t.restorable_from) + " to " + when(t.restorable_to) + "." }),
    h("label", { for: "pitr-at", text: "Moment " }), at, " ", mode, " ",
    h("button", { type: "button", id: "action-restore-to-time", class: "secondary", text: "Restore", onclick: start }), progress);
}

// --- The tenant's database server: move to another one, with progress from the move's query.
function moveSection(t) {
  const id = t.tenant_id;
  const where = h("p", { id: "move-where" });
  const progress = h("p", { id: "move-progress", class: "hint", "aria-live": "polite" });
  const select = h("select", { id: "move-target" });
  const canMove = t.status === "ACTIVE" || t.status === "SUSPENDED";
  let following = null;
  const load = async () => {
    const r = await api("GET", "/admin/tenants/" + id + "/move");
    if (r.status !== 200) return;
    where.textContent = "On database server " + (r.data.server_id || "none") + (r.data.region ? " (region " + r.data.region + ")" : "")
      + (r.data.operation ? "; running now: " + r.data.operation + (r.data.writes_held ? ", writes held" : "") : "");
    select.replaceChildren(...(r.data.targets || []).map((s) => h("option", { value: s.id, text: s.id + " (" + s.region + ")" })));
    if (r.data.move_workflow_id && following !== r.data.move_workflow_id) follow(r.data.move_workflow_id);
  };
  const follow = async (workflowId) => {
    following = workflowId;
    const p = await api("GET", "/admin/tenants/" + id + "/move/" + encodeURIComponent(workflowId));
    if (p.status === 503) { progress.textContent = "Move " + workflowId + ": " + p.data.message; setTimeout(() => { if (document.body.contains(progress)) follow(workflowId); }, 5000); return; }
    const copy = p.data.copy_mode === "online"
      ? "; online" + (p.data.phase ? ", " + p.data.phase : "") + (p.data.lag_bytes != null ? ", lag " + p.data.lag_bytes + " bytes" : "")
        + (p.data.rows_copied != null ? ", " + p.data.rows_copied + " rows copied" : "")
        + (p.data.replication_error ? "; replication failing: " + p.data.replication_error : "")
      : p.data.copy_mode === "dump" ? "; pg_dump copy, writes held for all of it (" + (p.data.copy_mode_reason || "") + ")" : "";
    progress.textContent = "Move " + workflowId + ": " + (p.data.step || "?") + " (" + (p.data.outcome || "?") + ")" + copy + (p.data.error ? " " + p.data.error : "");
    if (p.data.outcome === "RUNNING" || p.data.outcome === "UNKNOWN") setTimeout(() => { if (document.body.contains(progress)) follow(workflowId); }, 1500);
    else load();
  };
  const move = async () => {
    if (!select.value) { flash("No other OPEN database server to move to.", true); return; }
    const typed = window.prompt("Move the database of " + t.subdomain + " to " + select.value
      + "? Its writes are held while the copy runs (on servers that can move online, only for the changeover). Type the subdomain to confirm.");
    if (typed === null) return;
    const r = await change("POST", "/admin/tenants/" + id + "/move", { target_server: select.value, confirm_subdomain: typed });
    if (r.status !== 202) { flash(r.data.message || "Move refused.", true); return; }
    flash("Move started: workflow " + r.data.workflow_id);
    follow(r.data.workflow_id);
  };
  load();
  return h("section", { class: "card", id: "move" }, h("h2", { text: "Database server" }), where,
    canMove ? [h("label", { for: "move-target", text: "Move to " }), select, " ",
      h("button", { type: "button", id: "action-move", class: "secondary", text: "Move", onclick: move })] : null, progress);
}

// The progress of a server's drain (for the servers page): state, counts, and each tenant's move.
async function drainProgress(serverId, target) {
  const r = await api("GET", "/admin/servers/" + encodeURIComponent(serverId) + "/drain");
  if (r.status === 503) { target.replaceChildren(h("p", { class: "hint", text: r.data.message })); return r; }
  if (r.status !== 200) { target.replaceChildren(); return r; }
  const d = r.data;
  target.replaceChildren(h("p", { class: "hint", text: "Drain " + d.workflow_id + ": " + d.state
      + (d.state === "UNKNOWN" ? "" : " (moved " + d.moved + ", failed " + d.failed + ", left " + d.remaining + ")") }),
    h("ul", {}, (d.results || []).map((x) => h("li", { text: x.tenant_id + " → " + (x.target_server_id || "?") + ": " + x.outcome + (x.error ? " (" + x.error + ")" : "") }))));
  return r;
}

// --- Draining one database server (#/drain/<server id>): start it, follow its progress.
async function drainView(serverId) {
  const box = h("div", { id: "drain-progress", "aria-live": "polite" });
  const start = h("button", { type: "button", id: "action-drain", class: "danger", text: "Drain this server", onclick: async () => {
    if (!window.confirm("Drain " + serverId + "? It takes no new tenant, every tenant on it is moved to another server, and it is CLOSED when empty.")) return;
    const r = await change("POST", "/admin/servers/" + encodeURIComponent(serverId) + "/drain");
    if (r.status !== 202) { flash(r.data.message || "Drain refused.", true); return; }
    flash((r.data.already_running ? "Drain runs already: " : "Drain started: ") + r.data.workflow_id);
    render(true);
  } });
  main.replaceChildren(h("section", { class: "card" }, h("h1", { text: "Database server " + serverId }), start, box));
  const r = await drainProgress(serverId, box);
  if (r.status === 503 || (r.status === 200 && ["MOVING", "WAITING"].includes(r.data.state))) {
    pollTimer = setTimeout(() => { if (location.hash === "#/drain/" + encodeURIComponent(serverId)) render(true); }, 2000);
  }
}

// --- The trial tier: a trial's promotion to a database of its own, with progress.
function promotionSection(t) {
  const id = t.tenant_id;
  const section = h("section", { class: "card", id: "promotion" });
  const progress = h("p", { id: "promotion-progress", class: "hint", "aria-live": "polite" });
  const show = (p) => {
    if (!p) return;
    const steps = (p.steps || []).map((s) => s.name + ": " + s.state).join(", ");
    progress.textContent = "Promotion " + p.status + (p.failed_step ? " at " + p.failed_step : "") + (p.reason ? " (" + p.reason + ")" : "") + (steps ? " — " + steps : "");
  };
  const follow = async () => {
    const r = await api("GET", "/admin/tenants/" + id + "/promotion");
    if (r.status !== 200) return;
    show(r.data.promotion);
    if (r.data.promotion && r.data.promotion.status === "PROMOTING") setTimeout(() => { if (document.body.contains(progress)) follow(); }, 1500);
  };
  const load = async () => {
    const r = await api("GET", "/admin/tenants/" + id + "/promotion");
    if (r.status !== 200) { section.replaceChildren(); return; }
    const trial = r.data.tier === "trial";
    const button = trial && t.status === "ACTIVE" ? h("button", { type: "button", id: "action-promote", class: "secondary", text: "Promote to a dedicated database", onclick: async () => {
      const typed = window.prompt("Move " + t.subdomain + " from the shared trial database to a database of its own? Writes pause for the copy. Type the subdomain to confirm.");
      if (typed === null) return;
      const p = await change("POST", "/admin/tenants/" + id + "/promote", { confirm_subdomain: typed });
      if (p.status !== 202) { flash(p.data.message || "Promotion refused.", true); return; }
      flash("Promotion started: workflow " + p.data.workflow_id);
      follow();
    } }) : null;
    section.replaceChildren(h("h2", { text: "Tier" }), h("p", { id: "tenant-tier", text: trial ? "Trial (shared trial database)" : "Dedicated database" }), button, progress);
    show(r.data.promotion);
    if (r.data.promotion && r.data.promotion.status === "PROMOTING") follow();
  };
  load();
  return section;
}

async function loadTimeline(tenantId, workflowId, target) {
  const r = await api("GET", "/admin/tenants/" + tenantId + "/workflows/" + encodeURIComponent(workflowId) + "/history");
  if (r.status !== 200) { target.replaceChildren(h("p", { class: "hint", text: r.data.message })); return; }
  target.replaceChildren(h("p", {}, "Status ", statusBadge(r.data.status), " started " + when(r.data.started_at)),
    stepTimeline(r.data.entries),
    h("table", {}, h("thead", {}, h("tr", {}, ["Kind", "Name", "Scheduled", "Finished", "Outcome", "Attempt", "Error"].map((c) => h("th", { scope: "col", text: c })))),
      h("tbody", {}, r.data.entries.map((e) => h("tr", {}, h("td", { text: e.kind }), h("td", { text: e.name }),
        h("td", { text: when(e.scheduled_at) }), h("td", { text: when(e.finished_at) }), h("td", { text: e.outcome }),
        h("td", { text: e.attempt || "" }), h("td", { class: "error-text", text: e.error || "" }))))));
}

function auditRow(e) {
  return h("tr", {}, h("td", { text: when(e.at) }), h("td", { text: e.actor }), h("td", { text: e.action }),
    h("td", { text: e.step || "" }), h("td", { text: e.outcome }), h("td", {}, h("code", { text: e.detail && Object.keys(e.detail).length ? JSON.stringify(e.detail) : "" })));
}

async function auditView(params) {
  const names = [["tenant", "Tenant id"], ["actor", "Actor"], ["action", "Action"], ["from", "From (ISO time)"], ["to", "To (ISO time)"]];
  const form = h("form", { class: "filters", onsubmit: (e) => {
      e.preventDefault();
      const p = new URLSearchParams();
      for (const [n] of names) if (form[n].value.trim()) p.set(n, form[n].value.trim());
      location.hash = "#/audit?" + p.toString();
    } },
    names.map(([n, l]) => h("div", {}, h("label", { for: "audit-" + n, text: l }), h("input", { id: "audit-" + n, name: n, value: params.get(n) || "" }))),
    h("div", {}, h("button", { type: "submit", text: "Filter" })));
  const rows = h("tbody", {});
  main.replaceChildren(h("section", { class: "card" }, h("h1", { text: "Audit trail" }), form,
    h("table", {}, h("thead", {}, h("tr", {}, ["When", "Actor", "Action", "Step", "Outcome", "Detail"].map((c) => h("th", { scope: "col", text: c })))), rows)));
  const p = new URLSearchParams(params);
  p.set("limit", "500");
  const r = await api("GET", "/admin/audit?" + p.toString());
  if (r.status !== 200) { flash(r.data.message, true); return; }
  rows.replaceChildren(...r.data.entries.slice().reverse().map(auditRow));
}

// The fleet reconciler's newest report: what the registry does not account for.
async function orphansView() {
  const run = h("button", { type: "button", id: "reconcile-run", onclick: async () => {
      const r = await change("POST", "/admin/reconcile");
      if (r.status === 202) flashNext("Reconciler started: workflow " + r.data.workflow_id + ". Reload in a moment for its report.");
      else flashNext(r.data.message || "The reconciler did not start.", true);
      render(false);
    }, text: "Run reconciler now" });
  const rows = h("tbody", { id: "orphan-rows" });
  const meta = h("p", { class: "hint", id: "orphan-meta" });
  const problems = h("ul", { id: "orphan-problems" });
  main.replaceChildren(h("section", { class: "card", id: "orphans" }, h("h1", { text: "Orphans" }),
    h("p", { class: "hint", text: "Databases, roles, DNS records and staged secrets named like a tenant's that no live tenant owns, and tenants whose workflow is gone. Removing one checks again that it is still an orphan." }),
    meta, run, problems,
    h("table", {}, h("thead", {}, h("tr", {}, ["Kind", "Name", "Server", "Why", ""].map((c) => h("th", { scope: "col", text: c })))), rows)));
  const r = await api("GET", "/admin/reconcile/orphans");
  if (r.status !== 200) { flash(r.data.message, true); return; }
  const d = r.data;
  meta.textContent = (d.report_id ? "Report of " + when(d.finished_at) + " by " + d.actor + ". " : "No report yet. ") +
    "Runs every " + d.interval + " (" + d.schedule + ").";
  problems.replaceChildren(...(d.problems || []).map((p) => h("li", { class: "error-text", text: p })));
  if (!d.orphans.length) { rows.replaceChildren(h("tr", {}, h("td", { colspan: "5", text: d.report_id ? "No orphans." : "" }))); return; }
  rows.replaceChildren(...d.orphans.map((o) => h("tr", { "data-orphan": o.kind + "/" + o.name },
    h("td", { text: o.kind }), h("td", {}, h("code", { text: o.name })), h("td", { text: o.server_id || "" }), h("td", { text: o.reason || "" }),
    h("td", {}, o.kind === "stalled_tenant"
      ? h("a", { href: "#/tenant/" + o.tenant_id, text: "Open tenant" })
      : o.kind === "unscoped_trial_database"
      ? h("strong", { class: "error-text", text: "Critical: repair, do not remove" })
      : h("button", { type: "button", class: "danger", onclick: async () => {
          if (!window.confirm("Remove " + o.kind + " " + o.name + " for good?")) return;
          const res = await change("DELETE", "/admin/reconcile/orphans/" + encodeURIComponent(o.kind) + "/" + encodeURIComponent(o.name));
          if (res.status === 200) flashNext("Removed " + o.kind + " " + o.name + ".");
          else flashNext(res.data.message || "Not removed.", true);
          render(false);
        }, text: "Remove" })))));
}

// --- Database servers
function megabytes(b) { return b === null || b === undefined ? "" : (b / 1e6).toFixed(1) + " MB"; }

async function serverAction(id, action, question) {
  if (question && !window.confirm(question)) return;
  const r = await change("POST", "/admin/servers/" + encodeURIComponent(id) + "/" + action);
  if (r.status === 200 || r.status === 202) flashNext("Server " + id + ": " + action + " accepted (" + (r.data.state || "started") + ").");
  else flashNext(r.data.message || "Server " + id + ": " + action + " refused.", true);
  render(false);
}

async function serversView() {
  const rows = h("tbody", { id: "server-rows" });
  const errors = h("div", { id: "server-error", class: "field-error", role: "alert" });
  const field = (name, label, attrs) => [h("label", { for: "server-" + name, text: label }),
    h("input", Object.assign({ id: "server-" + name, name: name, required: true }, attrs || {}))];
  const form = h("form", { class: "card", id: "server-form", onsubmit: async (e) => {
      e.preventDefault();
      errors.textContent = "";
      const r = await change("POST", "/admin/servers", {
        id: form.server_id.value.trim(), region: form.region.value.trim(), jdbc_url: form.jdbc_url.value.trim(),
        admin_username: form.admin_username.value.trim(), admin_password: form.admin_password.value,
        capacity: Number(form.capacity.value), connection_budget: Number(form.connection_budget.value) });
      if (r.status === 201) { flashNext("Server " + r.data.id + " registered."); render(false); return; }
      const fields = r.data.fields ? Object.entries(r.data.fields).map(([k, v]) => k + " " + v).join("; ") : "";
      errors.textContent = fields || r.data.message || "Not registered.";
    } },
    h("h2", { text: "Register a server" }),
    h("p", { class: "hint", text: "The API connects with these credentials first; nothing is stored unless it can. The password is stored encrypted." }),
    field("server_id", "Id", { pattern: "[a-z0-9][a-z0-9-]{0,62}", placeholder: "pg-2" }),
    field("region", "Region", { placeholder: "eu-west" }),
    field("jdbc_url", "JDBC URL", { placeholder: "jdbc:postgresql://host:5432/postgres" }),
    field("admin_username", "Admin user", { value: "postgres" }),
    field("admin_password", "Admin password", { type: "password", autocomplete: "new-password" }),
    field("capacity", "Capacity (tenants)", { type: "number", min: "0", value: "500" }),
    field("connection_budget", "Connection budget (all routers)", { type: "number", min: "1", value: "100" }),
    errors,
    h("button", { type: "submit", id: "server-submit", text: "Register" }));
  main.replaceChildren(h("section", { class: "card", id: "servers" }, h("h1", { text: "Database servers" }),
    h("p", { class: "hint", text: "New tenants go to the OPEN server of their region with room, least loaded first. Drain moves every tenant off a server; close needs it empty." }),
    h("table", {}, h("thead", {}, h("tr", {}, ["Id", "Region", "State", "Tenants", "Budget", "Health", "Databases", "Free slots", "WAL archiving", ""]
      .map((c) => h("th", { scope: "col", text: c })))), rows)), form);
  const r = await api("GET", "/admin/servers");
  if (r.status !== 200) { flash(r.data.message, true); return; }
  if (!r.data.items.length) { rows.replaceChildren(h("tr", {}, h("td", { colspan: "10", text: "No servers registered." }))); return; }
  const chartsCard = h("section", { class: "card", id: "server-charts" }, h("h2", { text: "Capacity and connections" }),
    h("h3", { text: "Tenants of capacity" }),
    hbarChart("server-capacity", r.data.items.map((s) => ({ label: s.id, value: s.tenants, of: s.capacity })), "Tenants placed on each server of its capacity", String),
    h("h3", { text: "Connections in use of the server's maximum" }),
    hbarChart("server-connections", r.data.items.filter((s) => s.reachable).map((s) => ({ label: s.id, value: s.max_connections - s.free_connections, of: s.max_connections })),
      "Connections in use on each reachable server of its max_connections", String));
  main.insertBefore(chartsCard, form);
  rows.replaceChildren(...r.data.items.map((s) => h("tr", { "data-server": s.id },
    h("td", {}, h("code", { text: s.id })), h("td", { text: s.region }), h("td", {}, statusBadge(s.state)),
    h("td", { text: s.tenants + " / " + s.capacity }), h("td", { text: String(s.connection_budget) }),
    h("td", { class: s.reachable ? "" : "error-text", text: s.reachable ? "PostgreSQL " + s.version : "unreachable: " + (s.error || "") }),
    h("td", { text: megabytes(s.databases_bytes) }),
    h("td", { text: s.reachable ? s.free_connections + " of " + s.max_connections : "" }),
    archivingCell(s.archiving),
    h("td", {},
      s.state === "OPEN" ? h("button", { type: "button", class: "danger", "data-action": "drain",
        onclick: () => serverAction(s.id, "drain", "Move every tenant off " + s.id + "?"), text: "Drain" }) : null, " ",
      s.state !== "OPEN" ? h("a", { href: "#/drain/" + encodeURIComponent(s.id), "data-action": "drain-progress", text: "Drain progress" }) : null, " ",
      s.state !== "CLOSED" ? h("button", { type: "button", class: "secondary", "data-action": "close",
        onclick: () => serverAction(s.id, "close", "Close " + s.id + " to new tenants for good?"), text: "Close" }) : null, " ",
      s.state !== "OPEN" ? h("button", { type: "button", "data-action": "open",
        onclick: () => serverAction(s.id, "open"), text: "Open" }) : null))));
}

// A server's WAL archiving (point-in-time recovery): on with the newest segment's age, stalled, or
// off with the reason as the cell's title.
function archivingCell(a) {
  if (!a || !a.enabled) {
    return h("td", { class: "hint", title: a && a.reason ? a.reason : "", text: "archiving off" });
  }
  const newest = a.age_seconds === null || a.age_seconds === undefined
    ? "nothing archived yet" : "newest WAL " + a.age_seconds + " s ago";
  const failures = a.failures ? ", " + a.failures + " failed" : "";
  return h("td", { class: a.stalled ? "error-text" : "", text: (a.stalled ? "stalled: " : "on: ") + newest + failures });
}

function linkify(text) {
  const parts = [];
  const re = /(https?:\/\/[^\s<>"]+)/g;
  let last = 0, m;
  while ((m = re.exec(text)) !== null) {
    parts.push(text.slice(last, m.index), h("a", { href: m[1], class: "outbox-link", text: m[1] }));
    last = m.index + m[1].length;
  }
  parts.push(text.slice(last));
  return parts;
}

async function outboxView() {
  const r = await change("GET", "/admin/outbox");
  if (r.status !== 200) { main.replaceChildren(h("p", { class: "card", text: r.data.message || "No outbox." })); return; }
  main.replaceChildren(h("section", { class: "card", id: "outbox" }, h("h1", { text: "Dev outbox" }),
    h("p", { class: "hint", text: "Mail received by the embedded SMTP server, newest first." }),
    r.data.messages.length === 0 ? h("p", { text: "No mail yet." }) : null,
    r.data.messages.map((m) => h("article", { class: "card" }, h("h2", { text: m.subject }), h("p", { class: "hint", text: "To " + m.to }),
      h("pre", {}, linkify(m.text || (m.html || "").replace(/<[^>]+>/g, " ")))))));
}

// --- Fleet schema migrations
function progressBar(m) {
  return h("div", { class: "progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(m.percent),
    "aria-label": "Rollout " + m.migration_id + " progress" },
    h("div", { class: "bar", style: "width:" + m.percent + "%" }), h("span", { text: m.percent + "%" }));
}
function countsText(c) {
  return "done " + c.DONE + " · failed " + c.FAILED + " · running " + c.RUNNING + " · skipped " + c.SKIPPED;
}

async function migrationsView() {
  const r = await api("GET", "/admin/migrations");
  const items = r.data.items || [];
  const errors = h("div", { id: "migration-error", class: "field-error", role: "alert" });
  const form = h("form", { class: "card", id: "migration-form", onsubmit: async (e) => {
      e.preventDefault();
      errors.textContent = "";
      const body = {};
      if (form.target_version.value.trim()) body.target_version = form.target_version.value.trim();
      if (form.canary_tenants.value.trim()) body.canary_tenants = form.canary_tenants.value.split(",").map((x) => x.trim()).filter((x) => x);
      else if (form.canary_count.value !== "") body.canary_count = Number(form.canary_count.value);
      if (form.concurrency.value !== "") body.concurrency = Number(form.concurrency.value);
      if (form.max_failure_ratio.value !== "") body.max_failure_ratio = Number(form.max_failure_ratio.value);
      if (!window.confirm("Start a schema rollout over every ACTIVE and SUSPENDED tenant" + (body.target_version ? " to version " + body.target_version : "") + "?")) return;
      const res = await change("POST", "/admin/migrations", body);
      if (res.status === 202) { flashNext("Rollout " + res.data.migration_id + " started."); location.hash = "#/migration/" + res.data.migration_id; }
      else errors.textContent = res.data.message || "The rollout did not start.";
    } },
    h("h2", { text: "Start a schema rollout" }),
    h("label", { for: "target_version", text: "Target version (empty: the newest shipped)" }), h("input", { id: "target_version", name: "target_version" }),
    h("label", { for: "canary_tenants", text: "Canary tenants (ids or subdomains, comma separated)" }), h("input", { id: "canary_tenants", name: "canary_tenants" }),
    h("label", { for: "canary_count", text: "Or canary count" }), h("input", { id: "canary_count", name: "canary_count", type: "number", min: "0", max: "1000", placeholder: "1" }),
    h("label", { for: "concurrency", text: "Concurrency" }), h("input", { id: "concurrency", name: "concurrency", type: "number", min: "1", max: "64", placeholder: "8" }),
    h("label", { for: "max_failure_ratio", text: "Maximum failure ratio" }), h("input", { id: "max_failure_ratio", name: "max_failure_ratio", type: "number", min: "0", max: "1", step: "0.01", placeholder: "0.1" }),
    errors, h("button", { type: "submit", id: "migration-submit", text: "Start rollout" }));
  const rows = items.map((m) => h("tr", { "data-migration": m.migration_id },
    h("td", {}, h("a", { href: "#/migration/" + m.migration_id, text: m.migration_id })),
    h("td", { text: m.target_version || "newest" }), h("td", {}, statusBadge(m.state)), h("td", { text: m.phase }),
    h("td", {}, progressBar(m)), h("td", { text: countsText(m.counts) }), h("td", { text: when(m.created_at) })));
  main.replaceChildren(
    h("section", { class: "card" }, h("h1", { text: "Schema migrations" }),
      items.length ? h("table", { id: "migrations" }, h("thead", {}, h("tr", {}, ["Rollout", "Target", "State", "Phase", "Progress", "Tenants", "Started"].map((c) => h("th", { scope: "col", text: c })))), h("tbody", {}, rows))
        : h("p", { text: "No rollout yet." })),
    form);
  if (items.some((m) => !m.finished_at)) pollTimer = setTimeout(() => { if (location.hash === "#/migrations") render(true); }, 2000);
}

async function migrationView(id) {
  const r = await api("GET", "/admin/migrations/" + encodeURIComponent(id));
  if (r.status !== 200) { main.replaceChildren(h("p", { class: "card", text: r.data.message || "Not found." })); return; }
  const m = r.data;
  const actions = h("div", { class: "actions" });
  const act = (label, cls, action, confirmText) => h("button", { type: "button", class: cls, id: "migration-" + action,
    onclick: async () => {
      if (!window.confirm(confirmText)) return;
      const res = await change("POST", "/admin/migrations/" + encodeURIComponent(id) + "/" + action, {});
      if (res.status === 202) flashNext(label + " sent to rollout " + id + ".");
      else flashNext(res.data.message || label + " failed.", true);
      render(false);
    }, text: label });
  if (!m.finished_at) {
    if (m.state === "PAUSED") actions.append(act("Resume", "secondary", "resume", "Resume rollout " + id + "?"));
    else actions.append(act("Pause", "secondary", "pause", "Pause rollout " + id + "? Running tenants finish; no new one starts."));
    actions.append(act("Abort", "danger", "abort", "Abort rollout " + id + "? Running tenants finish; the rest stay at their version."));
  }
  const facts = h("dl", { class: "facts" },
    [["Target version", m.target_version || "newest (being resolved)"], ["Phase", m.phase], ["Reason", m.reason], ["Requested by", m.requested_by],
     ["Tenants", countsText(m.counts) + " of " + m.total], ["Started", when(m.created_at)], ["Finished", when(m.finished_at)],
     ["Duration", m.duration_seconds + " s"], ["Workflow", m.workflow_id]]
      .filter(([, v]) => v).map(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })]));
  const failures = (m.failures || []).map((f) => h("tr", {},
    h("td", {}, h("a", { href: "#/tenant/" + f.tenant_id, text: f.subdomain || f.tenant_id })),
    h("td", { text: f.canary ? "canary" : "" }), h("td", { class: "error-text", text: f.error }), h("td", { text: when(f.finished_at) })));
  main.replaceChildren(
    h("section", { class: "card" }, h("h1", {}, "Rollout " + m.migration_id + " ", h("span", { id: "migration-state" }, statusBadge(m.state))),
      progressBar(m), facts, actions),
    h("section", { class: "card" }, h("h2", { text: "Failed tenants" }),
      failures.length ? h("table", { id: "migration-failures" }, h("thead", {}, h("tr", {}, ["Tenant", "", "Error", "When"].map((c) => h("th", { scope: "col", text: c })))), h("tbody", {}, failures))
        : h("p", { text: "None." })));
  if (!m.finished_at) pollTimer = setTimeout(() => { if (location.hash === "#/migration/" + id) render(true); }, 1500);
}

// --- Costs: per tenant a line of figures and a sparkline of its database size (inline SVG).
function svg(tag, attrs) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  return el;
}

function sizeChart(samples, label) {
  const w = 160, hgt = 36, pad = 3;
  const chart = svg("svg", { width: w, height: hgt, viewBox: "0 0 " + w + " " + hgt, role: "img", class: "sparkline" });
  const title = svg("title", {});
  title.textContent = label;
  chart.append(title);
  if (!samples.length) return chart;
  const days = samples.map((s) => new Date(s.day + "T00:00:00Z").getUTCDate());
  const values = samples.map((s) => s.bytes);
  const max = Math.max(...values), min = Math.min(...values);
  const x = (d) => pad + (w - 2 * pad) * (d - 1) / 30;
  const y = (v) => max === min ? hgt / 2 : hgt - pad - (hgt - 2 * pad) * (v - min) / (max - min);
  const points = samples.map((s, i) => x(days[i]).toFixed(1) + "," + y(values[i]).toFixed(1)).join(" ");
  chart.append(svg("polyline", { points, fill: "none", stroke: "#0b5cad", "stroke-width": 1.5 }));
  samples.forEach((s, i) => chart.append(svg("circle", { cx: x(days[i]).toFixed(1), cy: y(values[i]).toFixed(1), r: 1.8, fill: "#0b5cad" })));
  return chart;
}

// Bars per day (vertical): values [{label, value}] where value null draws no bar. Each bar is a
// rect with data-value and a title, so the chart reads as data and is testable.
function barChart(id, values, label, format) {
  const w = 600, hgt = 120, pad = 4, top = 14;
  const chart = svg("svg", { id, width: "100%", height: hgt, viewBox: "0 0 " + w + " " + hgt, preserveAspectRatio: "none", role: "img", class: "bars" });
  const title = svg("title", {});
  title.textContent = label;
  chart.append(title);
  const max = Math.max(0, ...values.map((v) => v.value || 0));
  const slot = (w - 2 * pad) / Math.max(1, values.length);
  values.forEach((v, i) => {
    if (v.value === null || v.value === undefined) return;
    const bh = max === 0 ? 0 : (hgt - top - pad) * v.value / max;
    const bar = svg("rect", { x: (pad + i * slot + 1).toFixed(1), y: (hgt - pad - bh).toFixed(1), width: Math.max(1, slot - 2).toFixed(1),
      height: Math.max(bh, v.value > 0 ? 1 : 0).toFixed(1), fill: "#0b5cad", "data-value": v.value, "data-label": v.label });
    const t = svg("title", {});
    t.textContent = v.label + ": " + format(v.value);
    bar.append(t);
    chart.append(bar);
  });
  const peak = svg("text", { x: pad, y: 11, "font-size": 10, fill: "#555" });
  peak.textContent = "max " + format(max);
  chart.append(peak);
  return chart;
}

// Labelled horizontal bars: rows [{label, value, of}] (of: the whole the bar is part of, drawn
// behind it, such as a server's capacity).
function hbarChart(id, rows, label, format) {
  const w = 600, row = 22, lw = 150, pad = 4;
  const hgt = Math.max(row, rows.length * row) + pad;
  const chart = svg("svg", { id, width: "100%", height: hgt, viewBox: "0 0 " + w + " " + hgt, role: "img", class: "hbars" });
  const title = svg("title", {});
  title.textContent = label;
  chart.append(title);
  const max = Math.max(0, ...rows.map((r) => Math.max(r.value || 0, r.of || 0)));
  const scale = (v) => max === 0 ? 0 : (w - lw - 110) * v / max;
  rows.forEach((r, i) => {
    const y = pad + i * row;
    const name = svg("text", { x: 0, y: y + 14, "font-size": 12, fill: "#222" });
    name.textContent = r.label;
    chart.append(name);
    if (r.of !== undefined && r.of !== null) chart.append(svg("rect", { x: lw, y: y + 3, width: scale(r.of).toFixed(1), height: row - 8, fill: "#dde6f0" }));
    const bar = svg("rect", { x: lw, y: y + 3, width: Math.max(scale(r.value || 0), r.value > 0 ? 1 : 0).toFixed(1), height: row - 8,
      fill: "#0b5cad", "data-value": r.value, "data-label": r.label });
    const t = svg("title", {});
    t.textContent = r.label + ": " + format(r.value) + (r.of !== undefined && r.of !== null ? " of " + format(r.of) : "");
    bar.append(t);
    chart.append(bar);
    const figure = svg("text", { x: lw + scale(Math.max(r.value || 0, r.of || 0)) + 6, y: y + 14, "font-size": 11, fill: "#555" });
    figure.textContent = format(r.value) + (r.of !== undefined && r.of !== null ? " / " + format(r.of) : "");
    chart.append(figure);
  });
  return chart;
}

// A workflow's steps on one time axis: each activity a bar from scheduled to finished.
function stepTimeline(entries) {
  const steps = entries.filter((e) => e.scheduled_at && e.finished_at && e.kind !== "timer");
  if (!steps.length) return null;
  const start = Math.min(...steps.map((e) => Date.parse(e.scheduled_at)));
  const end = Math.max(...steps.map((e) => Date.parse(e.finished_at)));
  const span = Math.max(1, end - start);
  const w = 600, row = 16, lw = 170;
  const chart = svg("svg", { id: "timeline-bar", width: "100%", height: steps.length * row + 18, viewBox: "0 0 " + w + " " + (steps.length * row + 18), role: "img", class: "gantt" });
  const title = svg("title", {});
  title.textContent = "Steps over time, " + ((end - start) / 1000).toFixed(2) + " s in all";
  chart.append(title);
  steps.forEach((e, i) => {
    const y = i * row;
    const name = svg("text", { x: 0, y: y + 12, "font-size": 11, fill: "#222" });
    name.textContent = e.name;
    chart.append(name);
    const x0 = lw + (w - lw - 8) * (Date.parse(e.scheduled_at) - start) / span;
    const x1 = lw + (w - lw - 8) * (Date.parse(e.finished_at) - start) / span;
    const ms = Date.parse(e.finished_at) - Date.parse(e.scheduled_at);
    const bar = svg("rect", { x: x0.toFixed(1), y: y + 3, width: Math.max(1.5, x1 - x0).toFixed(1), height: row - 6,
      fill: e.outcome && /fail|timed/i.test(e.outcome) ? "#b42318" : "#0b5cad", "data-value": ms, "data-label": e.name });
    const t = svg("title", {});
    t.textContent = e.name + ": " + ms + " ms (" + (e.outcome || "") + ")";
    bar.append(t);
    chart.append(bar);
  });
  const axis = svg("text", { x: lw, y: steps.length * row + 14, "font-size": 10, fill: "#555" });
  axis.textContent = "0 to " + ((end - start) / 1000).toFixed(2) + " s";
  chart.append(axis);
  return chart;
}

// The tenant's last 30 days: database size samples and requests through the routers.
function usageSection(t) {
  const size = h("div", { id: "usage-size" }), requests = h("div", { id: "usage-requests" });
  const perf = h("div", { id: "performance" });
  const card = h("section", { class: "card", id: "usage" }, h("h2", { text: "Usage, last 30 days" }),
    h("h3", { text: "Database size" }), size, h("h3", { text: "Requests per day" }), requests,
    h("h3", { text: "Query performance, last 7 days" }), perf);
  api("GET", "/admin/tenants/" + t.tenant_id + "/performance?days=7").then((r) => {
    if (r.status !== 200) { perf.replaceChildren(h("p", { class: "hint", text: r.data.message || r.data.detail || "Not available." })); return; }
    const q = r.data.requests, st = r.data.statements;
    const ms = (v) => v === null || v === undefined ? "no requests" : Number(v).toFixed(1) + " ms";
    perf.replaceChildren(
      h("p", { id: "latency" }, "Request latency at the routers: p50 ", h("strong", { id: "latency-p50", text: ms(q.p50_ms) }),
        ", p95 ", h("strong", { id: "latency-p95", text: ms(q.p95_ms) }), " (" + q.count + " requests)"),
      st.available
        ? h("table", { id: "slow-statements" }, h("thead", {}, h("tr", {}, ["Statement", "Calls", "Mean ms", "Total ms"].map((c) => h("th", { scope: "col", text: c })))),
            h("tbody", {}, st.slowest.map((x) => h("tr", {}, h("td", {}, h("code", { text: x.query })), h("td", { text: String(x.calls) }),
              h("td", { text: Number(x.mean_millis).toFixed(2) }), h("td", { text: Number(x.total_millis).toFixed(1) })))))
        : h("p", { class: "hint", id: "statements-unavailable", text: "Slowest statements: " + st.reason }));
  });
  api("GET", "/admin/tenants/" + t.tenant_id + "/usage?days=30").then((r) => {
    if (r.status !== 200) { size.replaceChildren(h("p", { class: "hint", text: r.data.message || r.data.detail || "No usage." })); return; }
    const days = r.data.days;
    size.replaceChildren(barChart("chart-size", days.map((d) => ({ label: d.day, value: d.database_bytes })), "Database size of " + t.subdomain + " by day", mib));
    requests.replaceChildren(barChart("chart-requests", days.map((d) => ({ label: d.day, value: d.requests })), "Requests to " + t.subdomain + " by day", String));
  });
  return card;
}

function money(v, currency) { return v === null || v === undefined ? "" : Number(v).toFixed(2) + " " + currency; }

async function costsView(params) {
  const now = new Date();
  const current = now.getUTCFullYear() + "-" + String(now.getUTCMonth() + 1).padStart(2, "0");
  const month = params.get("month") || current;
  const input = h("input", { type: "month", id: "cost-month", value: month, "aria-label": "Month" });
  const rows = h("tbody", { id: "cost-rows" });
  const meta = h("p", { class: "hint", id: "cost-meta" });
  const download = h("button", { type: "button", class: "secondary", id: "cost-csv", onclick: async () => {
      const res = await fetch("/admin/costs.csv?month=" + encodeURIComponent(month), { headers: { "Authorization": "Bearer " + token() } });
      if (!res.ok) { flash("The CSV could not be made (" + res.status + ").", true); return; }
      const url = URL.createObjectURL(await res.blob());
      const a = h("a", { href: url, download: "taskifai-costs-" + month + ".csv" });
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    }, text: "Download CSV" });
  main.replaceChildren(h("section", { class: "card", id: "costs" }, h("h1", { text: "Costs" }),
    h("p", { class: "hint", text: "What each tenant used in the month and its estimate from the configured prices: database size (daily samples), requests and connection time through the routers, sell-out uploads, stored backups." }),
    h("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); location.hash = "#/costs?month=" + encodeURIComponent(input.value); } },
      h("div", {}, h("label", { for: "cost-month", text: "Month" }), input),
      h("div", {}, h("button", { type: "submit", text: "Show" }), " ", download)),
    meta,
    h("table", {}, h("thead", {}, h("tr", {}, ["Tenant", "Database", "Size this month", "Growth", "Requests", "Connection s", "Uploaded", "Backups", "Estimate"].map((c) => h("th", { scope: "col", text: c })))), rows)));
  const r = await api("GET", "/admin/costs?month=" + encodeURIComponent(month));
  if (r.status !== 200) { flash(r.data.message || r.data.detail, true); return; }
  const d = r.data;
  const p = d.prices;
  meta.textContent = "Prices per month: " + p.per_gb_month + " per GB of database, " + p.backup_per_gb_month + " per GB of backups, " +
    p.per_database + " per database, " + p.per_million_requests + " per million requests (" + d.currency + "). Total: " + money(d.total.total, d.currency) + ".";
  if (!d.tenants.length) { rows.replaceChildren(h("tr", {}, h("td", { colspan: "9", text: "No tenant used anything in " + d.month + "." }))); return; }
  const top = d.tenants.slice().sort((x, y) => y.estimate.total - x.estimate.total).slice(0, 20);
  main.querySelector("#costs").insertBefore(h("div", { id: "cost-chart" }, h("h2", { text: "Estimate per tenant" + (d.tenants.length > 20 ? " (top 20)" : "") }),
    hbarChart("cost-bars", top.map((t) => ({ label: t.subdomain, value: Number(t.estimate.total) })), "Cost estimate per tenant, " + d.month, (v) => money(v, d.currency))),
    main.querySelector("#costs table"));
  rows.replaceChildren(...d.tenants.map((t) => h("tr", { "data-tenant": t.tenant_id },
    h("td", {}, h("a", { href: "#/tenant/" + t.tenant_id, text: t.subdomain }), " ", statusBadge(t.status)),
    h("td", { text: mib(t.database_bytes) }),
    h("td", {}, sizeChart(t.samples, "Database size of " + t.subdomain + " by day, " + d.month)),
    h("td", { text: mib(t.database_growth_bytes) }),
    h("td", { text: String(t.requests) }),
    h("td", { text: Number(t.connection_seconds).toFixed(1) }),
    h("td", { text: t.upload_rows + " rows, " + mib(t.upload_bytes) }),
    h("td", { text: mib(t.backup_bytes) }),
    h("td", { title: "storage " + t.estimate.storage + ", backups " + t.estimate.backups + ", database " + t.estimate.database + ", requests " + t.estimate.requests, text: money(t.estimate.total, d.currency) }))));
}

// --- Routing
async function render(polling) {
  clearTimeout(pollTimer);
  const hash = location.hash || "#/tenants";
  const [path, query] = hash.slice(1).split("?");
  const params = new URLSearchParams(query || "");
  if (!token() && path !== "/login") { location.hash = "#/login"; return; }
  if (!polling) {
    if (keepFlash) keepFlash = false;
    else flash("");
  }
  try {
    if (path === "/login") return loginView();
    document.getElementById("nav").hidden = false;
    if (!outboxChecked) {
      outboxChecked = true;
      api("GET", "/admin/outbox").then((o) => { document.getElementById("nav-outbox").hidden = o.status !== 200 && o.data.error !== "mfa_required"; }, () => {});
    }
    if (path === "/tenants") return await tenantsView(params);
    if (path === "/new") return newTenantView();
    if (path.startsWith("/tenant/")) return await tenantView(path.slice("/tenant/".length));
    if (path === "/migrations") return await migrationsView();
    if (path.startsWith("/migration/")) return await migrationView(path.slice("/migration/".length));
    if (path === "/audit") return await auditView(params);
    if (path === "/orphans") return await orphansView();
    if (path === "/servers") return await serversView();
    if (path === "/outbox") return await outboxView();
    if (path.startsWith("/drain/")) return await drainView(decodeURIComponent(path.slice("/drain/".length)));
    if (path === "/costs") return await costsView(params);
    location.hash = "#/tenants";
  } catch (e) {
    if (e.message !== "unauthorized") flash("Something went wrong: " + e.message, true);
  } finally {
    if (!polling && !main.contains(document.activeElement)) main.focus({ preventScroll: true });
  }
}

document.getElementById("logout").addEventListener("click", () => {
  sessionStorage.removeItem("taskifai.token");
  outboxChecked = false;
  location.hash = "#/login";
});
window.addEventListener("hashchange", () => render(false));
window.addEventListener("DOMContentLoaded", () => render(false));
