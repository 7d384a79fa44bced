"""The pack's print style sheet (WeasyPrint's CSS Paged Media): A4 pages, a running footer with
the date and « page n / N », French hyphenation, a table of contents with page numbers."""

from __future__ import annotations

from dashboard.services.pack.typography import NBSP


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal (the footer's content)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def style_sheet(*, footer: str, page_word: str) -> str:
    """The CSS of the pack; ``footer`` is printed at the bottom left of every page (cohort and
    date), ``page_word`` before the page number (« Page 3 / 18 »)."""
    return f"""
@page {{
  size: A4;
  margin: 18mm 16mm 20mm 16mm;
  @bottom-left {{
    content: {_css_string(footer)};
    font: 8pt "DejaVu Sans", sans-serif; color: #555;
  }}
  @bottom-right {{
    content: {_css_string(page_word + NBSP)} counter(page) "{NBSP}/{NBSP}" counter(pages);
    font: 8pt "DejaVu Sans", sans-serif; color: #555;
  }}
}}
@page cover {{
  @bottom-left {{ content: none; }}
}}
html {{ font-family: "DejaVu Sans", sans-serif; font-size: 9.5pt; color: #1a1a1a; }}
body {{ margin: 0; line-height: 1.35; }}
p, li, td {{ hyphens: auto; }}
h1, h2, h3 {{ hyphens: manual; color: #17324d; page-break-after: avoid; break-after: avoid; }}
h1 {{ font-size: 17pt; margin: 0 0 4mm; bookmark-level: 1; }}
h2 {{ font-size: 13pt; margin: 6mm 0 2mm; bookmark-level: 2; }}
h3 {{ font-size: 10.5pt; margin: 4mm 0 1.5mm; bookmark-level: none; }}
section.chapter {{ break-before: page; }}
section.network {{ break-before: page; }}
section.network h1 {{ font-size: 15pt; }}
.cover {{ page: cover; height: 240mm; display: flex; flex-direction: column; }}
.cover .programme {{ font-size: 11pt; color: #555; margin-top: 30mm; }}
.cover h1 {{ font-size: 26pt; margin: 8mm 0 6mm; bookmark-level: none; }}
.cover .cohort {{ font-size: 15pt; margin-bottom: 10mm; }}
.cover .session {{ font-size: 12pt; border-left: 3pt solid #17324d; padding-left: 4mm; }}
.cover .made {{ margin-top: 14mm; color: #555; }}
.cover .notice {{ margin-top: auto; font-size: 8.5pt; color: #555; }}
nav.toc ol {{ list-style: none; padding: 0; margin: 0; }}
nav.toc li {{ margin: 1.2mm 0; }}
nav.toc li.sub {{ margin-left: 6mm; font-size: 9pt; }}
nav.toc a {{ color: inherit; text-decoration: none; }}
nav.toc a::after {{
  content: leader(".") target-counter(attr(href), page);
}}
.figures {{ display: flex; flex-wrap: wrap; gap: 3mm; margin: 2mm 0 4mm; }}
.metric {{ border: 0.6pt solid #b8c4d0; border-radius: 2mm; padding: 2mm 2.5mm;
  width: 36mm; break-inside: avoid; hyphens: manual; }}
.metric .value {{ font-size: 15pt; font-weight: bold; color: #17324d; }}
.metric .name {{ font-size: 8.5pt; color: #333; hyphens: manual; }}
.metric .note {{ font-size: 7.5pt; color: #555; }}
figure {{ margin: 0 0 5mm; break-inside: avoid; }}
figure img {{ width: 100%; height: auto; }}
figcaption {{ font-size: 8pt; color: #444; hyphens: auto; margin-top: 1mm; }}
table {{ border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; font-size: 8.5pt; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; }}
th {{ text-align: left; background: #e8eef4; font-weight: bold; hyphens: manual; }}
th, td {{ border-bottom: 0.5pt solid #c9d3dc; padding: 0.8mm 1.4mm; vertical-align: top; }}
td:first-child {{ hyphens: manual; }}
section.network h2 {{ font-size: 11pt; margin: 3.5mm 0 1mm; }}
section.network table {{ font-size: 8pt; margin-bottom: 1.5mm; }}
section.network p {{ margin: 1mm 0; }}
section.network ul {{ margin: 0.5mm 0; }}
table.columns {{ table-layout: fixed; margin: 0; }}
table.columns > tbody > tr > td {{ border: none; padding: 0; }}
table.columns td.left {{ width: 58%; padding-right: 3mm; }}
table.columns td.right {{ width: auto; }}
table.columns table {{ font-size: 7.5pt; }}
table.columns table th, table.columns table td {{ padding: 0.7mm 1mm; }}
td.num {{ text-align: right; white-space: nowrap; }}
th.num {{ text-align: right; }}
.card {{ color: #444; margin: -2mm 0 3mm; }}
.empty {{ color: #666; font-style: italic; }}
.statuses {{ display: flex; flex-wrap: wrap; gap: 2mm; margin: 1mm 0 2mm; }}
.status {{ border: 0.5pt solid #c9d3dc; border-radius: 1.5mm; padding: 1mm 2mm; }}
.status b {{ font-size: 11pt; color: #17324d; }}
ul.lessons {{ padding-left: 4mm; margin: 1mm 0; }}
ul.lessons li {{ margin-bottom: 1.5mm; break-inside: avoid; }}
.tag {{ color: #555; font-size: 8pt; }}
"""
