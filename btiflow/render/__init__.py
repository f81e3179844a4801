"""The guide on screen and on paper: diagrams (Mermaid, DOT, SVG), the static site, case pages.

Pure functions from the model to text; no third-party library (``html.escape`` and
``string.Template`` do the HTML), no JavaScript, nothing fetched from another host.
"""
