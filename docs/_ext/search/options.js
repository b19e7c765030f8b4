/*
 * What the index holds and how a query is weighed: shared by build.mjs and client.js.
 */

/** The fields of every document, as terms (terms.js) joined by spaces. */
export const FIELDS = [
  "title", "keywords", "lead", "formula", "parts", "result", "symbols", "where", "kinds", "text",
]; // prettier-ignore

/** What a result shows, stored in the index. */
export const STORED = [
  "type", "id", "label", "url", "place", "wrt", "kind", "hessian", "special", "home", "snippet",
]; // prettier-ignore

/**
 * How much a match in each field counts. A formula term ("f:x'ax") is the most specific
 * thing a query can say; an identity's title and keywords are what readers call it; its
 * symbols (x, transpose, inv) and chapter say little on their own.
 */
export const BOOST = {
  title: 3, keywords: 3, lead: 1, formula: 8, parts: 5, result: 4, symbols: 0.4, where: 0.8, kinds: 1.2, text: 1,
}; // prettier-ignore

/** An identity outranks prose that matches as well (the reader wants the formula). */
export const IDENTITY_BOOST = 2.5;
/** ... and more so when its variable is the one the query names ("with respect to A"). */
export const WRT_BOOST = 1.8;
/** ... or it is the kind of answer asked for (a Hessian, a Jacobian, a backward rule). */
export const KIND_BOOST = 1.5;

/** Typo tolerance: none for formulas and short words, one edit from 5 letters, two from 8. */
export function fuzzy(term) {
  if (/^[fcegp]:/.test(term) || term.length < 5) return false;
  return term.length >= 8 ? 2 : 1;
}

/** Without a variable named, the conventional one (x, X) is the likelier question. */
export const CONVENTIONAL_WRT = ["x", "X"];
export const CONVENTIONAL_BOOST = 1.15;

/**
 * Special cases (a symmetric A, an SPD or triangular matrix, a Toeplitz one), and the rules
 * of calculus (product, chain: about any function), rank below the
 * general identity unless the query names the special case.
 */
export const QUALIFIERS = [
  "symmetric", "spd", "diagonal", "triangular", "toeplitz", "orthogonal", "positive", "rule",
  "multinomial", "univariate", "parametrised", "solve",
]; // prettier-ignore
export const SPECIAL_PENALTY = 0.8;

/** BM25's length normalisation, weak: a formula spelled several ways is not a long field. */
export const BM25 = { k: 1.2, b: 0.35, d: 0.5 };

/** A reverse-mode rule ranks below a gradient unless the query asks for a backward rule. */
export const UNASKED_BACKWARD = 0.85;

/** Of two identities alike, the one in the chapter named by the query's words (trace). */
export const HOME_BOOST = 1.1;

/** The subject of a question ("derivative of the inverse ...") counts as this many words. */
export const SUBJECT_WEIGHT = 2;
