/*
 * The ranking: a reader's query against the index, best first. Used by the browser
 * (client.js) and by the measurement on real questions (evaluate.mjs).
 */

import {
  BM25, BOOST, CONVENTIONAL_BOOST, CONVENTIONAL_WRT, IDENTITY_BOOST, KIND_BOOST, HOME_BOOST, SPECIAL_PENALTY,
  SUBJECT_WEIGHT, UNASKED_BACKWARD, WRT_BOOST, fuzzy,
} from "./options.js"; // prettier-ignore
import { analyzeQuery, wordTerms } from "./terms.js";

export const PAGE_LIMIT = 30;

/**
 * The results for a query, best first, and the reader's words that matched nothing.
 * `live`: the last word may be unfinished (as you type), so it also matches as a prefix.
 */
export function search(index, query, { live = false, limit = PAGE_LIMIT } = {}) {
  const asked = analyzeQuery(query);
  const { terms, wrt, kinds } = asked;
  if (!terms.length) return { results: [], unmatched: [], asked };
  const wanted = wrt ? wrt.toLowerCase() : null;
  const qualifiers = wordTerms(query);
  // the words of the query (not its formulas, symbols or very common words)
  const named = asked.groups.filter((g) => g.terms.length === 1 && !/^[fcegp]:/.test(g.terms[0])).map((g) => g.terms[0]);
  const raw = index.search(terms.join(" "), {
    boost: BOOST,
    bm25: BM25,
    fuzzy,
    combineWith: "OR",
    prefix: (term, i, all) => live && i === all.length - 1 && !/^[fcegp]:/.test(term),
    boostDocument: (_key, _term, doc) => {
      if (doc.type !== "identity") return 1;
      let boost = IDENTITY_BOOST;
      if (wanted === "vector" || wanted === "matrix") {
        // "with respect to a vector": a variable named in lower case; "a matrix": in capitals
        if (doc.wrt && /^[a-z]/.test(doc.wrt) === (wanted === "vector")) boost *= WRT_BOOST;
      } else if (wanted && doc.wrt) {
        if (doc.wrt.toLowerCase() === wanted) boost *= doc.wrt === wrt ? WRT_BOOST * 1.1 : WRT_BOOST;
      } else if (!wanted && CONVENTIONAL_WRT.includes(doc.wrt)) boost *= CONVENTIONAL_BOOST;
      if (named.length && named.every((term) => (doc.home || []).includes(term))) boost *= HOME_BOOST;
      for (const special of doc.special || []) {
        if (!qualifiers.includes(wordTerms(special)[0])) boost *= SPECIAL_PENALTY;
      }
      if (kinds.includes("hessian") && doc.hessian) boost *= KIND_BOOST;
      if (kinds.includes("jacobian") && doc.kind === "jacobian") boost *= KIND_BOOST;
      if (doc.kind === "vjp") boost *= kinds.includes("backward") ? KIND_BOOST : UNASKED_BACKWARD;
      return boost;
    },
  });
  const matched = new Set();
  for (const result of raw) for (const term of result.queryTerms) matched.add(term);
  // A result that covers more of what the query says comes first: coverage weighs on BM25.
  const groups = asked.groups.length ? asked.groups : terms.map((t) => ({ word: t, terms: [t] }));
  // the subject of the question ("derivative of the inverse") weighs as two words
  const weight = (g) => (g.subject ? SUBJECT_WEIGHT : 1);
  const said = groups.reduce((n, g) => n + weight(g), 0);
  const results = raw
    .map((result) => {
      // a query term counts as covered where it matched the document's own words or
      // formulas, not merely a symbol its formula contains (the inv of X^{-1})
      const hit = new Set();
      for (const term of result.queryTerms) {
        const fields = Object.entries(result.match)
          .filter(([matched]) => matched === term || matched.slice(0, 3) === term.slice(0, 3))
          .flatMap(([, where]) => where);
        if (fields.some((field) => field !== "symbols")) hit.add(term);
      }
      const covered = groups.filter((g) => g.terms.some((t) => hit.has(t))).reduce((n, g) => n + weight(g), 0);
      return { ...result, score: result.score * (covered / said) ** 1.5 };
    })
    .sort((a, b) => b.score - a.score)
    .slice(0, limit);
  const unmatched = groups.filter((g) => !g.terms.some((t) => matched.has(t))).map((g) => g.word);
  return { results, unmatched: [...new Set(unmatched)], asked };
}

