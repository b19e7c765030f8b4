/*
 * The search measured on a set of real questions, in Node, on the built index:
 *
 *   node evaluate.bundle.mjs INDEX.js QUESTIONS.json [--show]
 *
 * For each answerable question, whether an answering identity is among the first three
 * results, asked as it was asked and as short keywords; and how many queries return
 * nothing. Prints a JSON summary (and, with --show, every miss with its first results).
 * The same ranking runs in the browser (client.js's `search`).
 */

import { readFileSync } from "node:fs";
import MiniSearch from "minisearch";
import { search } from "./rank.js";
import { FIELDS, STORED } from "./options.js";

const [indexFile, questionsFile, ...flags] = process.argv.slice(2);
const source = readFileSync(indexFile, "utf-8");
const json = source.slice(source.indexOf("=") + 1).trim().replace(/;$/, "");
const index = MiniSearch.loadJS(JSON.parse(json), {
  fields: FIELDS,
  storeFields: STORED,
  idField: "key",
  tokenize: (text) => text.split(" ").filter(Boolean),
  processTerm: (term) => term,
});
const at = flags.indexOf("--query");
if (at >= 0) {
  const { results, unmatched, asked } = search(index, flags[at + 1]);
  console.log(JSON.stringify({ terms: asked.terms, wrt: asked.wrt, kinds: asked.kinds, unmatched }));
  for (const r of results.slice(0, 8)) console.log(r.score.toFixed(2), r.id || r.key, r.queryTerms.join(" "));
  process.exit(0);
}
const questions = JSON.parse(readFileSync(questionsFile, "utf-8"));
const summary = { asked: { hits: 0, total: 0 }, keywords: { hits: 0, total: 0 }, empty: [], misses: [] };
for (const q of questions) {
  for (const form of ["asked", "keywords"]) {
    const query = form === "asked" ? q.question : q.keywords;
    const { results } = search(index, query);
    if (!results.length) summary.empty.push(query);
    if (!q.answers.length) continue;
    summary[form].total += 1;
    const top = results.slice(0, 3).map((r) => r.id);
    if (q.answers.some((id) => top.includes(id))) summary[form].hits += 1;
    else summary.misses.push({ query, want: q.answers, got: results.slice(0, 3).map((r) => r.id || r.key) });
  }
}
for (const form of ["asked", "keywords"]) {
  const { hits, total } = summary[form];
  summary[form].rate = total ? Math.round((1000 * hits) / total) / 1000 : null;
}
if (!flags.includes("--show")) delete summary.misses;
console.log(JSON.stringify(summary, null, 1));
