/*
 * gradref's search scorer (conf.py: html_search_scorer), and its snippets.
 *
 * Sphinx copies this file into _static/language_data.js, which the search page loads
 * after searchtools.js. What a scorer can change, and what it cannot (Sphinx 8 and 9):
 *
 * - It can: give each result a new score (Scorer.score). Sphinx then sorts by score, and
 *   orders equal scores by title, alphabetically. Here no two results tie: identity
 *   sections get scores of their own tier, ordered by relevance (below), and other pages
 *   keep Sphinx's score, equal ones ordered as the site reads (its table of contents).
 *   Results of one page with equal scores (two of its sections found by their titles)
 *   keep Sphinx's alphabetical order: the search index does not say where a section is.
 * - It cannot: change which results are found (an index entry, a section title that
 *   contains the query, a page that has all of its words), nor the group of "non-main"
 *   index entries, which Sphinx always lists after every other result. Identities'
 *   keywords are main entries (docs/_ext/gradref_catalog.py), so they are never in that group.
 *
 * The result's title is set here too (Scorer.score receives the result itself): Sphinx
 * titles an index-entry result with its page's title only ("3. Quadratic forms" for 3.1
 * and 3.2 alike); it becomes "3. Quadratic forms > 3.1 Gradient of ...", which is also the
 * title Sphinx gives the same section found by its title, so the two are shown once.
 *
 * Below the scorer, three functions of Search are replaced: the snippet is the text of the
 * result's section (never of a hidden solution), an identity's statement first, with each
 * formula's text once and without its TeX source; for an identity, and when no word of
 * the query is in the text, the snippet is its start (Sphinx would show "..." and a cut:
 * an identity's long section would show its code or sources, not its statement); and one- and
 * two-letter words of a query (the x and T of "x^T A x") are not highlighted, in the
 * results or on the page that a result opens.
 *
 * The identities' keywords and the pages' reading order come from the search page
 * (docs/_ext/gradref_search.py writes them there).
 */

var Scorer = {
  // Sphinx's defaults (searchtools.js), which a scorer file replaces as a whole.
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,

  // An identity section's score: IDENTITY_TIER + Sphinx's score (an integer: 100 for an
  // index entry equal to the query) + a keyword bonus in [0.01, 0.5], highest for the
  // identity whose keywords list the query earliest (the catalog lists the most specific
  // first) - its place in the reference / 100000, for reading order among the rest.
  // Other pages keep Sphinx's score (always below the tier) - their place in the site's
  // reading order / 1000.
  IDENTITY_TIER: 1000,

  score: (result) => {
    const [docName, , anchor, , score] = result;
    const identities = window.GRADREF_IDENTITIES || {};
    const identity = anchor ? identities[docName + anchor] : undefined;
    if (!identity) {
      const pages = window.GRADREF_PAGES || [];
      const page = pages.indexOf(docName);
      return score - (page < 0 ? pages.length : page) / 1000;
    }
    const section = gradrefSectionTitle(docName, anchor.slice(1));
    if (section) result[1] = section;
    const query = (gradrefLastQuery || "").toLowerCase().trim();
    const position = identity.keywords.findIndex(
      (keyword) => keyword.includes(query) && query.length >= keyword.length / 2,
    );
    const keywordBonus = position < 0 ? 0 : (50 - Math.min(position, 49)) / 100;
    return Scorer.IDENTITY_TIER + score + keywordBonus - identity.order / 100000;
  },
};

var gradrefLastQuery = "";
var gradrefIdentityText = false; // whether the last text made by htmlToText is an identity's
var gradrefSectionTitles = null;

// "Page title > section title", as Sphinx titles a section found by its title.
function gradrefSectionTitle(docName, id) {
  const index = Search._index;
  if (gradrefSectionTitles === null) {
    gradrefSectionTitles = new Map();
    for (const [title, found] of Object.entries(index.alltitles)) {
      for (const [file, titleId] of found) {
        if (titleId !== null) gradrefSectionTitles.set(`${file}#${titleId}`, title);
      }
    }
  }
  const file = index.docnames.indexOf(docName);
  const section = gradrefSectionTitles.get(`${file}#${id}`);
  return section ? `${index.titles[file]} > ${section}` : null;
}

(() => {
  if (typeof Search === "undefined" || !Search.htmlToText || !Search.makeSearchSummary) {
    return; // another Sphinx: keep its own snippets
  }

  // The text of the result's section (of the object's description, for an API object),
  // or of the page's main content; each formula once, as its MathML text.
  Search.htmlToText = (htmlString, anchor) => {
    const html = new DOMParser().parseFromString(htmlString, "text/html");
    // (a solution, hidden until the reader opens it, is not given away in a snippet)
    const drop = ".headerlink, script, style, .katex-html, annotation, .solution";
    html.querySelectorAll(drop).forEach((element) => element.remove());
    // words of two blocks (a formula and the line below it) stay two words
    html.querySelectorAll("p, div, li, dt, dd, td, th, h1, h2, h3, h4, mspace").forEach(
      (block) => block.after(" "),
    );
    const main = html.querySelector('[role="main"]');
    if (!main) return "";
    let block = main;
    if (anchor) {
      const target = html.getElementById(anchor.slice(1));
      if (target && main.contains(target)) block = target.closest("dl, section") || target;
    }
    // An identity's section reads: heading, then its statement and how it was verified
    // (the "verified" box, which on the page follows a line of ids and links).
    const heading = block.matches("section") && block.querySelector(":scope > :is(h1, h2, h3)");
    const statement = heading && block.querySelector(":scope > .verified, :scope > .cell .verified");
    if (statement) heading.after(statement);
    gradrefIdentityText = Boolean(statement);
    return block.textContent.replace(/\s+/g, " ").trim();
  };

  // 240 characters around the first word of the query found in the text; the text's start
  // if none is (Sphinx would start at NaN: "..." and the text's first 240 characters).
  Search.makeSearchSummary = (htmlText, keywords, anchor) => {
    const text = Search.htmlToText(htmlText, anchor);
    if (text === "") return document.createTextNode("");
    const lower = text.toLowerCase();
    const found = [...keywords]
      .map((keyword) => lower.indexOf(keyword.toLowerCase()))
      .filter((position) => position > -1);
    // An identity's snippet is its heading and statement, wherever the query matched it
    // (a long section would otherwise show its sources or code, and not what it states).
    const start = found.length && !gradrefIdentityText ? Math.max(Math.min(...found) - 120, 0) : 0;
    const summary = document.createElement("p");
    summary.classList.add("context");
    summary.textContent =
      (start > 0 ? "..." : "")
      + text.substr(start, 240).trim()
      + (start + 240 < text.length ? "..." : "");
    return summary;
  };

  // Remember the query (for the scorer), and highlight only words of three letters or more.
  const parseQuery = Search._parseQuery;
  Search._parseQuery = (query) => {
    gradrefLastQuery = query;
    const parsed = parseQuery(query);
    const highlight = new Set([...parsed[3]].filter((term) => term.length > 2));
    parsed[3] = highlight;
    if (typeof SPHINX_HIGHLIGHT_ENABLED !== "undefined" && SPHINX_HIGHLIGHT_ENABLED) {
      localStorage.setItem("sphinx_highlight_terms", [...highlight].join(" "));
    }
    return parsed;
  };
})();
