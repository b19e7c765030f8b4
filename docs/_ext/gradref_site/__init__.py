"""The site's local Sphinx extension: how its pages are made accessible and light.

- ``accessibility``: fixes for axe-core's and readers' findings, made in the markup
  (with ``static/gradref-a11y.js`` for the two that only the browser can make).
- ``light``: what a page loads and when it can paint (with ``templates/layout.html``).
- ``typography``: punctuation after an inline formula stays on the formula's line.
- ``templates/``: the theme's components this site changes, each saying why.
"""

from __future__ import annotations

from pathlib import Path

from . import accessibility, light, typography

HERE = Path(__file__).parent


def _add_paths(app, config) -> None:
    # First, so that these templates win over the theme's (the themes add their own
    # component folders to templates_path after this).
    if str(HERE / "templates") not in config.templates_path:
        config.templates_path.insert(0, str(HERE / "templates"))
    if str(HERE / "static") not in config.html_static_path:
        config.html_static_path.append(str(HERE / "static"))


def setup(app):
    app.connect("config-inited", _add_paths)
    accessibility.setup(app)
    light.setup(app)
    typography.setup(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
