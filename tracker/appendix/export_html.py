"""The body of the print view of a published list, as HTML (the page around it is the
`appendix/print.html` template).

Written here rather than in Jinja: a list of 5,000 items is 40,000 cells, and a template
loop asking each cell for its span and alignment took most of a second, where joining
escaped strings takes a few hundredths (bench/bench_published.py).
"""
from __future__ import annotations

from markupsafe import Markup, escape

from tracker.appendix.table import AppendixTable, Cell


def body_rows(table: AppendixTable) -> Markup:
    """<tr> per body line: a cell merged across or down says so (colspan, rowspan), the
    columns printed centred have class "centre" (the CSP allows no inline style)."""
    centred = table.centred
    out: list[str] = []
    for line in table.lines:
        out.append(f'<tr class="line-{line.kind}">')
        for column, slot in enumerate(line.slots):
            if not isinstance(slot, Cell):
                continue
            attributes = ""
            if slot.colspan > 1:
                attributes += f' colspan="{slot.colspan}"'
            if slot.rowspan > 1:
                attributes += f' rowspan="{slot.rowspan}"'
            if slot.colspan == 1 and column in centred:
                attributes += ' class="centre"'
            out.append(f"<td{attributes}>{escape(slot.text)}</td>")
        out.append("</tr>\n")
    return Markup("".join(out))
