/*
 * How the search reads text: the one analyser that both the index (build.mjs, at build
 * time, in Node) and the reader's queries (client.js, in the browser) go through, so that
 * a word or a formula spelled either way becomes the same term on both sides.
 *
 * - Words: lower-cased, phrases joined ("log det" -> logdet, "cross entropy" ->
 *   crossentropy), synonyms made one term (determinant -> det, inverse -> inv, trace -> tr,
 *   "w.r.t." -> wrt, euclidean -> l2, ...), stop words dropped, then stemmed (Porter's
 *   algorithm, the `stemmer` package): "traces", "tracing" and "trace" meet.
 * - Formulas: x^T A x, xᵀAx, x'Ax, x^\top A x are one formula term, "f:x'ax"; A^-1,
 *   A^{-1}, inv(A) and A⁻¹ read "a^-1"; ||Ax - b||^2, ‖Ax−b‖₂², \|Ax-b\|_2^2 read
 *   "||ax-b||^2"; log det X, logdet(X), ln|X| read "logdetx"; tr(AXB) and trace(A X B) read
 *   "traxb". A formula term is matched whole (no typo tolerance): a near miss is not
 *   the same formula. Its symbols (transpose, inverse, det, ...) are words as well.
 * - A question: "gradient / derivative / Hessian / Jacobian / backward of ... with respect
 *   to X" (also wrt, w.r.t., d/dX, ∂/∂X, \nabla_X) gives the variable and the kind the
 *   reader wants, which the ranking uses (client.js); those words are not search terms.
 */

import { stemmer } from "stemmer";

