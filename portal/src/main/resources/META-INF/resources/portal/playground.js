// The playground: streams answers from POST /v1/chat/completions and sends judgements to
// POST /v1/feedback (the server makes the signed-in person their annotator). In compare mode the
// two models are put behind "A" and "B" at random for each comparison, and named only once judged.
"use strict";
(function () {
  const { api, message, el } = window.anneal;
  const $ = id => document.getElementById(id);

  /** A random UUID (v4), also where crypto.randomUUID is missing (plain HTTP off localhost). */
  function uuid() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, x => x.toString(16).padStart(2, "0")).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function settings(form) {
    const n = name => form.elements[name].value.trim();
    const body = { temperature: Number(n("temperature")), top_p: Number(n("top_p")), max_completion_tokens: Number(n("max_tokens")) };
    if (n("seed")) body.seed = Number(n("seed"));
    return body;
  }

  /** Streams one chat completion into {@code target}; resolves to the whole answer. */
  async function stream(model, messages, options, target) {
    const response = await fetch("/v1/chat/completions", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": document.body.dataset.csrf },
      body: JSON.stringify(Object.assign({ model, messages, stream: true }, options)),
    });
    if (!response.ok) {
      let body = null;
      try { body = await response.json(); } catch (e) { /* none */ }
      throw new Error(message({ status: response.status, body }));
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "", text = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, end); buffer = buffer.slice(end + 2);
        for (const line of event.split("\n")) {
          if (!line.startsWith("data: ")) continue;
          const data = line.slice(6);
          if (data === "[DONE]") return text;
          const chunk = JSON.parse(data);
          if (chunk.error) throw new Error(chunk.error.message);
          for (const choice of chunk.choices || []) {
            if (choice.delta && choice.delta.content) { text += choice.delta.content; target.textContent = text; }
          }
        }
      }
    }
    return text;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = $("playground");
    if (!form) return;
    let history = [];       // the single-model conversation
    let pending = null;     // what the next judgement is about
    const busy = on => { for (const b of form.querySelectorAll("button")) b.disabled = on; };
    const system = () => form.elements.system.value.trim();
    const comparing = () => form.elements.model_b.value !== "";
    const hint = () => {
      $("mode-hint").textContent = comparing()
        ? "Compare mode: each message goes to both models; which one is A and which is B is decided at random and shown after you judge."
        : "Chat mode: rate the last answer with the thumbs.";
    };
    const reset = () => {
      history = []; pending = null;
      $("chat").replaceChildren(); $("sides").hidden = true; $("judge").hidden = true; $("thumbs").hidden = true;
      $("judged").textContent = ""; $("play-error").textContent = "";
    };
    form.elements.model_a.addEventListener("change", reset);
    form.elements.model_b.addEventListener("change", () => { reset(); hint(); });
    $("new-chat").addEventListener("click", reset);
    hint();

    form.addEventListener("submit", async e => {
      e.preventDefault();
      const content = form.elements.prompt.value.trim();
      if (!content) return;
      $("play-error").textContent = ""; $("judged").textContent = "";
      $("judge").hidden = true; $("thumbs").hidden = true;
      busy(true);
      try {
        if (comparing()) await compare(content); else await chat(content);
        form.elements.prompt.value = "";
      } catch (error) {
        $("play-error").textContent = error.message;
      } finally {
        busy(false);
      }
    });

    async function chat(content) {
      $("sides").hidden = true;
      const model = form.elements.model_a.value;
      if (!history.length && system()) history.push({ role: "system", content: system() });
      history.push({ role: "user", content });
      $("chat").append(el("div", { class: "msg user", text: content }));
      const answer = el("div", { class: "msg assistant" });
      $("chat").append(answer);
      const text = await stream(model, history, settings(form), answer);
      pending = { type: "rating", prompt: history.slice(), answer: text, model };
      history.push({ role: "assistant", content: text });
      $("thumbs").hidden = false;
    }

    async function compare(content) {
      $("chat").replaceChildren(); $("sides").hidden = false;
      const models = [form.elements.model_a.value, form.elements.model_b.value];
      if (Math.random() < 0.5) models.reverse();
      const prompt = (system() ? [{ role: "system", content: system() }] : []).concat([{ role: "user", content }]);
      $("side-a-title").textContent = "Model A"; $("side-b-title").textContent = "Model B";
      $("side-a").textContent = ""; $("side-b").textContent = "";
      $("chat").append(el("div", { class: "msg user", text: content }));
      const options = settings(form);
      const [a, b] = await Promise.all([stream(models[0], prompt, options, $("side-a")), stream(models[1], prompt, options, $("side-b"))]);
      pending = { type: "pairwise", prompt, answers: [a, b], models };
      $("judge").hidden = false;
    }

    async function submit(record) {
      const result = await api("POST", "/v1/feedback", Object.assign({ event_id: uuid(), metadata: { source: "playground" } }, record));
      if (!result.ok) throw new Error(message(result));
    }

    $("judge").addEventListener("click", async e => {
      const verdict = e.target.closest("button") && e.target.closest("button").dataset.verdict;
      if (!verdict || !pending || pending.type !== "pairwise") return;
      const judged = pending; pending = null;
      busy(true);
      try {
        if (verdict !== "tie") {
          const win = verdict === "a" ? 0 : 1, lose = 1 - win;
          await submit({
            type: "pairwise", prompt: judged.prompt,
            chosen: [{ role: "assistant", content: judged.answers[win] }],
            rejected: [{ role: "assistant", content: judged.answers[lose] }],
            chosen_model: judged.models[win], rejected_model: judged.models[lose],
          });
        }
        $("side-a-title").textContent = "Model A: " + judged.models[0];
        $("side-b-title").textContent = "Model B: " + judged.models[1];
        $("judge").hidden = true;
        $("judged").textContent = verdict === "tie"
          ? "A tie records nothing. A was " + judged.models[0] + ", B was " + judged.models[1] + "."
          : "Judgement recorded: " + judged.models[verdict === "a" ? 0 : 1] + " was better.";
      } catch (error) {
        pending = judged;
        $("play-error").textContent = error.message;
      } finally {
        busy(false);
      }
    });

    $("thumbs").addEventListener("click", async e => {
      const score = e.target.closest("button") && e.target.closest("button").dataset.score;
      if (!score || !pending || pending.type !== "rating") return;
      const judged = pending; pending = null;
      busy(true);
      try {
        await submit({ type: "rating", prompt: judged.prompt, completion: [{ role: "assistant", content: judged.answer }], model: judged.model, score: Number(score) });
        $("thumbs").hidden = true;
        $("judged").textContent = "Rating recorded.";
      } catch (error) {
        pending = judged;
        $("play-error").textContent = error.message;
      } finally {
        busy(false);
      }
    });
  });
})();
