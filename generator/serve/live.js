// ipr-archive serve: reload after good builds, show the problems of failed ones.
(() => {
  "use strict";
  const OVERLAY = "ipr-archive-problems";
  let generation = null;
  function clear() {
    const old = document.getElementById(OVERLAY);
    if (old) old.remove();
  }
  function show(problems) {
    clear();
    const box = document.createElement("div");
    box.id = OVERLAY;
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:60vh;" +
      "overflow:auto;" +
      "z-index:2147483647;margin:0;padding:1em 1.5em;background:#fff4f4;color:#5c0000;" +
      "border-top:4px solid #c00;font:14px/1.5 monospace;white-space:pre-wrap;text-align:left";
    const title = document.createElement("strong");
    title.textContent = "The build failed; this is the last good build. Fix the file and save:";
    box.append(title);
    for (const problem of problems) {
      const line = document.createElement("div");
      line.className = "ipr-archive-problem";
      line.textContent = problem;
      box.append(line);
    }
    document.body.append(box);
  }
  const events = new EventSource("/__ipr-archive/events");
  events.addEventListener("hello", (event) => {
    const state = JSON.parse(event.data);
    // A reconnect after a missed rebuild (or a restarted server): this page may be stale.
    if (generation !== null && state.generation !== generation) { location.reload(); return; }
    generation = state.generation;
    document.documentElement.dataset.iprArchiveLive = "connected";
    if (state.problems.length) show(state.problems); else clear();
  });
  events.addEventListener("reload", () => location.reload());
  events.addEventListener("problems", (event) => show(JSON.parse(event.data).problems));
  events.addEventListener("ok", () => clear());
})();
