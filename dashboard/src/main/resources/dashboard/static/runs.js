/* The runs page: every training, validation and experiment run, newest first, refreshed while it is open. */
"use strict";

(() => {
  const { el, fill, table, pager } = HL;
  const state = { kind: "", offset: 0, limit: 50 };
  const main = document.getElementById("main");
  const kind = el("input", { type: "search", id: "kind", placeholder: "kind, e.g. ppo or experiment-*", size: 30 });
  const list = el("div", { id: "runs" });
  fill(main, el("h1", {}, "Runs"), el("div", { class: "controls" }, kind), list);

  async function load() {
    const params = new URLSearchParams({ offset: state.offset, limit: state.limit });
    if (state.kind) params.set("kind", state.kind);
    const page = await HL.api("/api/runs?" + params);
    fill(list, table(HL.runColumns(), page.items), pager(page, offset => { state.offset = offset; load(); }));
  }

  kind.addEventListener("change", () => { state.kind = kind.value.trim(); state.offset = 0; load(); });
  HL.poll(load);
})();
