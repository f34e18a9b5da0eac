/* The studies page: every study, filtered, sorted and paged by the API, refreshed while it is open. */
"use strict";

(() => {
  const { el, num, time, badge, link, fill, table, pager } = HL;
  const state = { q: "", status: "", sort: "id", order: "desc", offset: 0, limit: 50 };
  const main = document.getElementById("main");
  const search = el("input", { type: "search", id: "filter", placeholder: "filter by name or strategy", size: 30 });
  const status = el("select", { id: "status" }, ["", "queued", "running", "finished", "failed", "interrupted"]
    .map(s => el("option", { value: s }, s || "any status")));
  const list = el("div", { id: "studies" });
  fill(main, el("h1", {}, "Studies"), el("div", { class: "controls" }, search, status), list);

  const columns = [
    { label: "id", sort: "id", value: s => link("/studies/" + s.id, String(s.id)) },
    { label: "name", sort: "name", cls: "text", value: s => link("/studies/" + s.id, s.name) },
    { label: "status", sort: "status", value: s => badge(s.status) },
    { label: "strategy", sort: "strategy", cls: "text", value: s => s.strategy },
    { label: "budget", sort: "budget", value: s => s.budget_text + " (" + num(s.budget_limit) + ")" },
    { label: "best fitness", sort: "best_fitness", value: s => num(s.best_fitness) },
    { label: "trials", sort: "trials", value: s => num(s.trials) },
    { label: "last update", sort: "updated_at", value: s => time(s.updated_at) },
  ];

  async function load() {
    const params = new URLSearchParams({ sort: state.sort, order: state.order, offset: state.offset, limit: state.limit });
    if (state.q) params.set("q", state.q);
    if (state.status) params.set("status", state.status);
    const page = await HL.api("/api/studies?" + params);
    fill(list, page.total === 0 && !state.q && !state.status
      ? el("p", { class: "note" }, "No studies yet: run heterolora search.")
      : [table(columns, page.items, state, (sort, order) => { Object.assign(state, { sort, order, offset: 0 }); load(); }),
        pager(page, offset => { state.offset = offset; load(); })]);
  }

  let typing;
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => { state.q = search.value.trim(); state.offset = 0; load(); }, 250);
  });
  status.addEventListener("change", () => { state.status = status.value; state.offset = 0; load(); });
  HL.poll(load);
})();
