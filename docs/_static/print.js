/* gradref on paper: the two things print.css cannot do by itself. Nothing runs on screen
   until the reader prints (or tools/pdf.py calls gradrefPrint.prepare()).

   1. Solutions printed or not: open a page with `?solutions=hidden` and print it without
      its solutions (the default, or `?solutions=shown`, prints them open). The switch is the
      class `print-solutions-hidden` on <html>, which print.css reads.
   2. A wide display formula is scaled down to the line, never clipped: print.css lets it
      break after a relation or an operator, and a piece that cannot break (a fraction, a
      matrix) is given a font size that fits it. Its width in em does not depend on the
      page, so it is measured once, on screen, and print.css turns it into a size with a
      container query (`--gradref-formula-em`, read in `div.math`'s width). */
(() => {
  "use strict";

  const solutions = new URLSearchParams(window.location.search).get("solutions");
  if (solutions === "hidden") {
    document.documentElement.classList.add("print-solutions-hidden");
  }

  // The widest piece of each display formula that KaTeX lets no line break enter, in em of
  // the formula's own font size.
  const measureFormulas = () => {
    for (const formula of document.querySelectorAll(".katex-display > .katex")) {
      const size = parseFloat(getComputedStyle(formula).fontSize);
      let widest = 0;
      for (const piece of formula.querySelectorAll(":scope > .katex-html > .base")) {
        widest = Math.max(widest, piece.getBoundingClientRect().width);
      }
      if (widest > 0 && size > 0) {
        formula.style.setProperty("--gradref-formula-em", (widest / size).toFixed(3));
      }
    }
  };

  window.gradrefPrint = { prepare: measureFormulas };
  window.addEventListener("beforeprint", measureFormulas);
})();
