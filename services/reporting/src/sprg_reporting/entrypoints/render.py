"""A report as an HTML page (charts as server-rendered SVG, no script) and its tables as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from jinja2 import Environment, select_autoescape

from sprg_reporting.domain.report import Chart, Report

_BAR = 22
_LABEL_WIDTH = 260
_PLOT_WIDTH = 360


def bar_chart(chart: Chart) -> dict[str, Any]:
    """Horizontal bars with their values written beside them (legible in greyscale print)."""
    top = max([*chart.values, 1.0])
    bars = [
        {
            "y": 24 + i * (_BAR + 8),
            "label": label,
            "width": round(_PLOT_WIDTH * value / top, 1),
            "value": f"{value:g}" + ("%" if chart.unit == "%" else ""),
        }
        for i, (label, value) in enumerate(zip(chart.labels, chart.values, strict=True))
    ]
    return {
        "title": chart.title,
        "bars": bars,
        "width": _LABEL_WIDTH + _PLOT_WIDTH + 60,
        "height": max(1, len(bars)) * (_BAR + 8) + 30,
    }


_SVG = """{% macro svg(c) %}<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart"
 width="{{ c.width }}" height="{{ c.height }}" viewBox="0 0 {{ c.width }} {{ c.height }}"
 aria-label="{{ c.title }}"><title>{{ c.title }}</title>
<text x="0" y="14" font-weight="bold" font-size="13">{{ c.title }}</text>
{% for b in c.bars %}<g><text x="{{ lw - 6 }}" y="{{ b.y + 15 }}" text-anchor="end"
 font-size="12">{{ b.label }}</text>
<rect x="{{ lw }}" y="{{ b.y }}" width="{{ b.width }}" height="{{ bar }}" fill="#2b5c8a"
 stroke="#000" stroke-width="0.5"/>
<text x="{{ lw + b.width + 4 }}" y="{{ b.y + 15 }}" font-size="12">{{ b.value }}</text></g>
{% endfor %}{% if not c.bars %}<text x="0" y="40" font-size="12">nothing to show
 for this period</text>{% endif %}</svg>{% endmacro %}"""


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ r.title }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #111; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 13px; }
th, td { border: 1px solid #999; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #e8eef4; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5em; }
.attention li { margin: 0.2em 0; }
.downloads a { margin-right: 1em; }
@media print { body { margin: 0; } .downloads { display: none; }
  h2 { break-after: avoid; } table, svg { break-inside: avoid; } }
</style></head>
<body>
<h1>{{ r.title }}</h1>
<p>Report <code>{{ r.report_id }}</code>: the position at the end of {{ r.as_at }}
{%- if r.as_at < r.period_end %} (the period runs to {{ r.period_end }}){% endif %}.
 Figures come from the event log; no personal data.</p>
<p class="downloads">{% for t in r.tables %}
<a href="{{ base }}/{{ t.name }}.csv">{{ t.name }}.csv</a>{% endfor %}
<a href="{{ base }}">JSON</a></p>
<h2>What needs attention</h2>
{% if r.attention %}<ul class="attention">{% for line in r.attention %}<li>{{ line }}</li>
{% endfor %}</ul>{% else %}<p>Nothing beyond the routine.</p>{% endif %}
<h2>At a glance</h2>
<div class="charts">{% for c in charts %}{{ svg(c) }}{% endfor %}</div>
{% for t in r.tables %}
<h2 id="{{ t.name }}">{{ t.title }}</h2>
{% if t.rows %}<table><thead><tr>{% for c in t.columns %}<th>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in t.rows %}<tr>{% for cell in row %}<td>{{ '' if cell is none else cell }}</td>
{% endfor %}</tr>{% endfor %}</tbody></table>{% else %}<p>None in this period.</p>{% endif %}
{% endfor %}
</body></html>
"""

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))


def html(report: Report, base: str) -> str:
    """The page; ``base`` is the report's own URL path (for the CSV and JSON links)."""
    charts = [bar_chart(c) for c in report.charts]
    return _ENV.from_string(_SVG + _PAGE).render(
        r=report, charts=charts, base=base, lw=_LABEL_WIDTH, bar=_BAR
    )


def table_csv(report: Report, name: str) -> str:
    table = report.table(name)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows(["" if cell is None else cell for cell in row] for row in table.rows)
    return out.getvalue()
