/*
 * heterolora dashboard: what every page shares. Pages build their DOM with HL.el, which puts every value into the
 * page as text (a text node or an attribute), never as markup, so a study named "<script>" stays text. The only
 * HTML strings are ECharts tooltips, and every value in them passes through HL.esc.
 */
"use strict";

const HL = (() => {
  const POLL_MS = 1000;
  const charts = new Map();

  /** GET an /api/ path and parse its JSON; a non-2xx answer throws an Error with the server's message. */
  async function api(path) {
    const response = await fetch(path, { headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(body.error || response.status + " " + response.statusText);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  /**
   * An element: el("td", {class: "text"}, "a", child, ...). Strings and numbers become text nodes; null and
   * undefined children are skipped; attributes are set with setAttribute (values are text).
   */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined && value !== false) {
        node.setAttribute(key, value === true ? "" : String(value));
      }
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /** Escapes text for the HTML of an ECharts tooltip. */
  function esc(value) {
    return String(value ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
      "'": "&#39;" })[c]);
  }

  /** A number for a table: up to 4 significant digits, integers with separators, "–" when missing. */
  function num(v) {
    if (v === null || v === undefined || !Number.isFinite(v)) return "–";
    if (Number.isInteger(v) && Math.abs(v) < 1e7) return v.toLocaleString("en-US");
    const a = Math.abs(v);
    if (a >= 1e-3 && a < 1e7) return String(Number(v.toPrecision(4)));
    return v.toExponential(3);
  }

  /** An ISO instant as local date and time, to the second. */
  function time(iso) {
    if (!iso) return "–";
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString("sv-SE");
  }

  /** A status word as a coloured badge. */
  function badge(status) {
    return el("span", { class: "badge " + String(status).replace(/[^a-z]/g, "") }, status);
  }

  /** A link to a dashboard page; only paths built here, from numbers, are linked. */
  function link(path, text) {
    return el("a", { href: path }, text);
  }

  /** The numeric id at the end of the page's path, e.g. 7 for /studies/7. */
  function pathId() {
    return Number(location.pathname.split("/").filter(Boolean).pop());
  }

  /** A titled section appended to main; returns the section. */
  function section(title, id) {
    const s = el("section", { id }, el("h2", {}, title));
    document.getElementById("main").append(s);
    return s;
  }

  /** Replaces a container's content. */
  function fill(container, ...children) {
    container.replaceChildren(...children.flat().filter(c => c !== null && c !== undefined));
    return container;
  }

  /**
   * A table. columns: [{label, value(row) -> text or Node, sort (API sort key, optional), cls}]; sort: {key, order};
   * onSort(key, order) is called when a sortable header is clicked.
   */
  function table(columns, rows, sort, onSort) {
    const head = el("tr", {}, columns.map(c => {
      const sorted = sort && c.sort && sort.key === c.sort;
      const th = el("th", { class: [c.cls, c.sort ? "sortable" : null, sorted ? "sorted-" + sort.order : null]
        .filter(Boolean).join(" ") || null, "data-sort": c.sort || null }, c.label);
      if (c.sort && onSort) {
        th.addEventListener("click", () => onSort(c.sort, sorted && sort.order === "desc" ? "asc" : "desc"));
      }
      return th;
    }));
    const body = rows.map(r => el("tr", {}, columns.map(c => el("td", { class: c.cls || null }, c.value(r)))));
    return el("div", { class: "scroll" }, el("table", {}, el("thead", {}, head), el("tbody", {}, body)));
  }

  /** "1–50 of 112" with previous and next buttons; onPage(offset) is called with the new offset. */
  function pager(page, onPage) {
    const last = Math.min(page.offset + page.items.length, page.total);
    const prev = el("button", { type: "button", disabled: page.offset === 0 }, "‹ previous");
    const next = el("button", { type: "button", disabled: last >= page.total }, "next ›");
    prev.addEventListener("click", () => onPage(Math.max(0, page.offset - page.limit)));
    next.addEventListener("click", () => onPage(page.offset + page.limit));
    return el("div", { class: "pager" }, prev,
      el("span", {}, page.total === 0 ? "none" : (page.offset + 1) + "–" + last + " of " + num(page.total)), next);
  }

  /** Key–value pairs as a definition list; values may be text or nodes. */
  function kv(pairs) {
    return el("dl", { class: "kv" }, pairs.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  }

  /** A collapsible block of pretty-printed JSON. */
  function json(title, value) {
    return el("details", {}, el("summary", {}, title), el("pre", {}, JSON.stringify(value, null, 2)));
  }

  /** Shows an error in place of a container's content. */
  function error(container, e) {
    fill(container, el("p", { class: "error" }, e.message || String(e)));
  }

  /** The ECharts instance of a chart element, created on first use; option replaces the previous one. */
  function chart(container, option) {
    let instance = charts.get(container);
    if (!instance) {
      instance = echarts.init(container, null, { renderer: "canvas" });
      charts.set(container, instance);
    }
    instance.setOption(Object.assign({ animation: false }, option), { notMerge: true });
    return instance;
  }

  /** A chart element of the given class ("chart" or "chart small"). */
  function chartBox(cls) {
    return el("div", { class: cls || "chart" });
  }

  /** An axis tooltip whose values are escaped: the series names come from the database. */
  function axisTooltip(params) {
    const list = Array.isArray(params) ? params : [params];
    if (list.length === 0) return "";
    const head = esc(list[0].axisValueLabel ?? list[0].name ?? "");
    return head + list.map(p => {
      const v = Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value;
      return "<br>" + p.marker + esc(p.seriesName) + ": <b>" + esc(num(v)) + "</b>";
    }).join("");
  }

  /** Line series sharing one x axis, for ECharts: [{name, data: [[x, y], ...]}]. */
  function lines(title, xName, yName, series) {
    return {
      title: { text: title, left: "center", textStyle: { fontSize: 13 } },
      tooltip: { trigger: "axis", formatter: axisTooltip },
      legend: { bottom: 0, type: "scroll" },
      grid: { left: 60, right: 20, top: 40, bottom: 60 },
      xAxis: { type: "value", name: xName, nameLocation: "middle", nameGap: 25, scale: true },
      yAxis: { type: "value", name: yName, scale: true },
      series: series.map(s => Object.assign({ type: "line", showSymbol: s.data.length < 60, connectNulls: true }, s)),
    };
  }

  /** The columns of a runs table (the runs page and a study's runs). */
  function runColumns() {
    return [
      { label: "run", value: r => link("/runs/" + r.id, String(r.id)) },
      { label: "kind", cls: "text", value: r => r.kind },
      { label: "status", value: r => badge(r.status) },
      { label: "study", value: r => r.study_id === null ? "–" : link("/studies/" + r.study_id, String(r.study_id)) },
      { label: "trial", value: r => r.trial_id === null ? "–" : String(r.trial_id) },
      { label: "last step", value: r => num(r.last_step) },
      { label: "updated", value: r => time(r.updated_at) },
      { label: "message", cls: "text", value: r => r.message || "" },
    ];
  }

  /** Rank colours, light to dark (as the static report's heat maps). */
  const RANK_COLOURS = ["#ffffcc", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026", "#800026"];

  /**
   * Draws one plan of a grid (layers × site kinds, API /plans) as a heat map: the colour is the rank on a log
   * scale, empty cells have no adapter; the hover shows site, rank, alpha, parameters and the plan's proxy scores.
   */
  function planMap(container, grid, plan) {
    const byCell = new Map(plan.cells.map(c => [c.layer + "." + c.kind, c]));
    const steps = [];
    for (let r = 1; r <= Math.max(1, grid.max_rank); r *= 2) steps.push(r);
    const pieces = steps.map((r, i) => ({ gte: Math.log2(r) - 0.5,
      lt: i === steps.length - 1 ? Infinity : Math.log2(r) + 0.5, label: "r" + r,
      color: RANK_COLOURS[Math.min(RANK_COLOURS.length - 1, Math.round(i * (RANK_COLOURS.length - 1)
        / Math.max(1, steps.length - 1)))] }));
    const data = [];
    for (let layer = 0; layer < grid.layers; layer++) {
      grid.kinds.forEach((kind, x) => {
        const c = byCell.get(layer + "." + kind);
        if (c) data.push({ value: [x, layer, Math.log2(c.rank)], cell: c });
      });
    }
    const scores = Object.entries(plan.proxy_scores || {});
    const title = plan.label + (plan.trial_id === null ? "" : ": trial " + plan.trial_id);
    return chart(container, {
      title: { text: title, subtext: "fitness " + num(plan.fitness) + " · " + num(plan.params) + " params",
        left: "center", textStyle: { fontSize: 13 } },
      tooltip: { formatter: p => {
        const c = p.data.cell;
        return "<b>site " + esc(c.layer + "." + c.kind) + "</b><br>rank " + esc(c.rank) + ", alpha " + esc(num(c.alpha))
          + "<br>" + esc(c.params === null ? "parameters unknown" : num(c.params) + " parameters")
          + (scores.length ? "<br><i>plan's proxy scores</i>" : "")
          + scores.map(([k, v]) => "<br>" + esc(k) + ": " + esc(num(v))).join("");
      } },
      grid: { left: 50, right: 10, top: 55, bottom: 90 },
      xAxis: { type: "category", data: grid.kinds, axisLabel: { rotate: 45, interval: 0 }, splitArea: { show: true } },
      yAxis: { type: "category", data: Array.from({ length: grid.layers }, (_, i) => String(i)), name: "layer",
        nameLocation: "middle", nameGap: 28, inverse: true, splitArea: { show: true } },
      visualMap: { type: "piecewise", dimension: 2, pieces, orient: "horizontal", left: "center", bottom: 0,
        itemWidth: 12, itemHeight: 10, textStyle: { fontSize: 10 } },
      series: [{ type: "heatmap", data, label: { show: grid.layers * grid.kinds.length <= 400,
        formatter: p => String(p.data.cell.rank), fontSize: 10 } }],
    });
  }

  /**
   * Calls task now and then every second while the page is open, one call at a time; the header's "live" mark
   * turns stale while calls fail.
   */
  function poll(task) {
    const mark = document.getElementById("live");
    let busy = false;
    const tick = async () => {
      if (busy) return;
      busy = true;
      try {
        await task();
        mark.classList.remove("stale");
        mark.textContent = "live";
      } catch (e) {
        mark.classList.add("stale");
        mark.textContent = "offline";
      } finally {
        busy = false;
      }
    };
    tick();
    return setInterval(tick, POLL_MS);
  }

  /** Marks the current page in the navigation and shows the work queue when units of work exist. */
  async function nav() {
    const page = document.body.dataset.page;
    const current = { study: "studies", run: "runs" }[page] || page;
    document.querySelectorAll("header nav a").forEach(a => a.classList.toggle("current", a.dataset.nav === current));
    try {
      const queue = await api("/api/queue?limit=1");
      document.getElementById("nav-queue").hidden = queue.total === 0 && page !== "queue";
    } catch (e) {
      // the navigation works without the queue link
    }
  }

  window.addEventListener("resize", () => charts.forEach(c => c.resize()));
  document.addEventListener("DOMContentLoaded", nav);

  return { api, el, esc, num, time, badge, link, pathId, section, fill, table, pager, kv, json, error, chart, chartBox,
    axisTooltip, lines, poll, runColumns, planMap };
})();
