"""Bar charts drawn as inline SVG on the server: no script, no chart service, no web font.

A chart is geometry for ``contracts/dashboard/_bar_chart.html``: one row per label, each with one
or two bars (e.g. used against capacity, attended against offered) scaled to the largest value.
Every chart carries a text alternative (``description``) summarising what it shows; the page puts
the full table of its numbers beside it, so the SVG itself is ``role="img"`` and adds nothing a
screen-reader user would miss.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

ROW_HEIGHT = 28
LABEL_SHARE = 36
"""Percent of the chart's width for the row labels; the bars and their value take the rest."""
VALUE_SHARE = 18
MAX_LABEL_CHARACTERS = 36
"""About a third of a desktop chart's width at the labels' size; longer ones are shortened."""
MAX_ROWS = 25
"""Beyond this, a chart shows the largest rows and says how many it left out; the table beside
it has them all."""


@dataclass(frozen=True)
class Bar:
    value: float
    width: float
    """Percent of the whole chart's width."""
    series: int
    """0 for the first series, 1 for the second (drawn thinner, over the first)."""


@dataclass(frozen=True)
class Row:
    label: str
    full_label: str
    bars: tuple[Bar, ...]
    text: str
    flagged: bool
    y: int

    @property
    def text_y(self) -> int:
        return self.y + ROW_HEIGHT // 2 + 4


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    rows: tuple[Row, ...]
    series_names: tuple[str, ...]
    left_out: int

    @property
    def height(self) -> int:
        return max(len(self.rows), 1) * ROW_HEIGHT + 4

    @property
    def bar_x(self) -> int:
        return LABEL_SHARE

    @property
    def value_x(self) -> int:
        return 100 - 1

    def svg_rows(self) -> SafeString:
        """The rows' SVG elements, for the template. Built here because template tags looping
        over rows and bars cost some ten times as much, a good part of the dashboard's time."""
        return mark_safe("\n".join(self._svg_row(row) for row in self.rows))  # noqa: S308 (escaped)

    def _svg_row(self, row: Row) -> str:
        bars = "".join(
            f'<rect class="rw-chart__bar rw-chart__bar--{bar.series}" x="{self.bar_x}%" '
            f'y="{row.y + (9 if bar.series else 4)}" width="{bar.width:.2f}%" '
            f'height="{10 if bar.series else 20}"></rect>'
            for bar in row.bars
        )
        flagged = " rw-chart__row--flagged" if row.flagged else ""
        label = conditional_escape(row.label)
        # A shortened label shows in full on hover; the table beside the chart has it too.
        if row.label != row.full_label:
            label = f"<title>{conditional_escape(row.full_label)}</title>{label}"
        text = conditional_escape(row.text)
        return (
            f'<g class="rw-chart__row{flagged}">'
            f'<text x="0" y="{row.text_y}" class="rw-chart__label">{label}</text>{bars}'
            f'<text x="{self.value_x}%" y="{row.text_y}" text-anchor="end" '
            f'class="rw-chart__value">{text}</text></g>'
        )


def _number(value: float) -> str:
    if float(value).is_integer():
        return number_format(int(value), force_grouping=True)
    return number_format(round(value, 1), decimal_pos=1, force_grouping=True)


def _short(label: str) -> str:
    if len(label) <= MAX_LABEL_CHARACTERS:
        return label
    return label[: MAX_LABEL_CHARACTERS - 1].rstrip() + "…"


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
    scale = (100 - LABEL_SHARE - VALUE_SHARE) / largest
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
                label=_short(str(labels[index])),
                full_label=str(labels[index]),
                bars=tuple(bars),
                text=("! " if is_flagged else "") + value_text,
                flagged=is_flagged,
                y=index * ROW_HEIGHT,
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
    parts.append(largest % {"label": ordered[-1].full_label, "text": ordered[-1].text})
    if len(rows) > 1:
        parts.append(smallest % {"label": ordered[0].full_label, "text": ordered[0].text})
    flagged = sum(row.flagged for row in rows)
    if flagged:
        parts.append(_("%(count)s flagged.") % {"count": flagged})
    parts.append(_("The table below has every figure."))
    return " ".join(parts)
