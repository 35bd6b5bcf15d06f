// The upload page of `ocrvl serve`: sends the document to /v1/parse (as a job, so its pages can be followed),
// polls the job, then shows the viewer and offers the downloads. The API key, when the server wants one, is
// asked for once and kept in this tab (sessionStorage), sent as `Authorization: Bearer`.
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const KEY = "ocrvl-api-key";
  const POLL_MS = 400;
  let result = null;
  let jobId = null;
  let stem = "document";
  let pending = null; // the file to send again once a key is given

  class Unauthorized extends Error {}

  function show(id, visible) { $(id).hidden = !visible; }

  function fail(message) {
    $("error").textContent = message;
    show("error", true);
    show("status", false);
    $("drop").classList.remove("busy");
  }

  async function api(path, init = {}) {
    const key = sessionStorage.getItem(KEY);
    const headers = new Headers(init.headers || {});
    if (key) headers.set("Authorization", `Bearer ${key}`);
    const response = await fetch(path, { ...init, headers });
    if (response.status === 401) throw new Unauthorized(await message(response));
    return response;
  }

  async function message(response) {
    try {
      const body = await response.json();
      return (body.error && body.error.message) || `${response.status} ${response.statusText}`;
    } catch (_) {
      return `${response.status} ${response.statusText}`;
    }
  }

  function askForKey(why) {
    show("key-panel", true);
    $("key").focus();
    fail(why);
  }

  function progress(job) {
    const done = job.pages_done || 0;
    $("progress").max = Math.max(job.pages, 1);
    $("progress").value = done;
    const state = job.status === "queued" ? "waiting for a free worker" : `page ${done} of ${job.pages} read`;
    $("status-text").textContent = `${stem}: ${state}`;
  }

  async function parse(file) {
    pending = file;
    result = null;
    stem = file.name.replace(/\.[^.]*$/, "") || "document";
    show("error", false);
    show("result", false);
    show("status", true);
    $("drop").classList.add("busy");
    $("status-text").textContent = `${file.name}: uploading`;
    $("progress").removeAttribute("value");
    const form = new FormData();
    form.append("file", file);
    form.append("formats", FORMATS);
    form.append("wait", "false");
    if ($("pages").value.trim()) form.append("pages", $("pages").value.trim());
    try {
      let response = await api("/v1/parse", { method: "POST", body: form });
      let job = await response.json();
      if (!response.ok && !job.job_id) return fail(job.error ? job.error.message : `${response.status}`);
      jobId = job.job_id;
      while (job.status === "queued" || job.status === "running") {
        progress(job);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        response = await api(`/v1/parse/${jobId}`);
        if (!response.ok) return fail(await message(response));
        job = await response.json();
      }
      if (job.status !== "done") return fail(job.error || "the job failed");
      pending = null;
      finish(job);
    } catch (error) {
      if (error instanceof Unauthorized) return askForKey(error.message);
      fail(`the server could not be reached: ${error.message}`);
    }
  }

  function finish(job) {
    result = job.result;
    progress({ ...job, pages_done: job.pages });
    $("status-text").textContent = `${stem}: ${job.pages} page${job.pages === 1 ? "" : "s"} read`;
    $("drop").classList.remove("busy");
    $("result-name").textContent = stem;
    $("viewer").srcdoc = result.html;
    show("result", true);
  }

  function save(blob, name) {
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  async function download(kind) {
    if (!result) return;
    if (kind === "markdown") save(new Blob([result.markdown], { type: "text/markdown" }), `${stem}.md`);
    if (kind === "json") save(new Blob([JSON.stringify(result.json, null, 2)], { type: "application/json" }), `${stem}.json`);
    if (kind === "html") save(new Blob([result.html], { type: "text/html" }), `${stem}.html`);
    if (kind === "zip") {
      try {
        const response = await api(result.zip);
        if (!response.ok) return fail(await message(response));
        save(await response.blob(), `${stem}.zip`);
      } catch (error) {
        if (error instanceof Unauthorized) return askForKey(error.message);
        fail(`the zip could not be fetched: ${error.message}`);
      }
    }
  }

  const drop = $("drop");
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    if (event.dataTransfer.files.length) parse(event.dataTransfer.files[0]);
  });
  $("file").addEventListener("change", (event) => {
    if (event.target.files.length) parse(event.target.files[0]);
    event.target.value = "";
  });
  $("key-button").addEventListener("click", () => show("key-panel", $("key-panel").hidden));
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, $("key").value.trim());
    show("key-panel", false);
    show("error", false);
    if (pending) parse(pending);
  });
  document.querySelectorAll("[data-download]").forEach((button) =>
    button.addEventListener("click", () => download(button.dataset.download)));
  fetch("/health").then((r) => r.json()).then((health) => {
    $("engine").textContent = `engine ${health.parse_engine}: ${health.parse_engine_reason}`;
  }).catch(() => {});
})();
