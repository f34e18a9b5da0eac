/*
 * The experiments page: the table each experiment run stored (experiment rlhf, experiment allocation, ...), as the API
 * reads it generically: a cell per column, "value [low, high]" where the value has a 95% confidence interval, and a
 * chart of each column that has intervals.
 */
"use strict";

(() => {
  const { el, num, time, badge, link, fill, table, pager, kv, chart, chartBox } = HL;
  const main = document.getElementById("main");
  const list = el("div", { id: "experiments" });
  const state = { offset: 0, limit: 10 };
  let stamp = null;
  fill(main, el("h1", {}, "Experiments"), list);

  /** A stored value as text: numbers formatted, arrays joined. */
  function text(v) {
    if (v === null || v === undefined) return "–";
    if (typeof v === "number") return num(v);
    if (Array.isArray(v)) return v.map(text).join(", ");
    return String(v);
  }

  function cellText(c) {
    return c ? text(c.value) + (c.low !== null ? " [" + num(c.low) + ", " + num(c.high) + "]" : "") : "–";
  }

  /** A dot for each row's value with a whisker for its interval. */
  function intervalChart(box, column, rows, labels) {
    chart(box, {
      title: { text: column + " (95% CI)", left: "center", textStyle: { fontSize: 13 } },
      tooltip: { trigger: "axis", formatter: HL.axisTooltip },
      grid: { left: 170, right: 30, top: 40, bottom: 30 },
      xAxis: { type: "value", scale: true },
      yAxis: { type: "category", data: labels, inverse: true },
      series: [
        { name: column, type: "scatter", symbolSize: 9, data: rows.map((r, i) => [r[column].value, i]) },
        { name: "95% CI", type: "custom", encode: { x: [0, 1], y: 2 },
          data: rows.map((r, i) => [r[column].low, r[column].high, i]),
          renderItem: (params, api) => {
            const from = api.coord([api.value(0), api.value(2)]);
            const to = api.coord([api.value(1), api.value(2)]);
            return { type: "line", shape: { x1: from[0], y1: from[1], x2: to[0], y2: to[1] },
              style: { stroke: "#1f77b4", lineWidth: 2 } };
          } },
      ],
    });
  }

  async function load() {
    const page = await HL.api("/api/experiments?offset=" + state.offset + "&limit=" + state.limit);
    const next = JSON.stringify(page.items.map(e => [e.run.id, e.run.status, e.run.updated_at]));
    if (next === stamp) return;
    stamp = next;
    if (page.total === 0) {
      fill(list, el("p", { class: "note" }, "No experiment stored yet (heterolora experiment rlhf, heterolora "
        + "experiment allocation)."));
      return;
    }
    const charts = [];
    const parts = page.items.map(e => {
      const labels = e.rows.map(r => e.columns.filter(c => typeof r[c]?.value === "string")
        .map(c => r[c].value).join(" · "));
      const withIntervals = e.columns.filter(c => e.rows.every(r => r[c] && r[c].low !== null
        && typeof r[c].value === "number"));
      const boxes = withIntervals.map(() => chartBox("chart small"));
      withIntervals.forEach((c, i) => charts.push([boxes[i], c, e.rows, labels]));
      const settings = Object.entries(e.settings);
      return el("section", { class: "card", "data-run": e.run.id },
        el("h2", {}, "Run " + e.run.id + ": " + e.run.kind), el("p", { class: "meta" }, badge(e.run.status),
          " stored " + time(e.run.created_at), " · ", link("/runs/" + e.run.id, "run page")),
        settings.length ? kv(settings.map(([k, v]) => [k, text(v)])) : null,
        e.rows.length === 0 ? el("p", { class: "note" }, "The run stored no table rows.")
          : table(e.columns.map(c => ({ label: c, cls: typeof e.rows[0][c]?.value === "string" ? "text" : null,
            value: r => cellText(r[c]) })), e.rows),
        boxes.length ? el("div", { class: "grid2" }, boxes) : null);
    });
    fill(list, parts, pager(page, offset => { state.offset = offset; stamp = null; load(); }));
    charts.forEach(args => intervalChart(...args));
  }

  HL.poll(load);
})();
