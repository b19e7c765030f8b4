/* Accessibility fixes that can only be made in the browser, because what they fix is
   made there (docs/_ext/gradref_site/accessibility.py has those made at build time).

   1. sphinx-togglebutton creates each solution's button in the browser and names every
      one "Toggle hidden content" (it has no option for the name). Each is renamed after
      its admonition's title, "Solution to exercise 3c", so that a screen-reader or
      voice-control user can tell the twelve apart; aria-expanded still says open/closed.
   2. A code block wider than its column scrolls sideways. Whether it does depends on the
      reader's window, so it is known only here: a box that scrolls is made reachable from
      the keyboard (tabindex="0") and named (role="region"), and loses both when it no
      longer scrolls, so that narrow blocks add no stops to the tab order. The theme does
      the first half on load and resize only, so a block in a solution opened later (axe:
      scrollable-region-focusable) stayed out of reach. (Formulas scroll in KaTeX's own
      box, which browsers make focusable themselves.) */
(() => {
  "use strict";

  const nameToggleButtons = () => {
    for (const button of document.querySelectorAll(".admonition > .admonition-title > button.toggle-button")) {
      const title = button.parentElement.cloneNode(true);
      title.querySelector("button.toggle-button").remove();
      // "Solution to Exercise (3c — a quadratic form)" names exercise 3c.
      const text = title.textContent.replace(/\s+/g, " ").trim();
      const exercise = text.match(/^Solution to Exercise \(?([^\s)]+)/);
      button.setAttribute("aria-label", exercise ? `Solution to exercise ${exercise[1]}` : text);
    }
  };

  // The boxes pydata-sphinx-theme itself makes focusable when they scroll, on load and
  // resize only (so not a code block in a solution opened later), and without a name.
  const SCROLLERS = "pre, .nboutput > .output_area, .cell_output > .output, .jp-RenderedHTMLCommon, .pst-scrollable-table-container";
  // A region's name says what it holds and is unique on the page (axe: landmark-unique):
  // its kind and its first line, "Code (scrolls sideways): def printed_4a(v):".
  const labelFor = (box) => {
    let kind = "Code";
    if (box.closest(".cell_output, .nboutput")) kind = "Output";
    else if (box.matches(".pst-scrollable-table-container")) kind = "Table";
    const first = (box.textContent.trim().split("\n")[0] || "").slice(0, 60);
    return `${kind} (scrolls sideways): ${first}`;
  };
  const unique = (box, label) => {
    const taken = new Set([...document.querySelectorAll("[role=region][aria-label]")]
      .filter((other) => other !== box).map((other) => other.getAttribute("aria-label")));
    let name = label;
    for (let n = 2; taken.has(name); n += 1) name = `${label} (${n})`;
    return name;
  };
  const update = (box) => {
    if (box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1) {
      box.tabIndex = 0;
      if (box.getAttribute("role") !== "region") box.setAttribute("aria-label", unique(box, labelFor(box)));
      box.setAttribute("role", "region");
    } else if (box.getAttribute("role") === "region") {
      box.tabIndex = -1;  // as the theme leaves a box that does not scroll
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  };
  const watchScrollers = () => {
    const observer = new ResizeObserver((entries) => entries.forEach((entry) => update(entry.target)));
    document.querySelectorAll(SCROLLERS).forEach((box) => observer.observe(box));
  };

  const start = () => {
    nameToggleButtons();
    watchScrollers();
  };
  // After sphinx-togglebutton, which creates its buttons when the document is parsed.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
