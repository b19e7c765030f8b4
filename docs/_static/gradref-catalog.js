/*
 * "All identities": the table filtered by family, kind, source and words, in the page.
 * Each row carries data-family, data-kind ("gradient hessian", ...), data-source (the
 * sources' authors, "|"-separated) and data-words (id and title, lower case).
 */
(() => {
  const start = () => {
    const form = document.getElementById("gr-catalog-filter");
    const table = document.getElementById("gr-catalog-table");
    if (!form || !table) return;
    const rows = [...table.tBodies[0].rows];
    const count = form.querySelector(".gr-filter-count span");
    const apply = () => {
      const family = form.elements.family.value;
      const kind = form.elements.kind.value;
      const source = form.elements.source.value;
      const words = form.elements.words.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      for (const row of rows) {
        const d = row.dataset;
        const keep =
          (!family || d.family === family) &&
          (!kind || d.kind.split(" ").includes(kind)) &&
          (!source || d.source.split("|").includes(source)) &&
          words.every((w) => d.words.includes(w));
        row.hidden = !keep;
        if (keep) shown += 1;
      }
      count.textContent = String(shown);
      const params = new URLSearchParams();
      for (const name of ["family", "kind", "source", "words"]) {
        if (form.elements[name].value) params.set(name, form.elements[name].value);
      }
      const query = params.toString();
      window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
    };
    // a filtered list is an address too: catalog.html?family=traces&kind=hessian
    const asked = new URLSearchParams(window.location.search);
    for (const name of ["family", "kind", "source", "words"]) {
      if (asked.has(name)) form.elements[name].value = asked.get(name);
    }
    form.addEventListener("input", apply);
    form.addEventListener("submit", (event) => event.preventDefault());
    apply();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