// Unicode spellings of formula marks, as ASCII.
const CHARACTERS = [
  [/⁻¹/g, "^-1"],
  [/⁻ᵀ|⁻⊤/g, "^-T"],
  [/[ᵀ⊤]/g, "^T"],
  [/[‖∥]/g, "||"],
  [/[′’‘`]/g, "'"],
  [/²/g, "^2"],
  [/³/g, "^3"],
  [/₂/g, "_2"],
  [/₁/g, "_1"],
  [/[−–—]/g, "-"],
  [/∂/g, " partial "],
  [/∇/g, " nabla "],
  [/[∘⊙]/g, " hadamard "],
  [/⊗/g, " kronecker "],
  [/[·⋅∙×]/g, " "],
  [/Σ/g, " Sigma "],
  [/σ/g, " sigma "],
  [/μ/g, " mu "],
  [/λ/g, " lambda "],
  [/θ/g, " theta "],
  [/[“”"$]/g, " "],
];

// LaTeX, as a reader would type it in plain text (the catalog's formulas are LaTeX).
const LATEX = [
  [/\\(?:left|right|big|Big|bigg|Bigg)[lr]?\b/g, ""],
  [/\\(?:operatorname|mathrm|mathbf|boldsymbol|mathit|text|textrm|textstyle|displaystyle|mbox|rm|bf|it)\b\s*/g, ""],
  [/\\[,;:! ]|\\q?quad\b/g, " "],
  [/\\(?:top|intercal|mathsf\{T\})/g, "T"],
  [/\\lVert|\\rVert|\\Vert|\\\|/g, "||"],
  [/\\lvert|\\rvert|\\vert/g, "|"],
  [/\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, "($1)/($2)"],
  [/\\[dt]?frac\s*(\d)(\d)/g, "$1/$2"],
  [/\\(?:cdot|times)\b/g, " "],
  [/\\circ\b|\\odot\b/g, " hadamard "],
  [/\\otimes\b/g, " kronecker "],
  [/\\([a-zA-Z]+)/g, " $1 "],
  [/[{}]/g, (m) => m],
];

// Phrases that are one idea, made one term before the words are split.
const PHRASES = [
  [/\b(?:log|ln)[\s(-]*(?:of\s+(?:the\s+)?|of\s+a\s+)?det(?:erminant)?s?\b|\blogdet\b/g, " logdet "],
  [/\bl(?:og|n)\s*\|/g, " logdet |"],
  [/\bcross[\s-]*entropy\b/g, " crossentropy "],
  [/\blog[\s-]*sum[\s-]*exp\b|\blse\b/g, " logsumexp "],
  [/\blayer[\s-]*norm(?:ali[sz]ation)?\b/g, " layernorm "],
  [/\bbatch[\s-]*norm(?:ali[sz]ation)?\b/g, " batchnorm "],
  [/\bgroup[\s-]*norm(?:ali[sz]ation)?\b/g, " groupnorm "],
  [/\brms[\s-]*norm\b/g, " rmsnorm "],
  [/\bleast[\s-]*squares?\b|\bols\b/g, " leastsquares "],
  [/\bsecond[\s-]*(?:order\s+)?derivatives?\b|\bsecond[\s-]*order\b/g, " hessian "],
  [/\bmean[\s-]*squared?[\s-]*errors?\b/g, " mse "],
  [/\bmaximum[\s-]*likelihood(?:[\s-]*estimat(?:ion|e|es|or|ors))?\b/g, " mle "],
  [/\bnegative[\s-]*log[\s-]*likelihoods?\b/g, " nll "],
  [/\blog[\s-]*likelihoods?\b/g, " loglikelihood "],
  [/\bkullback[\s-]*leibler\b/g, " kl "],
  [/\bsoft[\s-]*max\b/g, " softmax "],
  [/\bsoft[\s-]*plus\b/g, " softplus "],
  [/\bmulti[\s-]*variate\s+(?:normal|gaussian)\b|\bmvn\b/g, " gaussian "],
  [/\bnormal\s+(?:distribution|density|pdf)\b/g, " gaussian "],
  [/\b(?:matrix|vector)[\s-]*(?:vector|matrix)?[\s-]*product\b/g, (m) => m.replace(/[\s-]+/g, " ")],
  [/\breverse[\s-]*mode\b|\bvector[\s-]*jacobian[\s-]*products?\b|\bbackward\s+pass\b/g, " backward "],
  [/\bco[\s-]+variances?\b/g, " covariance "],
  [/\bback[\s-]*prop(?:agation)?[\s-]+through[\s-]+time\b|\bbptt\b/g, " bptt "],
  [/\btype[\s-]*(?:ii|2)[\s-]+maximum[\s-]*likelihood\b|\bmarginal[\s-]*(?:log[\s-]*)?likelihoods?\b/g, " marginallikelihood "],
  [/\bback[\s-]*prop(?:agation|agate|agating)?\b/g, " backprop "],
  [/\bl[\s-]*2\b|\b2[\s-]*norm\b/g, " l2 "],
  [/\bl[\s-]*1\b|\b1[\s-]*norm\b/g, " l1 "],
  [/\bdot[\s-]*product\b|\bscalar[\s-]*product\b/g, " inner product "],
  [/\bhadamard[\s-]*product\b|\belement[\s-]*wise[\s-]*product\b/g, " hadamard "],
  [/\bkronecker[\s-]*product\b/g, " kronecker "],
  [/\blog(?:arithm)?\s+of\s+(?:a\s+|the\s+)?sum(?:mation)?(?:\s+of\s+exp(?:onential)?s?)?\b/g, " logsumexp "],
  [/\bsquare[\s-]*root\s+of\s+(?:the\s+)?sum\s+of\s+squares\b/g, " l2 norm "],
  [/\bsym[\s-]*eig\b/g, " eigh "],
  [/\bcost(?:\s+function)?\b|\bobjective(?:\s+function)?\b/g, " loss "],
  [/\bclosed[\s-]+form\b/g, " closedform "],
  [/\bw\s*\.\s*r\s*\.\s*t\.?|\bwith\s+respect\s+to\b|\bwrt\b|\bin\s+terms\s+of\b/g, " wrt "],
];

// One term for words that mean the same here.
const SYNONYMS = {
  determinant: "det",
  determinants: "det",
  inverse: "inv",
  inverses: "inv",
  inversion: "inv",
  inverted: "inv",
  trace: "tr",
  traces: "tr",
  ln: "log",
  logarithm: "log",
  logarithms: "log",
  euclidean: "l2",
  transposed: "transpose",
  transposes: "transpose",
  hessians: "hessian",
  jacobians: "jacobian",
  adjoint: "backward",
  adjoints: "backward",
  vjp: "backward",
  vjps: "backward",
  pullback: "backward",
  covariance: "cov",
  covariances: "cov",
  normal: "gaussian",
  gauss: "gaussian",
  gaussians: "gaussian",
  elementwise: "hadamard",
  eigenvalue: "eig",
  eigenvalues: "eig",
  eigen: "eig",
  eigenvector: "eigvec",
  eigenvectors: "eigvec",
  frobenius: "frobenius",
  fro: "frobenius",
  sigmoid: "sigmoid",
  logit: "logits",
  ce: "crossentropy",
  xent: "crossentropy",
  bce: "crossentropy",
  mahalanobis: "mahalanobis",
  exponential: "exp",
  exponent: "exp",
  expm: "exp",
  squared: "square",
  squares: "square",
  vectorization: "vec",
  vectorisation: "vec",
  diagonal: "diag",
  hadamard: "hadamard",
  kronecker: "kronecker",
  kron: "kronecker",
  cholesky: "cholesky",
  chol: "cholesky",
  precision: "precision",
  nabla: "nabla",
};

// Words that say nothing about which identity is meant. "gradient", "derivative" and the
// like are read as the kind of answer wanted (see analyzeQuery), not searched for.
const STOP = new Set(
  (
    "a an and are as at be been being by can could do does doing for from get gets getting " +
    "give given gives how i if in into is it its me my need of on or our please should so " +
    "some such than that the their them then there these this those to using use via was " +
    "we what when where which while who why will with would you your wrt respect also one " +
    "two let help find finding compute computing computed calculate calculating calculation " +
    "calculated evaluate derive deriving derived derivation derivative derivatives " +
    "differentiate differentiating differentiation differential differentials gradient " +
    "gradients grad partial partials nabla formula formulas formulae expression function " +
    "functions simple simplify correct right wrong way question answer know " +
    "take taking taken obtain general respectively here about show shows showing through " +
    "understand understanding intuition behind itself"
  ).split(" "),
);

// Words searched for, but too common here to count towards how much of a query a result
// covers ("log det of a matrix": the matrix says little).
const WEAK = new Set([
  "matrix", "matric", "vector", "scalar", "element", "entri", "product", "term", "valu", "input", "output",
]);

// Terms that are made above and must not be stemmed ("logdet" is not "logdet" minus a suffix).
const CANONICAL = new Set([
  ...Object.values(SYNONYMS),
  "logdet", "bptt", "marginallikelihood", "crossentropy", "logsumexp", "layernorm", "batchnorm", "groupnorm", "rmsnorm",
  "leastsquares", "hessian", "mse", "nll", "loglikelihood", "kl", "softmax", "softplus",
  "gaussian", "backward", "backprop", "mle", "l1", "l2", "jacobian", "relu", "gelu", "elu",
]); // prettier-ignore

// Automatic differentiation frameworks: "the gradient in TensorFlow" is a backward rule.
const FRAMEWORKS = new Set(["tensorflow", "tf", "pytorch", "torch", "jax", "autograd", "autodiff"]);

// Words a query uses to say what kind of answer it wants.
const KIND_WORDS = {
  hessian: "hessian",
  jacobian: "jacobian",
  backward: "backward",
};

/** Unicode and LaTeX spellings as plain ASCII text (case kept). */
export function plain(text) {
  let out = String(text);
  for (const [pattern, replacement] of CHARACTERS) out = out.replace(pattern, replacement);
  out = out.normalize("NFKC"); // 𝑑𝐸/𝑑𝐹 (mathematical italic letters) as dE/dF
  for (const [pattern, replacement] of LATEX) out = out.replace(pattern, replacement);
  return out;
}

function phrases(lower) {
  let out = ` ${lower} `;
  for (const [pattern, replacement] of PHRASES) out = out.replace(pattern, replacement);
  return out;
}

/** Levenshtein distance, stopping early past `limit`. */
function distance(a, b, limit) {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    if (Math.min(...row) > limit) return limit + 1;
    previous = row;
  }
  return previous[b.length];
}

const SYNONYM_WORDS = Object.keys(SYNONYMS).filter((w) => w.length >= 6);

/** One word as its term: synonym, stop word (null) or stem. */
export function wordTerm(word) {
  const w = word.toLowerCase().replace(/^[-']+|[-']+$/g, "");
  if (!w || w.length < 2 || STOP.has(w)) return null;
  let synonym = SYNONYMS[w];
  if (!synonym && w.length >= 6) {
    // a misspelt synonym ("detrminant", "invrese") is the synonym: the stem of a typo
    // would not meet the index's term (det, inv) under the index's own typo tolerance
    const limit = w.length >= 9 ? 2 : 1;
    const near = SYNONYM_WORDS.find((key) => distance(w, key, limit) <= limit);
    if (near) synonym = SYNONYMS[near];
  }
  if (synonym) return synonym;
  if (CANONICAL.has(w) || /\d/.test(w) || w.length < 4) return w;
  return stemmer(w);
}

/** The words of a text as terms (no formula terms): for titles, keywords, prose. */
export function wordTerms(text) {
  const lower = phrases(plain(text).toLowerCase());
  const terms = [];
  for (const word of lower.split(/[^a-z0-9'-]+/)) {
    for (const part of word.split(/-(?![0-9])/)) {
      const term = wordTerm(part);
      if (term) terms.push(term);
    }
  }
  return terms;
}

/**
 * A formula as one compact term: transposes as ', inverses as ^-1, norms as ||...|| (the 2
 * of a vector 2-norm dropped), no spaces, brackets or multiplication signs; lower case
 * unless `cased` (x^T A x, a vector's form, and X^T A X, a matrix's, differ only there).
 */
export function compactFormula(text, cased = false) {
  let t = plain(text);
  // A word inside a formula (log(det(MATRIX))) is one symbol, unless it names a function.
  t = t.replace(/[A-Za-z]{5,}/g, (w) => (KEPT_WORDS.test(w) ? w : w[0]));
  // xTAx, XTX, ATb: a capital T between symbols is a transpose
  t = t.replace(/\b[A-Za-z0-9]{2,5}\b/g, (w) =>
    w.replace(/([A-Z])T(?=[A-Za-z])|([a-z])T(?=[A-Z])/g, (_m, a, b) => `${a || b}^T`),
  );
  t = t.replace(/\binv\s*\(\s*([A-Za-z])\s*\)/g, "$1^-1");
  t = t.replace(/\btr(?:ace)?\s*\(/gi, "tr(");
  t = t.replace(/\bl(?:n|og)\s*\|\s*([A-Za-z])\s*\|/g, "logdet $1");
  t = t.replace(/\bl(?:n|og)\s*\(?\s*det\b/g, "logdet");
  t = t.replace(/\^\s*\{\s*-\s*(?:t|top|')\s*\}|\^\s*-\s*(?:T|')|\^\s*-\s*t(?![a-z])/gi, "^-'");
  t = t.replace(/\^\s*\{\s*-\s*1\s*\}|\^\s*\(\s*-\s*1\s*\)|\^\s*-\s*1/g, "^-1");
  t = t.replace(/\^\s*\{\s*(?:t|top|')\s*\}|\^\s*(?:T|')|\^\s*t(?![a-z])/g, "'").replace(/\^\s*\{\s*(?:t|top)\s*\}/gi, "'");
  t = t.replace(/\s+/g, "");
  t = t.replace(/\(([^()]+)\)'\(\1\)/g, "||$1||^2"); // (Ax-b)^T(Ax-b) is ||Ax-b||^2
  t = t.replace(/\|\|([^|]*)\|\|_?\{?2\}?(?![\d^])/g, "||$1||"); // ||x||_2, ||x||2
  // ||y - Xw|| is ||Xw - y||: the two sides of a difference in a norm, in one order
  t = t.replace(/\|\|([^|+-]+)-([^|+-]+)\|\|/g, (_m, a, b) => `||${[a, b].sort().join("-")}||`);
  t = t.replace(/\\/g, "");
  t = t.replace(/[\s(){}[\]*,;:]+/g, "");
  return cased ? t : t.toLowerCase();
}

const NAMES = /(logdet|det|tr|exp|log|diag|vec|sqrt|sum|softmax|sigma|tanh|relu|max|min)/;
const KEPT_WORDS =
  /^(?:logdet|trace|softmax|softplus|sigmoid|sigma|Sigma|theta|lambda|alpha|gamma|kronecker|hadamard|logsumexp|partial|nabla)$/i;

/** The formula with its symbols' names left out: x'ax and b'cb are both ?'??. */
export function genericFormula(compact) {
  return compact
    .split(NAMES)
    .map((part, i) =>
      i % 2 ? part : part.replace(/mu|nu|eta|theta|lambda|alpha|beta|gamma|[a-z]/g, "?"),
    )
    .join("");
}

/**
 * The additive terms of a formula, each without its constant factor: "1/2 x^T A x - x^T b"
 * has the parts x^T A x and x^T b (split at + and - outside brackets and norm bars).
 */
export function formulaParts(text) {
  const t = plain(text);
  const parts = [];
  // a formula wrapped whole in brackets: its terms are inside them
  const inner = t.trim().match(/^\((.*)\)$/);
  if (inner && !/^[^(]*\)/.test(inner[1])) return formulaParts(inner[1]);
  let depth = 0;
  let bars = false;
  let current = "";
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if ("([{".includes(c)) depth += 1;
    if (")]}".includes(c)) depth -= 1;
    if (c === "|" && t[i + 1] === "|") {
      bars = !bars;
      current += "||";
      i += 1;
      continue;
    }
    const sign = (c === "+" || c === "-") && depth === 0 && !bars && !/\^\s*$/.test(current);
    if (sign) {
      parts.push(current);
      current = "";
    } else current += c;
  }
  parts.push(current);
  const cleaned = parts
    .map((p) =>
      p.replace(
        /^\s*(?:\d+\s*\/\s*\d+|\(\s*\d+\s*\/\s*\d+\s*\)|\d+(?:\.\d+)?|(?:lambda|lam|alpha|beta|gamma|mu|eta|rho|c)\b(?:\s*\/\s*\d+)?|[a-z]+\s*\/\s*\d+)\s*\*?/,
        "",
      ),
    )
    .map((p) => p.replace(/\s*\/\s*\d+\s*$/, "").trim())
    .filter((p) => compactFormula(p).length >= 2);
  return cleaned.length > 1 ? cleaned : [];
}

/** The formula terms of a formula: lower case (f:, e:), as cased (c:), and generic (g:). */
export function formulaTerms(text) {
  const lower = compactFormula(text);
  if (lower.length < 2) return [];
  // f: a norm and its square are one term (||Ax - b||2, copied from a page, may have lost
  // its superscript); e: the exact form tells them apart
  const unsquared = lower.replace(/(\|\|[^|]+\|\|)\^2/g, "$1");
  const terms = [`f:${unsquared}`, `c:${compactFormula(text, true)}`];
  if (unsquared !== lower) terms.push(`e:${lower}`);
  const generic = genericFormula(lower);
  if (/[?]/.test(generic) && generic.replace(/[?]/g, "").length >= 1) terms.push(`g:${generic}`);
  return terms;
}

// Capitals that are words, not a product of matrices (NLL, MLE, SVD...).
const ACRONYMS = new Set(
  ("mle nll mse mae svd gp rbf cnn rnn lstm gru kl elbo vae pca lda qr lu sgd adam bce ols " +
    "map em mlp glm lse ce ml ai nn relu gelu elu glu ntk hmm crf rmse").split(" "),
);

function isFormulaToken(token) {
  if (ACRONYMS.has(token.replace(/^\(|\)$/g, "").toLowerCase())) return false;
  return (
    /[\^'|()[\]{}=+*/_\\<>]/.test(token) ||
    /^[-+]$|^[A-Za-z]{1,2}-[A-Za-z0-9]{1,2}$/.test(token) ||
    /[a-z][A-Z]|[A-Z][a-z]?[A-Z]/.test(token)
  );
}

const FUNCTION_WORDS = new Set(["tr", "det", "log", "ln", "exp", "inv", "diag", "vec", "logdet", "trace", "sqrt", "sum"]);
const GREEK = new Set(["lambda", "lam", "alpha", "beta", "gamma", "mu", "eta", "rho", "theta", "sigma", "Sigma", "tau"]);

/**
 * A query split into its formula-like runs ("x^T A x", "||Ax - b||^2", "log det X",
 * "tr(AXB)") and the rest, its prose. A run is a maximal sequence of tokens that hold a
 * formula mark, are one or two letters, function names or numbers, and it counts if it
 * holds a formula mark or two symbols; prose words (of, is, the, ...) end a run.
 */
export function splitQuery(query) {
  const tokens = plain(query).split(/\s+/).filter(Boolean);
  const runs = [];
  const prose = [];
  let run = [];
  const close = () => {
    const marks = run.filter(isFormulaToken).length;
    const symbols = run.filter((t) => /^[A-Za-z]{1,2}$/.test(t) && !STOP.has(t.toLowerCase())).length;
    if ((marks > 0 || symbols >= 2) && compactFormula(run.join(" ")).length >= 2) runs.push(run.join(" "));
    else prose.push(...run);
    run = [];
  };
  for (const token of tokens) {
    const bare = token.replace(/[?.!,;:]+$/, "");
    const lower = bare.toLowerCase();
    const symbolic =
      isFormulaToken(bare) ||
      /^[A-Za-z]{1,2}$/.test(bare) ||
      FUNCTION_WORDS.has(lower) ||
      GREEK.has(bare) ||
      /^-?\d+$/.test(bare);
    const word = lower.length > 1 && STOP.has(lower) && !isFormulaToken(bare);
    // "||Ax - b||^2 2A^T A x": a coefficient after a finished term starts a new formula
    const previous = run.at(-1);
    if (symbolic && previous && /^\d/.test(bare) && !/[-+*/^=(]$/.test(previous)) close();
    if (symbolic && !word) run.push(bare);
    else {
      close();
      prose.push(bare);
    }
    if (bare !== token) close();
  }
  close();
  return { runs, prose: prose.join(" ") };
}

/** The formula-like runs of a query (see splitQuery). */
export function formulaRuns(query) {
  return splitQuery(query).runs;
}

/** The symbols a formula is made of, as words: "transpose", "inv", "det", its letters. */
export function formulaSymbols(text) {
  const t = plain(text)
    .replace(/\^\s*\{?\s*-\s*(?:1|T|\\top)\s*\}?/g, " inv ")
    .replace(/\^\s*\{?\s*(?:T|\\top)\s*\}?/g, " transpose ")
    .replace(/\|\|/g, " norm ")
    .replace(/\binv\s*\(/g, " inv (");
  const terms = [];
  for (const word of phrases(t.toLowerCase()).split(/[^a-z0-9]+/)) {
    if (!word) continue;
    if (word.length === 1) terms.push(word);
    else {
      const term = wordTerm(word);
      if (term) terms.push(term);
    }
  }
  return terms;
}

/**
 * The query with derivative operators taken off what they apply to: d(x^T a)/dx, dTr(XA)/dX,
 * d X^-1 / dX, \partial f/\partial x, \nabla_x f, grad(f) leave x^T a, Tr(XA), X^-1, f.
 */
export function withoutOperators(query) {
  return plain(query)
    // formulas said in words
    .replace(
      /\b(?:the\s+)?trace\s+of\s+(?:the\s+)?(?:product\s+of\s+)?a\s+matrix\s+(?:and|times|with)\s+its\s+(?:own\s+)?transpose\b/gi,
      " tr(X X^T) ",
    )
    .replace(/\b(?:product\s+of\s+)?a\s+matrix\s+(?:and|times|with)\s+its\s+(?:own\s+)?transpose\b/gi, " X X^T ")
    .replace(/\b(?:d|partial)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*\/\s*(?:d|partial)\s*[A-Za-z]\w*/g, " $1 , ")
    .replace(/\b(?:d|partial)\s*([A-Za-z][^/,]{0,40}?)\s*\/\s*(?:d|partial)\s*[A-Za-z]\w*\b/g, " $1 , ")
    .replace(/\b(?:d|partial)\s*\/\s*(?:d|partial)\s*[A-Za-z]\w*\b/g, " , ")
    .replace(/\(\s*(?:d|partial)\s*([^()]*)\)\s*\/\s*\(\s*(?:d|partial)\s*[A-Za-z]\w*\s*\)/g, " $1 , ")
    .replace(/\bnabla\s*(?:_\s*\{?\s*[A-Za-z]\w*\s*\}?|[A-Za-z](?=\s*\())?/g, " , ")
    .replace(/\bgrad\s*(?:_\{?[A-Za-z]\w*\}?)?\s*\(/g, " (");
}

/**
 * What a reader's query asks: its terms (words, then formula terms "f:..."), the variable
 * it names ("with respect to A", "d/dX", "\nabla_X"), the kinds of answer it names, and for
 * each term the words of the query it came from (to say which words matched nothing).
 */
export function analyzeQuery(query) {
  const text = String(query).trim();
  let wrt = null;
  const named = plain(text).match(
    /(?:\bw\s*\.?\s*r\s*\.?\s*t\.?|\bwith\s+respect\s+to|\bwrt|\brespect\s+to)\s*(?:(?:the|an?)\s+(?=[A-Za-z]{2}))?(?:(?:matrix|vector|scalar|variable|parameters?|weights?|input)\s+)?\$?\\?([A-Za-z][A-Za-z0-9_]*)/i,
  );
  const operator = plain(text).match(
    /\b(?:d|partial)\s*(?:[A-Za-z(][^/]{0,20})?\/\s*(?:d|partial)\s*\\?([A-Za-z][A-Za-z0-9_]*)|\bnabla\s*_\s*\{?\s*\\?([A-Za-z]\w*)|\bgrad_\{?([A-Za-z]\w*)/,
  );
  if (named) wrt = named[1];
  else if (operator) wrt = operator[1] || operator[2] || operator[3];
  if (wrt && STOP.has(wrt.toLowerCase()) && wrt.length > 1) wrt = null;

  const lower = phrases(plain(text).toLowerCase());
  const kinds = new Set();
  for (const word of lower.split(/[^a-z]+/)) {
    const term = SYNONYMS[word] || word;
    if (KIND_WORDS[term]) kinds.add(KIND_WORDS[term]);
    // a framework's gradient of an operation on arrays is its reverse-mode rule
    if (FRAMEWORKS.has(word)) kinds.add("backward");
  }

  const source = new Map(); // term -> the reader's word
  const terms = [];
  // What the query says, each a group of terms that say it: a word, or a formula in its
  // spellings (f:, c:, g:, its parts p:). A result covers a group if it matches one of its terms.
  const groups = new Map(); // reader's word or formula -> its terms
  const add = (term, word, grouped = true) => {
    if (!terms.includes(term)) terms.push(term);
    if (!source.has(term)) source.set(term, word);
    if (!grouped) return;
    if (!groups.has(word)) groups.set(word, []);
    if (!groups.get(word).includes(term)) groups.get(word).push(term);
  };
  const bare = withoutOperators(text);
  const split = splitQuery(bare);
  const runs = split.runs.flatMap((r) => r.split("="));
  const words = text.split(/\s+/);
  for (const term of wordTerms(split.prose)) {
    // the reader's word it came from (a phrase's term, "logdet", from its first word)
    const word = words.find((w) => wordTerms(w).includes(term)) || term;
    add(term, word, !WEAK.has(term));
  }
  for (const run of runs) {
    if (/^\s*[A-Za-z]\s*(?:\([^()]*\))?\s*$/.test(run)) continue; // the "f(x)" of "f(x) = ..."
    const cased = /[A-Z]/.test(run) && /[a-z]/.test(run.replace(/\b(?:tr|det|log|ln|exp|inv|diag|vec)\b/g, ""));
    for (const term of formulaTerms(run)) {
      if (term.startsWith("c:") && !cased) continue; // "x^t a x": the reader did not say which
      add(term, run);
    }
    for (const part of formulaParts(run)) {
      for (const term of formulaTerms(part)) if (term.startsWith("f:")) add(`p:${term.slice(2)}`, run);
    }
    for (const symbol of formulaSymbols(run)) add(symbol, symbol, false);
    for (const name of wordTerms(run)) if (FUNCTION_WORDS.has(name) || CANONICAL.has(name)) add(name, name);
  }
  // log(exp(a) + exp(b)), log(sum exp(...)): a log-sum-exp written out
  if (/\blog\s*\(\s*(?:sum\w*\s*)?exp\s*\(/i.test(plain(text)) && !terms.includes("logsumexp")) {
    add("logsumexp", "log(exp(...))");
  }
  let kept = terms.filter((t) => !(wrt && t === wrt.toLowerCase() && t.length === 1));
  if (!kept.length) kept = terms;
  if (!groups.size) {
    // nothing but symbols ("dE/dF"): they are what the reader said
    for (const term of terms) if (/^[a-z]$/.test(term)) groups.set(term, [term]);
    if (!terms.length && wrt) add(wrt.toLowerCase(), wrt);
  }
  const said = [...groups.entries()].map(([word, group]) => ({ word, terms: group }));
  // What the question is about: the word after "derivative of (the) (matrix)", the inverse
  // in "derivative of matrix inverse when the input is diagonal".
  const about = lower.match(SUBJECT);
  const subject = about ? wordTerms(about[1])[0] : null;
  for (const group of said) if (subject && group.terms.includes(subject)) group.subject = true;
  return { terms: kept, wrt, kinds: [...kinds], source, groups: said.filter((g) => g.terms.some((t) => kept.includes(t))) };
}

const SUBJECT =
  /\b(?:(?:derivatives?|gradients?|jacobians?|hessians?|differentials?)\s+of|differentiat(?:e|ing))\s+(?:(?:the|an?|my)\s+)?(?:(?:matrix|vector|scalar|function)\s+)?([a-z]{3,})/;
