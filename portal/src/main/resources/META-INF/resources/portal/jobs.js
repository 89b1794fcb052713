// Fine-tuning pages: the job form's request body, and a job's live chart and event log, both fed
// by the job's own event stream (GET /v1/fine_tuning/jobs/{id}/events?stream=true).
"use strict";
(function () {
  const number = (form, name) => {
    const value = form.elements[name] && form.elements[name].value.trim();
    return value ? Number(value) : undefined;
  };
  const text = (form, name) => {
    const value = form.elements[name] && form.elements[name].value.trim();
    return value || undefined;
  };

  /** The body of POST /v1/fine_tuning/jobs from the form; empty fields are left to the API. */
  window.anneal.forms.job = form => {
    const method = form.elements.method.value;
    const type = method === "dpo" ? "dpo" : "supervised";
    const hyperparameters = {
      n_epochs: number(form, "n_epochs"),
      batch_size: number(form, "batch_size"),
      learning_rate_multiplier: number(form, "learning_rate_multiplier"),
    };
    if (type === "dpo") hyperparameters.beta = number(form, "beta");
    const body = {
      model: text(form, "model"),
      training_file: text(form, "training_file"),
      validation_file: text(form, "validation_file"),
      suffix: text(form, "suffix"),
      seed: number(form, "seed"),
      max_seq_length: number(form, "max_seq_length"),
      training_type: form.elements.training_type.value,
      method: { type, [type]: { hyperparameters } },
    };
    if (body.training_type === "lora") {
      const lora = { r: number(form, "r"), alpha: number(form, "alpha"), dropout: number(form, "dropout") };
      if (Object.values(lora).some(v => v !== undefined)) body.lora = lora;
    }
    return body;
  };

  /**
   * A finished job's status, actions and checkpoints, swapped in from a fresh copy of the page;
   * not a reload, which would override a link the person clicked meanwhile.
   */
  async function refresh() {
    const response = await fetch(location.href, { headers: { Accept: "text/html" } }).catch(() => null);
    if (!response || !response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const part of document.querySelectorAll("[data-refresh]")) {
      const next = fresh.getElementById(part.id);
      if (next) part.replaceWith(document.importNode(next, true));
    }
  }

  /** The chart of a job: training loss, validation loss (left axis) and learning rate (right). */
  function follow(box) {
    const steps = [], train = [], valid = [], rate = [];
    const index = new Map();
    const at = step => {
      if (!index.has(step)) {
        let i = steps.length;
        while (i > 0 && steps[i - 1] > step) i--;
        steps.splice(i, 0, step); train.splice(i, 0, null); valid.splice(i, 0, null); rate.splice(i, 0, null);
        index.clear(); steps.forEach((s, j) => index.set(s, j));
      }
      return index.get(step);
    };
    const plot = new uPlot({
      width: box.clientWidth || 600, height: 280,
      scales: { x: { time: false } },
      axes: [{ label: "step" }, { label: "loss" }, { side: 1, scale: "lr", label: "learning rate", grid: { show: false }, size: 70, values: (u, ticks) => ticks.map(v => v.toExponential(1)) }],
      series: [{ label: "step" },
        { label: "training loss", stroke: "#2f5d8a", width: 2, spanGaps: true },
        { label: "validation loss", stroke: "#b4632a", width: 2, spanGaps: true, points: { show: true } },
        { label: "learning rate", stroke: "#7d8b99", scale: "lr", dash: [4, 4], spanGaps: true }],
    }, [steps, train, valid, rate], box);
    new ResizeObserver(() => plot.setSize({ width: box.clientWidth, height: 280 })).observe(box);
    const counter = document.getElementById("chart-points");
    const log = document.getElementById("events");
    let points = 0;
    const source = new EventSource("/v1/fine_tuning/jobs/" + encodeURIComponent(box.dataset.job) + "/events?stream=true");
    source.onmessage = e => {
      if (e.data === "[DONE]") {
        source.close();
        if (box.dataset.live === "true") refresh();
        return;
      }
      const event = JSON.parse(e.data);
      const when = new Date(event.created_at * 1000).toISOString().slice(11, 19);
      log.prepend(window.anneal.el("li", { text: when + "  " + event.message }));
      const d = event.data;
      if (d && typeof d.step === "number") {
        const i = at(d.step);
        if (typeof d.train_loss === "number") train[i] = d.train_loss;
        if (typeof d.valid_loss === "number") valid[i] = d.valid_loss;
        if (typeof d.learning_rate === "number") rate[i] = d.learning_rate;
        plot.setData([steps, train, valid, rate]);
        points = steps.length;
        counter.textContent = points + (points === 1 ? " step" : " steps") + " plotted, the last at step " + steps[steps.length - 1] + ".";
        box.dataset.points = String(points);
      }
    };
    source.onerror = () => { if (source.readyState === EventSource.CLOSED) counter.textContent = "The event stream closed; reload to follow again."; };
  }

  document.addEventListener("DOMContentLoaded", () => {
    const box = document.getElementById("chart");
    if (box) follow(box);
  });
})();
