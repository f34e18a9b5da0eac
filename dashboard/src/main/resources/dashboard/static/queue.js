/* The work queue: units of work that worker processes share, counted per queue and status, and listed. */
"use strict";

(() => {
  const { el, num, time, badge, fill, table, pager } = HL;
  const STATUSES = ["queued", "running", "finished", "failed", "interrupted"];
  const main = document.getElementById("main");
  const counts = el("div", { id: "counts" });
  const status = el("select", { id: "unit-status" }, ["", ...STATUSES].map(s => el("option", { value: s },
    s || "any status")));
  const units = el("div", { id: "units" });
  const state = { status: "", offset: 0, limit: 50 };
  fill(main, el("h1", {}, "Work queue"), counts, el("div", { class: "controls" }, status), units);

  async function load() {
    const params = new URLSearchParams({ offset: state.offset, limit: state.limit });
    if (state.status) params.set("status", state.status);
    const q = await HL.api("/api/queue?" + params);
    const queues = Object.entries(q.queues);
    fill(counts, queues.length === 0 ? el("p", { class: "note" }, "No units of work in this database.")
      : table([{ label: "queue", cls: "text", value: ([name]) => name },
        ...STATUSES.map(s => ({ label: s, value: ([, c]) => num(c[s] || 0) })),
        { label: "total", value: ([, c]) => num(Object.values(c).reduce((a, b) => a + b, 0)) }], queues));
    fill(units, table([
      { label: "unit", value: u => String(u.id) },
      { label: "queue", cls: "text", value: u => u.queue },
      { label: "key", cls: "text", value: u => u.unit_key },
      { label: "status", value: u => badge(u.status) },
      { label: "attempts", value: u => String(u.attempts) },
      { label: "worker", cls: "text", value: u => u.worker || "–" },
      { label: "heartbeat", value: u => time(u.heartbeat_at) },
      { label: "lease until", value: u => time(u.lease_until) },
      { label: "message", cls: "text", value: u => u.message || "" },
    ], q.units.items), pager(q.units, offset => { state.offset = offset; load(); }));
  }

  status.addEventListener("change", () => { state.status = status.value; state.offset = 0; load(); });
  HL.poll(load);
})();
