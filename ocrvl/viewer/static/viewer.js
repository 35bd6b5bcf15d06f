// Links each block's box on the page picture with its content: hovering either lights both, clicking one
// scrolls the other into view and keeps both marked.
(() => {
  "use strict";
  const info = document.getElementById("info");
  const keysOf = (el) => (el.dataset.block ? [el.dataset.block] : el.dataset.blocks.split(" "));
  const twins = (keys) =>
    keys.flatMap((k) => [...document.querySelectorAll(`[data-block="${k}"], [data-blocks~="${k}"]`)]);
  const linked = (target) => target.closest && target.closest("[data-block], [data-blocks]");
  let lit = [];
  let picked = [];

  function describe(el) {
    const box = el.dataset.block ? el : document.querySelector(`[data-block="${keysOf(el)[0]}"]`);
    if (!box) return "";
    const page = Number(box.closest(".page").dataset.page) + 1;
    return `page ${page} · ${box.dataset.tip}`;
  }

  function light(el) {
    lit.forEach((t) => t.classList.remove("hot"));
    lit = el ? twins(keysOf(el)) : [];
    lit.forEach((t) => t.classList.add("hot"));
    info.textContent = el ? describe(el) : "hover or click a block";
  }

  document.addEventListener("mouseover", (event) => light(linked(event.target)));
  document.addEventListener("focusin", (event) => light(linked(event.target)));
  document.addEventListener("click", (event) => {
    const el = linked(event.target);
    if (!el || event.target.closest("a")) return;
    picked.forEach((t) => t.classList.remove("picked"));
    picked = twins(keysOf(el));
    picked.forEach((t) => t.classList.add("picked"));
    const other = picked.find((t) => (el.dataset.block ? !t.dataset.block : t.dataset.block));
    if (other) other.scrollIntoView({ block: "nearest", behavior: "smooth" });
  });
  document.getElementById("show-boxes").addEventListener("change", (event) => {
    document.body.classList.toggle("hide-boxes", !event.target.checked);
  });
})();
