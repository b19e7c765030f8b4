/*
 * The site's search, in the browser: as you type in the header's search box on every page,
 * and on search.html?q=... (an address readers share: its results are links, best first).
 *
 * This script is loaded by loader.js when a reader first focuses a search box (or on the
 * search page); it loads the index (gradref-search-index.js) then, and the formulas of
 * the families its results are in (gradref-search-cards-<family>.js) as they are shown.
 */

import MiniSearch from "minisearch";
import { FIELDS, STORED } from "./options.js";
import { PAGE_LIMIT, search } from "./rank.js";

const VERSION = typeof GRADREF_SEARCH_VERSION === "string" ? GRADREF_SEARCH_VERSION : "";
const LIVE_LIMIT = 8;

let loaded = null;

function root() {
  return document.documentElement.dataset.content_root || "./";
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(script);
  });
}

/** The index, loaded once. */
export function loadIndex() {
  if (!loaded) {
    loaded = loadScript(`${root()}_static/gradref-search-index.js`).then(() =>
      MiniSearch.loadJS(window.GRADREF_SEARCH_INDEX, {
        fields: FIELDS,
        storeFields: STORED,
        idField: "key",
        tokenize: (text) => text.split(" ").filter(Boolean),
        processTerm: (term) => term,
      }),
    );
  }
  return loaded;
}

const cardFiles = new Map(); // family -> its formulas' script, loading or loaded

/** The formulas of the results' families (each family's file is loaded once). */
function loadCards(results) {
  const families = new Set(results.filter((r) => r.type === "identity").map((r) => r.id.split(".")[0]));
  const waiting = [];
  for (const family of families) {
    if (!cardFiles.has(family)) {
      const src = `${root()}_static/gradref-search-cards-${family}.js`;
      cardFiles.set(family, loadScript(src).catch(() => null));
    }
    waiting.push(cardFiles.get(family));
  }
  return Promise.all(waiting);
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function resultHtml(result, cards) {
  const href = root() + result.url;
  if (result.type === "identity") {
    const formula = cards && cards[result.id] ? `<div class="gr-result-formula">${cards[result.id]}</div>` : "";
    return (
      `<li class="gr-result gr-result-identity" data-id="${escape(result.id)}">` +
      `<a class="gr-result-title" href="${escape(href)}">${escape(result.label)}</a> ` +
      `<span class="gr-result-badge" title="verified by the build">✔ Verified</span>` +
      formula +
      `<div class="gr-result-place">${escape(result.place)} · <code>${escape(result.id)}</code></div>` +
      "</li>"
    );
  }
  return (
    `<li class="gr-result gr-result-page">` +
    `<a class="gr-result-title" href="${escape(href)}">${escape(result.label)}</a>` +
    `<div class="gr-result-place">${escape(result.place)}</div>` +
    (result.snippet ? `<p class="gr-result-snippet">${escape(result.snippet)}…</p>` : "") +
    "</li>"
  );
}

function render(container, query, found, cards, { live }) {
  const { results, unmatched, asked } = found;
  const parts = [];
  if (!asked.terms.length) {
    parts.push(
      `<p class="gr-status" role="status">Type what you look for: a function (log det), a formula ` +
        `(x^T A x, ||Ax - b||^2), a layer or loss (softmax cross-entropy).</p>`,
    );
  } else if (!results.length) {
    parts.push(
      `<p class="gr-status" role="status">Nothing on this site matches “${escape(query)}”. ` +
        `Try fewer or other words, or browse <a href="${root()}catalog.html">all identities</a>.</p>`,
    );
  } else {
    const count = results.length === 1 ? "1 result" : `${results.length} results`;
    let status = `${count}${live ? "" : `, best first`}`;
    if (unmatched.length) {
      const words = unmatched.map((w) => `<em>${escape(w)}</em>`).join(", ");
      status += `. Not found on the site: ${words}; these results match the other words`;
    }
    parts.push(`<p class="gr-status" role="status">${status}.</p>`);
    parts.push(`<ol class="gr-results">${results.map((r) => resultHtml(r, cards)).join("")}</ol>`);
    if (live) {
      const all = `${root()}search.html?q=${encodeURIComponent(query)}`;
      parts.push(`<p class="gr-all"><a href="${escape(all)}">All results for “${escape(query)}”</a></p>`);
    }
  }
  container.innerHTML = parts.join("");
  container.dataset.query = query;
  container.dataset.formulas = "";
}

async function run(container, query, options, typed) {
  const index = await loadIndex();
  if (container.dataset.pending !== query) return; // a newer keystroke has taken over
  const found = search(index, query, { live: options.live, limit: options.live ? LIVE_LIMIT : PAGE_LIMIT });
  render(container, query, found, window.GRADREF_SEARCH_CARDS, options);
  // From the keystroke to the results on the page (the site's tests read it).
  container.dataset.ms = (performance.now() - typed).toFixed(2);
  const cards = loadCards(found.results);
  const missing = found.results.some((r) => r.type === "identity" && !(window.GRADREF_SEARCH_CARDS || {})[r.id]);
  if (missing) {
    cards.then(() => {
      if (container.dataset.query === query) {
        render(container, query, found, window.GRADREF_SEARCH_CARDS, options);
        container.dataset.formulas = "shown";
      }
    });
  } else container.dataset.formulas = "shown";
}

function attach(input, container, options) {
  const update = () => {
    const query = input.value.trim();
    container.dataset.pending = query;
    if (!query) {
      container.innerHTML = "";
      container.dataset.query = "";
      return;
    }
    run(container, query, options, performance.now());
    if (options.onQuery) options.onQuery(query);
  };
  input.addEventListener("focus", () => loadIndex(), { once: true });
  input.addEventListener("input", update);
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      const first = container.querySelector("a");
      if (first) {
        event.preventDefault();
        first.focus();
      }
    }
  });
  container.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const links = [...container.querySelectorAll("a")];
    const at = links.indexOf(document.activeElement);
    if (at < 0) return;
    event.preventDefault();
    const next = event.key === "ArrowDown" ? at + 1 : at - 1;
    if (next < 0) input.focus();
    else if (next < links.length) links[next].focus();
  });
  return update;
}

function setUp() {
  const page = document.getElementById("gr-search-page");
  let counter = 0;
  for (const input of document.querySelectorAll('form.bd-search input[name="q"]')) {
    if (page && page.contains(input)) continue;
    const container = document.createElement("div");
    container.className = "gr-live";
    container.id = `gr-live-${counter++}`;
    container.setAttribute("role", "region");
    container.setAttribute("aria-label", "Search results");
    input.setAttribute("aria-controls", container.id);
    input.setAttribute("autocomplete", "off");
    input.closest("form").after(container);
    attach(input, container, { live: true });
  }
  if (page) {
    const input = page.querySelector('input[name="q"]');
    const container = page.querySelector("#search-results");
    const update = attach(input, container, {
      live: false,
      onQuery: (query) => {
        const url = new URL(window.location.href);
        url.searchParams.set("q", query);
        window.history.replaceState(null, "", url);
      },
    });
    const query = new URLSearchParams(window.location.search).get("q") || "";
    if (query) {
      input.value = query;
      update();
    }
  }
}

function start() {
  setUp();
  // The reader may have focused a box, or typed into it, while this script was loading.
  const active = document.activeElement;
  if (active && active.matches('form.bd-search input[name="q"]')) {
    loadIndex();
    if (active.value.trim()) active.dispatchEvent(new Event("input"));
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
