// Anneal portal: the few behaviours the pages share. Every change goes to the API's own routes
// with the session cookie and the session's X-CSRF-Token; the API key is never seen here.
"use strict";
(function () {
  const csrf = () => document.body.dataset.csrf || "";

  /** Calls the API; resolves to {ok, status, body} with the parsed JSON body (or null). */
  async function api(method, path, body) {
    const init = { method, headers: { "X-CSRF-Token": csrf() }, credentials: "same-origin" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    let json = null;
    try { json = await response.json(); } catch (e) { /* no body */ }
    return { ok: response.ok, status: response.status, body: json };
  }

  /** The API's message for a failed call. */
  function message(result) {
    return (result.body && result.body.error && result.body.error.message) || "The request failed (" + result.status + ").";
  }

  /** Builds an element: el("td", {class: "num"}, "text", child). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "text") node.textContent = v; else node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children) node.append(child);
    return node;
  }

  /** The table of a rejected file's lines, exactly as the API reports them. */
  function lineErrors(error) {
    const rows = (error.errors || []).map(e => el("tr", {}, el("td", { class: "num", text: e.line }), el("td", { text: e.field || "" }), el("td", { text: e.reason })));
    const table = el("table", { "aria-label": "Errors by line" },
      el("thead", {}, el("tr", {}, el("th", { class: "num", text: "Line" }), el("th", { text: "Field" }), el("th", { text: "Reason" }))),
      el("tbody", {}, ...rows));
    const wrap = el("div", { class: "table-wrap" }, table);
    if (error.more_errors) wrap.append(el("p", { class: "hint", text: "More lines have errors; fix these and upload again." }));
    return wrap;
  }

  /** Uploads a file to POST /v1/files, streamed, with a progress bar. */
  function upload(form) {
    const input = form.querySelector("input[type=file]");
    const bar = form.querySelector("progress");
    const status = form.querySelector(".upload-status");
    const errors = form.querySelector(".upload-errors");
    const button = form.querySelector("button[type=submit]");
    if (!input.files.length) return;
    const data = new FormData();
    data.append("purpose", "fine-tune");
    data.append("file", input.files[0]);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/files");
    xhr.setRequestHeader("X-CSRF-Token", csrf());
    bar.hidden = false; bar.value = 0; errors.replaceChildren(); button.disabled = true;
    status.className = "upload-status"; status.textContent = "Uploading " + input.files[0].name + "…";
    xhr.upload.onprogress = e => {
      if (e.lengthComputable) {
        bar.value = Math.round(100 * e.loaded / e.total);
        status.textContent = e.loaded < e.total ? "Uploading… " + bar.value + " %" : "Checking every line…";
      }
    };
    xhr.onload = () => {
      button.disabled = false;
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) {
        status.className = "upload-status notice";
        status.textContent = "Uploaded " + body.filename + ": " + body.line_count + " lines (" + body.format + ").";
        htmx.ajax("GET", location.pathname + location.search, { target: "#file-list", select: "#file-list", swap: "outerHTML" });
        return;
      }
      bar.hidden = true;
      const error = (body && body.error) || { message: "The upload failed (" + xhr.status + ")." };
      status.className = "upload-status error";
      status.textContent = error.message;
      if (error.errors) errors.append(lineErrors(error));
    };
    xhr.onerror = () => { button.disabled = false; status.className = "upload-status error"; status.textContent = "The upload was interrupted."; };
    xhr.send(data);
  }

  /** Sends a form's fields as JSON to the API; shows each error beside the field it names. */
  async function submitJson(form) {
    for (const e of form.querySelectorAll(".field-error")) e.textContent = "";
    for (const e of form.querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
    const summary = form.querySelector(".form-error");
    summary.textContent = "";
    const body = window.anneal.forms[form.dataset.json](form);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const result = await api(form.dataset.method || "POST", form.dataset.action, body);
    button.disabled = false;
    if (result.ok && form.dataset.show) {
      // a secret shown once (a new key): on the page, never stored
      const target = document.querySelector(form.dataset.show);
      target.textContent = result.body.key;
      target.parentElement.hidden = false;
      form.reset();
      return;
    }
    if (result.ok) {
      const then = form.dataset.then;
      location.assign(then ? then.replace(":id", encodeURIComponent(result.body.id)) : location.href);
      return;
    }
    const error = (result.body && result.body.error) || {};
    // "hyperparameters.n_epochs" or "lora.r" is shown beside the field named by its last part
    const full = error.param ? String(error.param) : "";
    const names = full ? [full, full.split(".").pop().replace(/\[\d+\]$/, ""), full.split(/[.[]/)[0]] : [];
    let slot = null, param = null;
    for (const name of names) {
      slot = form.querySelector('[data-error-for="' + CSS.escape(name) + '"]');
      if (slot) { param = name; break; }
    }
    if (slot) {
      slot.textContent = message(result);
      const input = form.querySelector('[name="' + CSS.escape(param) + '"]');
      if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
    } else {
      summary.textContent = message(result);
    }
  }

  document.addEventListener("submit", e => {
    const form = e.target;
    if (form.matches("[data-upload]")) { e.preventDefault(); upload(form); }
    else if (form.matches("[data-json]")) { e.preventDefault(); submitJson(form); }
  });

  document.addEventListener("click", async e => {
    const button = e.target.closest("button");
    if (!button) return;
    if (button.dataset.delete) {
      if (!confirm(button.dataset.confirm || "Delete it?")) return;
      const result = await api("DELETE", button.dataset.delete);
      if (!result.ok) { alert(message(result)); return; }
      if (button.dataset.then) location.assign(button.dataset.then);
      else { const row = button.closest("tr"); if (row) row.remove(); else location.reload(); }
    } else if (button.dataset.post) {
      if (button.dataset.confirm && !confirm(button.dataset.confirm)) return;
      const result = await api("POST", button.dataset.post, {});
      if (!result.ok) { alert(message(result)); return; }
      location.reload();
    } else if (button.dataset.copy) {
      await navigator.clipboard.writeText(button.dataset.copy).catch(() => {});
      const label = button.textContent; button.textContent = "Copied"; setTimeout(() => button.textContent = label, 1500);
    }
  });

  /** Marks the navigation link of this page: the longest one the path starts with. */
  function markCurrent() {
    const links = Array.from(document.querySelectorAll(".top nav a"));
    const matches = a => location.pathname === a.getAttribute("href") || location.pathname.startsWith(a.getAttribute("href") + "/");
    const best = links.filter(matches).sort((a, b) => b.getAttribute("href").length - a.getAttribute("href").length)[0];
    for (const a of links) {
      if (a === best) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    }
  }
  document.addEventListener("DOMContentLoaded", markCurrent);

  const value = (form, name) => (form.elements[name] && form.elements[name].value.trim()) || undefined;

  window.anneal = {
    api, message, el,
    forms: {
      /** The body of PATCH /v1/admin/tenants/{id}: the quotas changed; an emptied one goes back to its default. */
      quotas: form => {
        const quotas = {};
        for (const input of form.querySelectorAll("input[data-quota]")) {
          if (input.value.trim() === input.defaultValue.trim()) continue;
          quotas[input.name] = input.value.trim() === "" ? null : Number(input.value.trim());
        }
        return { quotas };
      },
      /** The body of POST /v1/admin/models. */
      baseModel: form => ({ id: value(form, "id"), path: value(form, "path") }),
      /** The body of POST /v1/admin/tenants. */
      tenant: form => ({ name: value(form, "name") }),
      /** The body of POST /v1/admin/tenants/{id}/api_keys. */
      key: form => ({ name: value(form, "name") }),
      /** The body of POST /v1/preference_datasets: the page's filters and the aggregation. */
      dataset: form => ({
        filters: { model: value(form, "model"), annotator_id: value(form, "annotator_id"), created_after: value(form, "created_after"), created_before: value(form, "created_before") },
        aggregation: value(form, "aggregation"),
        min_annotators: value(form, "min_annotators") === undefined ? undefined : Number(value(form, "min_annotators")),
        filename: value(form, "filename"),
      }),
    },
  };
})();
