"""Bar charts drawn on the server: no script, no chart service, no web font.

A chart is rows for ``contracts/dashboard/_bar_chart.html``: one row per label, each with one
or two bars (e.g. used against capacity, attended against offered) scaled to the largest value.
The rows are an HTML grid, label, bars and value side by side, and on a phone the label above
its bars, so a long label wraps rather than running over the bars. Each row's bars are a small
SVG. Every chart carries a text alternative (``description``) summarising what it shows; the page
puts the full table of its numbers beside it, so the chart itself is ``role="img"`` and adds
nothing a screen-reader user would miss.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

BAR_HEIGHT = 20
MAX_ROWS = 25
"""Beyond this, a chart shows the largest rows and says how many it left out; the table beside
it has them all."""


@dataclass(frozen=True)
class Bar:
    value: float
    width: float
    """Percent of the bars' width: the largest value in the chart takes it all."""
    series: int
    """0 for the first series, 1 for the second (drawn thinner, over the first)."""


@dataclass(frozen=True)
class Row:
    label: str
    bars: tuple[Bar, ...]
    text: str
    flagged: bool


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    rows: tuple[Row, ...]
    series_names: tuple[str, ...]
    left_out: int

    def html_rows(self) -> SafeString:
        """The rows' elements, for the template. Built here because template tags looping over
        rows and bars cost some ten times as much, a good part of the dashboard's time."""
        return mark_safe("\n".join(_html_row(row) for row in self.rows))  # noqa: S308 (escaped)


def _html_row(row: Row) -> str:
    bars = "".join(
        f'<rect class="rw-chart__bar rw-chart__bar--{bar.series}" x="0" '
        f'y="{BAR_HEIGHT // 4 if bar.series else 0}" width="{bar.width:.2f}%" '
        f'height="{BAR_HEIGHT // 2 if bar.series else BAR_HEIGHT}"></rect>'
        for bar in row.bars
    )
    flagged = " rw-chart__row--flagged" if row.flagged else ""
    return (
        f'<div class="rw-chart__row{flagged}">'
        f'<span class="rw-chart__label">{conditional_escape(row.label)}</span>'
        f'<svg class="rw-chart__bars" width="100%" height="{BAR_HEIGHT}" focusable="false">'
        f"{bars}</svg>"
        f'<span class="rw-chart__value">{conditional_escape(row.text)}</span></div>'
    )


def _number(value: float) -> str:
    if float(value).is_integer():
        return number_format(int(value), force_grouping=True)
    return number_format(round(value, 1), decimal_pos=1, force_grouping=True)


def bar_chart(
    *,
    id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    second: Sequence[float] | None = None,
    series_names: Sequence[str] = (),
    text: Callable[[int], str] | None = None,
    flagged: Sequence[bool] | None = None,
    total: int | None = None,
) -> BarChart:
    """A horizontal bar chart of ``values`` per label, optionally with a ``second`` series drawn
    over the first (used over capacity, attended over offered).

    ``text(i)`` is the value text at the end of row ``i`` (default: the value, or "second of
    first"); ``flagged`` rows are marked in colour *and* with a "!" so colour is not the only
    sign. Rows keep their order; past ``MAX_ROWS`` the rest is counted in ``left_out``.
    ``total`` is the number of rows in all when the sequences hold only the first ones.
    """
    count = min(len(labels), MAX_ROWS)
    left_out = max((len(labels) if total is None else total) - count, 0)
    largest = max([*values[:count], *(second[:count] if second is not None else []), 0]) or 1
    scale = 100 / largest
    rows = []
    for index in range(count):
        bars = [Bar(value=values[index], width=values[index] * scale, series=0)]
        if second is not None:
            bars.append(Bar(value=second[index], width=second[index] * scale, series=1))
        if text is not None:
            value_text = text(index)
        elif second is not None:
            value_text = _("%(part)s of %(whole)s") % {
                "part": _number(second[index]),
                "whole": _number(values[index]),
            }
        else:
            value_text = _number(values[index])
        is_flagged = bool(flagged[index]) if flagged is not None else False
        rows.append(
            Row(
                label=str(labels[index]),
                bars=tuple(bars),
                text=("! " if is_flagged else "") + value_text,
                flagged=is_flagged,
            )
        )
    return BarChart(
        id=id,
        title=title,
        description=_describe(title, rows, left_out=left_out),
        rows=tuple(rows),
        series_names=tuple(series_names),
        left_out=left_out,
    )


def _describe(title: str, rows: list[Row], *, left_out: int) -> str:
    """One or two sentences for the text alternative: how many rows, the largest and smallest,
    how many are flagged; the numbers themselves are in the table beside the chart."""
    if not rows:
        return _("%(title)s: no figures for this selection.") % {"title": title}
    ordered = sorted(rows, key=lambda row: row.bars[0].value)
    count = len(rows) + left_out
    if left_out:
        # The largest and smallest of the rows drawn, not of all: say so.
        parts = [
            _("%(title)s, %(count)s rows; the chart draws %(shown)s of them.")
            % {"title": title, "count": count, "shown": len(rows)},
        ]
        largest, smallest = (
            _("Largest drawn: %(label)s (%(text)s)."),
            _("Smallest drawn: %(label)s (%(text)s)."),
        )
    else:
        parts = [
            ngettext("%(title)s, %(count)s row.", "%(title)s, %(count)s rows.", count)
            % {"title": title, "count": count}
        ]
        largest = _("Largest: %(label)s (%(text)s).")
        smallest = _("Smallest: %(label)s (%(text)s).")
    parts.append(largest % {"label": ordered[-1].label, "text": ordered[-1].text})
    if len(rows) > 1:
        parts.append(smallest % {"label": ordered[0].label, "text": ordered[0].text})
    flagged = sum(row.flagged for row in rows)
    if flagged:
        parts.append(_("%(count)s flagged.") % {"count": flagged})
    parts.append(_("The table below has every figure."))
    return " ".join(parts)
