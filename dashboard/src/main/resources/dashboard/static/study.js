/*
 * A study's page: configuration, search history, Pareto front, best plans beside the other studies at the same
 * budget, top trials, proxy validation and runs. It polls the study every second and redraws what changed.
 */
"use strict";

(() => {
  const { el, num, time, badge, link, fill, table, pager, kv, json, chart, chartBox, lines } = HL;
  const id = HL.pathId();
  const main = document.getElementById("main");
  const header = el("div", { id: "header" });
  fill(main, header);
  const config = HL.section("Configuration", "configuration");
  const history = HL.section("Search history", "history");
  const historyChart = chartBox("chart");
  const pareto = HL.section("Pareto front", "pareto");
  const paretoChart = chartBox("chart");
  const plans = HL.section("Best plans and the other studies at this budget", "plans");
  const trials = HL.section("Top trials", "trials");
  const validation = HL.section("Proxy validation", "validation");
  const runs = HL.section("Runs", "runs");
  const trialState = { sort: "fitness", order: "desc", offset: 0, limit: 20, feasible: true };
  let stamp = null;

  function drawHeader(s) {
    const sum = s.summary;
    document.title = "heterolora · study " + sum.id;
    fill(header, el("h1", { id: "title" }, "Study " + sum.id + ": " + sum.name),
      el("p", { class: "meta" }, badge(sum.status), " ", sum.strategy + " search, budget " + sum.budget_text + " ("
        + num(sum.budget_limit) + " parameters), ", el("span", { id: "trial-count" }, num(sum.trials)), " trials, best "
        + "fitness ", el("span", { id: "best-fitness" }, num(sum.best_fitness)), ", updated " + time(sum.updated_at)));
    fill(config, el("h2", {}, "Configuration"), el("div", { class: "card" }, kv([
      ["seed", String(s.seed)], ["base model parameters", num(s.base_params)],
      ["model", s.model_path || "embedded world"], ["model hash", s.model_hash || "–"],
      ["search space", num(s.space_sites) + " sites, ranks up to " + num(s.space_max_rank)],
      ["best trial", sum.best_trial_id === null ? "–" : String(sum.best_trial_id)],
      ["created", time(sum.created_at)]]),
    json("configuration JSON", s.config), json("search space JSON", s.search_space)));
  }

  async function drawHistory() {
    const gens = await HL.api("/api/studies/" + id + "/history");
    if (gens.length === 0) {
      fill(history, el("h2", {}, "Search history"), el("p", { class: "note" }, "No trials yet."));
      return;
    }
    fill(history, el("h2", {}, "Search history"), historyChart, el("p", { class: "note" },
      "Best and median fitness of the feasible trials of each generation, and the best so far."));
    chart(historyChart, lines("Search history", "generation", "fitness", [
      { name: "best so far", data: gens.map(g => [g.generation, g.best_so_far]), lineStyle: { width: 3 } },
      { name: "best of generation", data: gens.map(g => [g.generation, g.best]) },
      { name: "median of generation", data: gens.map(g => [g.generation, g.median]), lineStyle: { type: "dashed" } },
    ]));
  }

  async function drawPareto() {
    const p = await HL.api("/api/studies/" + id + "/pareto");
    if (p.feasible === 0) {
      fill(pareto, el("h2", {}, "Pareto front"), el("p", { class: "note" }, "No feasible trial with a finite fitness yet."));
      return;
    }
    fill(pareto, el("h2", {}, "Pareto front"), paretoChart, el("p", { class: "note" }, (p.source === "stored"
      ? "The front the search marked: " : "Computed from every feasible trial: ") + num(p.front.length)
      + " trials that no other trial beats with both fewer parameters and a higher fitness; "
      + num(p.cloud.length) + " of " + num(p.feasible) + " feasible trials drawn behind them."));
    const point = t => ({ value: [t.params, t.fitness], id: t.id });
    chart(paretoChart, {
      title: { text: "Parameters vs fitness", left: "center", textStyle: { fontSize: 13 } },
      tooltip: { formatter: q => "trial " + HL.esc(q.data.id) + "<br>" + HL.esc(num(q.data.value[0])) + " params<br>"
        + "fitness " + HL.esc(num(q.data.value[1])) },
      legend: { bottom: 0 },
      grid: { left: 60, right: 20, top: 40, bottom: 60 },
      xAxis: { type: "value", name: "adapter parameters", nameLocation: "middle", nameGap: 25, scale: true },
      yAxis: { type: "value", name: "fitness", scale: true },
      series: [
        { name: "trials", type: "scatter", symbolSize: 5, itemStyle: { color: "rgba(120,120,120,0.45)" },
          data: p.cloud.map(point) },
        { name: "Pareto front", type: "line", step: "end", symbolSize: 8, itemStyle: { color: "#d62728" },
          data: p.front.map(point) },
      ],
    });
  }

  async function drawPlans() {
    const grid = await HL.api("/api/studies/" + id + "/plans");
    if (grid.best.length === 0) {
      fill(plans, el("h2", {}, "Best plans"), el("p", { class: "note" }, "No feasible trial with a finite fitness yet."));
      return;
    }
    const boxes = grid.best.concat(grid.compared).map(() => chartBox("chart small"));
    const best = grid.best[0];
    fill(plans, el("h2", {}, "Best plans and the other studies at this budget"),
      el("p", { class: "note" }, "Layers (rows) by adapter site kind (columns); the colour is the rank, an empty cell "
        + "has no adapter. Hover a cell for its site, rank, parameters and the plan's proxy scores."),
      el("div", { class: "grid3" }, boxes),
      grid.compared.length === 0
        ? el("p", { class: "note" }, "No other study searched the same budget on the same model yet (run a baseline, "
          + "e.g. heterolora search --strategy uniform with the same budget, to compare).")
        : table([
          { label: "study", value: c => link("/studies/" + c.study_id, String(c.study_id)) },
          { label: "strategy", cls: "text", value: c => c.strategy },
          { label: "trial", value: c => String(c.trial_id) },
          { label: "fitness", value: c => num(c.fitness) },
          { label: "params", value: c => num(c.params) },
          { label: "vs this study's best", value: c => num(c.fitness - best.fitness) },
        ], grid.compared));
    grid.best.concat(grid.compared).forEach((plan, i) => HL.planMap(boxes[i], grid, plan));
  }

  async function drawTrials() {
    const params = new URLSearchParams({ sort: trialState.sort, order: trialState.order, offset: trialState.offset,
      limit: trialState.limit, feasible: trialState.feasible });
    const page = await HL.api("/api/studies/" + id + "/trials?" + params);
    const proxies = [...new Set(page.items.flatMap(t => Object.keys(t.proxy_scores)))].sort();
    const all = el("input", { type: "checkbox", id: "all-trials", checked: !trialState.feasible });
    all.addEventListener("change", () => { trialState.feasible = !all.checked; trialState.offset = 0; drawTrials(); });
    const columns = [
      { label: "trial", sort: "id", value: t => String(t.id) },
      { label: "seq", sort: "seq", value: t => String(t.seq) },
      { label: "generation", sort: "generation", value: t => String(t.generation) },
      { label: "params", sort: "params", value: t => num(t.params) },
      { label: "fitness", sort: "fitness", value: t => num(t.fitness) },
      { label: "feasible", value: t => t.feasible ? "yes" : "no" },
      { label: "Pareto", value: t => t.pareto ? "yes" : "" },
      ...proxies.map(p => ({ label: p, value: t => num(t.proxy_scores[p]) })),
      { label: "seconds", sort: "seconds", value: t => num(t.seconds) },
      { label: "plan", cls: "plan", value: t => planText(t.plan) },
    ];
    fill(trials, el("h2", {}, "Top trials"),
      el("div", { class: "controls" }, el("label", {}, all, " include infeasible trials and missing fitness")),
      table(columns, page.items, trialState, (sort, order) => {
        Object.assign(trialState, { sort, order, offset: 0 });
        drawTrials();
      }),
      pager(page, offset => { trialState.offset = offset; drawTrials(); }));
  }

  /** A plan as "0.q=8 1.v=4", from the stored plan JSON (as the static report's tables show it). */
  function planText(plan) {
    const sites = plan && typeof plan === "object" ? (plan.sites || plan) : null;
    if (!sites || typeof sites !== "object") return String(plan);
    const parts = Object.entries(sites).map(([site, v]) => [site, typeof v === "object" && v ? v.rank : v])
      .filter(([, rank]) => rank > 0).map(([site, rank]) => site + "=" + rank);
    return parts.length ? parts.join(" ") : "(no adapters)";
  }

  async function drawValidation() {
    const runsWithPlans = await HL.api("/api/studies/" + id + "/validations");
    if (runsWithPlans.length === 0) {
      fill(validation, el("h2", {}, "Proxy validation"), el("p", { class: "note" }, "No validation run for this study "
        + "yet (heterolora validate trains a sample of its plans and checks whether the proxies predict the result)."));
      return;
    }
    const parts = [el("h2", {}, "Proxy validation")];
    const scatters = [];
    for (const v of runsWithPlans) {
      parts.push(el("h3", {}, "Validation run ", link("/runs/" + v.run_id, String(v.run_id)), " ", HL.badge(v.status)));
      parts.push(table([
        { label: "proxy", cls: "text", value: c => c.proxy },
        { label: "target", cls: "text", value: c => c.target.replace("_", " ") },
        { label: "Spearman ρ", value: c => num(c.spearman) },
        { label: "95% CI", value: c => interval(c.spearman_low, c.spearman_high) },
        { label: "Kendall τ-b", value: c => num(c.kendall) },
        { label: "95% CI", value: c => interval(c.kendall_low, c.kendall_high) },
        { label: "regret", value: c => num(c.regret) },
        { label: "n", value: c => String(c.n) },
      ], v.correlations));
      const proxies = [...new Set(v.plans.flatMap(p => Object.keys(p.proxy_scores)))].sort();
      const boxes = proxies.map(() => chartBox("chart small"));
      parts.push(el("div", { class: "grid3" }, boxes));
      proxies.forEach((proxy, i) => scatters.push([boxes[i], proxy, v]));
    }
    fill(validation, parts);
    for (const [box, proxy, v] of scatters) {
      const c = v.correlations.find(x => x.proxy === proxy && x.target === "trained_loss");
      const points = (baseline) => v.plans.filter(p => (p.trial_id === null) === baseline)
        .map(p => ({ value: [p.proxy_scores[proxy], p.trained_loss], label: p.label }));
      chart(box, {
        title: { text: proxy, subtext: c ? "Spearman " + num(c.spearman) + " " + interval(c.spearman_low, c.spearman_high)
          + ", Kendall " + num(c.kendall) + ", n = " + c.n : "", left: "center", textStyle: { fontSize: 13 } },
        tooltip: { formatter: q => HL.esc(q.data.label) + "<br>" + HL.esc(proxy) + " " + HL.esc(num(q.data.value[0]))
          + "<br>trained loss " + HL.esc(num(q.data.value[1])) },
        legend: { bottom: 0 },
        grid: { left: 60, right: 20, top: 60, bottom: 55 },
        xAxis: { type: "value", name: proxy + " score", nameLocation: "middle", nameGap: 25, scale: true },
        yAxis: { type: "value", name: "trained loss", scale: true },
        series: [{ name: "validated plans", type: "scatter", data: points(false) },
          { name: "uniform baseline", type: "scatter", symbol: "diamond", symbolSize: 12, data: points(true) }],
      });
    }
  }

  function interval(low, high) {
    return low === null || high === null ? "–" : "[" + num(low) + ", " + num(high) + "]";
  }

  function drawRuns(page) {
    fill(runs, el("h2", {}, "Runs"), page.total === 0
      ? el("p", { class: "note" }, "No run is linked to this study yet (heterolora train --best --study " + id + ").")
      : [table(HL.runColumns(), page.items), page.total > page.items.length
        ? el("p", { class: "note" }, "The newest " + page.items.length + " of " + page.total + " runs.") : null]);
  }

  async function refresh() {
    let study;
    try {
      study = await HL.api("/api/studies/" + id);
    } catch (e) {
      if (e.status === 404) {
        fill(main, el("h1", {}, "Study " + id), el("p", { class: "error" }, e.message));
      }
      throw e;
    }
    const runPage = await HL.api("/api/studies/" + id + "/runs?limit=50");
    const next = JSON.stringify([study.summary, runPage.items.map(r => [r.id, r.status, r.last_step, r.updated_at])]);
    if (next === stamp) return;
    stamp = next;
    drawHeader(study);
    drawRuns(runPage);
    await Promise.all([[drawHistory, history], [drawPareto, pareto], [drawPlans, plans], [drawTrials, trials],
      [drawValidation, validation]].map(([draw, where]) => draw().catch(e => HL.error(where, e))));
  }

  HL.poll(refresh);
})();
