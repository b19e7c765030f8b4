/*
 * The search index, built with the site (docs/_ext/gradref_search.py runs it at the end of a
 * build, bundled by esbuild with the packages from _build/npm).
 *
 *   node build.bundle.mjs documents.json OUTDIR
 *
 * documents.json lists the identities (title, keywords, formulas, family and topic, the
 * variable, kind, whether a Hessian is verified, Cookbook equations) and the prose pages'
 * sections (title and text). Writes into OUTDIR:
 *
 * - gradref-search-index.js: window.GRADREF_SEARCH_INDEX, a MiniSearch index (loadJS) of
 *   every document's terms, as terms.js reads them, with the fields a result shows;
 * - gradref-search-cards-<family>.js: into window.GRADREF_SEARCH_CARDS, each identity's
 *   formula as KaTeX HTML (rendered here, at build time; the page's KaTeX stylesheet draws
 *   it), a file a family, loaded for the families that results are in.
 *
 * Both are scripts rather than JSON so that the site also searches when opened from disk
 * (file://), where a page may not fetch. They are loaded when a reader first uses search.
 */

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import katex from "katex";
import MiniSearch from "minisearch";
import { formulaParts, formulaSymbols, formulaTerms, wordTerms } from "./terms.js";
import { FIELDS, QUALIFIERS, STORED } from "./options.js";

const [input, outdir] = process.argv.slice(2);
const { documents } = JSON.parse(readFileSync(input, "utf-8"));

const joined = (terms) => [...new Set(terms)].join(" ");

/**
 * The right-hand side of an identity's formula (what "show that the gradient is ..." quotes):
 * after its last "=" outside brackets, up to a "\quad" that starts a side condition.
 */
export function resultOf(formula) {
  let depth = 0;
  let last = -1;
  for (let i = 0; i < formula.length; i++) {
    if ("{([".includes(formula[i])) depth++;
    else if ("})]".includes(formula[i])) depth--;
    else if (formula[i] === "=" && depth === 0) last = i;
  }
  if (last < 0) return null;
  return formula.slice(last + 1).split(/,?\s*\\q?quad\b/)[0];
}

function identityFields(doc) {
  const formulas = new Set();
  const parts = new Set();
  for (const text of doc.functions) {
    for (const term of formulaTerms(text)) formulas.add(term);
    for (const part of formulaParts(text)) {
      for (const term of formulaTerms(part)) if (term.startsWith("f:")) parts.add(`p:${term.slice(2)}`);
    }
  }
  const kinds = [doc.kind === "vjp" ? "backward" : doc.kind];
  if (doc.hessian) kinds.push("hessian");
  for (const eq of doc.cookbook) kinds.push("cookbook", `${eq}`, `eq${eq}`);
  return {
    title: joined(wordTerms(doc.title)),
    keywords: joined(doc.keywords.flatMap((k) => wordTerms(k))),
    // the keywords a reader most likely means (the catalog lists the most specific first)
    lead: joined(doc.keywords.slice(0, 2).flatMap((k) => wordTerms(k))),
    formula: joined([...formulas]),
    parts: joined([...parts]),
    // the result only as written (f:), not its generic shape, which matches too much
    result: joined(formulaTerms(resultOf(doc.formula) || "").filter((t) => t.startsWith("f:"))),
    symbols: joined([doc.formula, ...doc.functions].flatMap((f) => formulaSymbols(f))),
    where: joined(wordTerms(`${doc.family} ${doc.topic} ${doc.id.replace(/[.-]/g, " ")}`)),
    kinds: joined(kinds),
    text: joined(wordTerms(doc.assumptions || "")),
  };
}

function pageFields(doc) {
  return {
    title: joined(wordTerms(doc.title)),
    keywords: "",
    lead: "",
    formula: "",
    parts: "",
    result: "",
    symbols: "",
    where: joined(wordTerms(doc.page || "")),
    kinds: "",
    text: wordTerms(doc.text).join(" "),
  };
}

const index = new MiniSearch({
  fields: FIELDS,
  storeFields: STORED,
  idField: "key",
  tokenize: (text) => text.split(" ").filter(Boolean),
  processTerm: (term) => term,
});

const cards = {};
const records = documents.map((doc) => {
  const fields = doc.type === "identity" ? identityFields(doc) : pageFields(doc);
  if (doc.type === "identity") {
    cards[doc.key] = katex.renderToString(doc.formula, {
      displayMode: false,
      output: "html",
      throwOnError: true,
      strict: "error",
    });
  }
  return {
    ...fields,
    key: doc.key,
    type: doc.type,
    id: doc.id || "",
    label: doc.title,
    url: doc.url,
    place: doc.type === "identity" ? `${doc.family} › ${doc.topic}` : doc.page,
    wrt: doc.wrt || "",
    kind: doc.kind || "",
    hessian: Boolean(doc.hessian),
    home: doc.type === "identity" ? wordTerms(doc.family) : [],
    special:
      doc.type === "identity"
        ? QUALIFIERS.filter((q) => wordTerms(`${doc.title} ${doc.id}`).includes(wordTerms(q)[0]))
        : [],
    snippet: doc.type === "identity" ? "" : doc.text.slice(0, 240),
  };
});
index.addAll(records);

const script = (name, value) =>
  `window.${name} = ${JSON.stringify(value).replace(/<\//g, "<\\/")};\n`;
writeFileSync(join(outdir, "gradref-search-index.js"), script("GRADREF_SEARCH_INDEX", index.toJSON()));
// The formulas, one file a family: a page loads those of the families its results are in.
const families = {};
for (const [id, card] of Object.entries(cards)) {
  const family = id.split(".")[0];
  families[family] = { ...(families[family] || {}), [id]: card };
}
for (const [family, some] of Object.entries(families)) {
  const text = JSON.stringify(some).replace(/<\//g, "<\\/");
  writeFileSync(
    join(outdir, `gradref-search-cards-${family}.js`),
    `window.GRADREF_SEARCH_CARDS = Object.assign(window.GRADREF_SEARCH_CARDS || {}, ${text});\n`,
  );
}
console.log(`gradref search: ${records.length} documents indexed`);
