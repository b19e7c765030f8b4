/*
 * On every page: the search's script (gradref-search.js: MiniSearch, the stemmer, the
 * ranking; about 30 kB) is loaded when a reader first focuses a search box, or at once on
 * the search page; a page that is only read loads none of it.
 */
(() => {
  const here = document.currentScript && document.currentScript.src;
  if (!here) return;
  const version = typeof GRADREF_SEARCH_BUNDLE === "string" ? `?v=${GRADREF_SEARCH_BUNDLE}` : "";
  let requested = false;
  const load = () => {
    if (requested) return;
    requested = true;
    const script = document.createElement("script");
    script.src = here.replace(/gradref-search-loader\.js(\?.*)?$/, `gradref-search.js${version}`);
    document.head.appendChild(script);
  };
  const start = () => {
    if (document.getElementById("gr-search-page")) load();
    document.addEventListener("focusin", (event) => {
      if (event.target.matches && event.target.matches('form.bd-search input[name="q"]')) load();
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
