/*
 * A run's page: its curves (reward, KL, win-rate, losses, entropy, and any other metric), the plan it trained, its
 * checkpoints and configuration. It polls for new steps every second and extends the curves in place.
 */
"use strict";

(() => {
  const { el, num, time, badge, link, fill, table, kv, json, chart, chartBox, lines } = HL;
  /** The curves drawn for PPO runs, each from whichever of its metrics the run recorded. */
  const GROUPS = [
    ["Reward", ["reward_mean", "eval_reward", "reward_std"]],
    ["KL divergence from the reference", ["kl", "eval_kl", "k2", "k3", "js", "penalty"]],
    ["Win rate and accuracy", ["win_rate", "factuality", "accuracy"]],
    ["Losses", ["policy_loss", "value_loss", "loss", "train_loss", "eval_loss"]],
    ["Entropy", ["entropy"]],
  ];
  const id = HL.pathId();
  const main = document.getElementById("main");
  const header = el("div", { id: "header" });
  const curves = el("section", { id: "curves" });
  const other = el("section", { id: "other" });
  const planSection = el("section", { id: "plan" });
  const outputs = el("section", { id: "outputs" });
  const config = el("section", { id: "config" });
  fill(main, header, curves, other, planSection, outputs, config);
  const series = { steps: [], values: {} };
  const boxes = new Map();
  const otherBox = chartBox("chart");
  const otherSelect = el("select", { id: "other-metric" });
  otherSelect.addEventListener("change", drawCurves);
  let detailStamp = null;

  function drawDetail(run) {
    const r = run.summary;
    document.title = "heterolora · run " + r.id;
    fill(header, el("h1", {}, "Run " + r.id + ": " + r.kind), el("p", { class: "meta" }, badge(r.status), " ",
      r.study_id === null ? "no study" : link("/studies/" + r.study_id, "study " + r.study_id),
      r.trial_id === null ? "" : ", trial " + r.trial_id, ", last step ", el("span", { id: "last-step" },
        num(r.last_step)), ", updated " + time(r.updated_at)), r.message ? el("p", {}, r.message) : null);
    if (run.plan) {
      const box = chartBox("chart");
      fill(planSection, el("h2", {}, "The plan it trained"), el("div", { class: "grid2" }, box));
      HL.planMap(box, run.plan, run.plan.best[0]);
    } else {
      fill(planSection);
    }
    fill(outputs, el("h2", {}, "Checkpoints and outputs"), run.outputs.length === 0
      ? el("p", { class: "note" }, run.output_dir ? "Nothing written yet in " + run.output_dir + "."
        : "The run records no output folder.")
      : table([
        { label: "what", cls: "text", value: o => o.name },
        { label: "step", value: o => num(o.step) },
        { label: "written", value: o => time(o.modified) },
        { label: "path", cls: "text", value: o => o.path },
      ], run.outputs));
    fill(config, el("h2", {}, "Configuration"), json("configuration JSON", run.config));
  }

  function curve(name) {
    const values = series.values[name] || [];
    return { name, data: series.steps.map((s, i) => [s, values[i]]) };
  }

  function drawCurves() {
    const names = Object.keys(series.values);
    if (series.steps.length === 0) {
      fill(curves, el("h2", {}, "Curves"), el("p", { class: "note" }, "No metrics recorded yet."));
      return;
    }
    const drawn = GROUPS.filter(([, metrics]) => metrics.some(m => names.includes(m)));
    if (drawn.map(([title]) => title).join() !== [...boxes.keys()].join()) {
      boxes.clear();
      drawn.forEach(([title]) => boxes.set(title, chartBox("chart")));
      fill(curves, drawn.length ? [el("h2", {}, "Curves"), el("div", { class: "grid2" }, [...boxes.values()])] : []);
    }
    for (const [title, metrics] of drawn) {
      chart(boxes.get(title), lines(title, "step", "", metrics.filter(m => names.includes(m)).map(curve)));
    }
    const grouped = new Set(GROUPS.flatMap(([, metrics]) => metrics));
    const rest = names.filter(n => !grouped.has(n));
    if (rest.length === 0) {
      fill(other);
      return;
    }
    if (otherSelect.options.length !== rest.length) {
      const chosen = otherSelect.value;
      fill(otherSelect, rest.map(n => el("option", { value: n, selected: n === chosen }, n)));
    }
    if (!other.contains(otherBox)) {
      fill(other, el("h2", {}, "Other metrics"), el("div", { class: "controls" }, el("label", {}, "metric ", otherSelect)),
        otherBox);
    }
    const name = otherSelect.value || rest[0];
    chart(otherBox, lines(name, "step", "", [curve(name)]));
  }

  async function refresh() {
    let run;
    try {
      run = await HL.api("/api/runs/" + id);
    } catch (e) {
      if (e.status === 404) fill(main, el("h1", {}, "Run " + id), el("p", { class: "error" }, e.message));
      throw e;
    }
    const stamp = JSON.stringify([run.summary, run.outputs]);
    if (stamp !== detailStamp) {
      detailStamp = stamp;
      drawDetail(run);
    }
    let more = true;
    let added = false;
    while (more) {
      const after = series.steps.length ? series.steps[series.steps.length - 1] : -1;
      const page = await HL.api("/api/runs/" + id + "/metrics?after=" + after);
      for (const name of Object.keys(page.values)) {
        if (!series.values[name]) series.values[name] = new Array(series.steps.length).fill(null);
      }
      for (const name of Object.keys(series.values)) {
        series.values[name].push(...(page.values[name] || new Array(page.steps.length).fill(null)));
      }
      series.steps.push(...page.steps);
      added = added || page.steps.length > 0;
      more = page.more;
    }
    if (added || series.steps.length === 0) drawCurves();
  }

  HL.poll(refresh);
})();
