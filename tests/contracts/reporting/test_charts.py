"""Server-drawn bar charts: scaled to the largest value, flagged rows marked by more than colour,
a text alternative that names the extremes, and a cap on rows."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from contracts.reporting import charts


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_bars_are_scaled_to_the_largest_value_within_the_bar_area():
    chart = charts.bar_chart(id="c", title="Placements", labels=["A", "B"], values=[50, 100])
    assert [row.bars[0].width for row in chart.rows] == [50, 100]
    assert [row.text for row in chart.rows] == ["50", "100"]


def test_a_second_series_is_drawn_over_the_first_and_named_part_of_whole():
    chart = charts.bar_chart(
        id="c",
        title="Use",
        labels=["Lot 1"],
        values=[80],
        second=[20],
        series_names=["Capacity", "Used"],
    )
    (row,) = chart.rows
    assert [(bar.series, bar.value) for bar in row.bars] == [(0, 80), (1, 20)]
    assert row.bars[1].width == row.bars[0].width / 4
    assert row.text == "20 of 80"


def test_flagged_rows_carry_a_mark_besides_the_colour_and_are_counted():
    chart = charts.bar_chart(
        id="c", title="Use", labels=["A", "B"], values=[1, 2], flagged=[False, True]
    )
    assert [row.text for row in chart.rows] == ["1", "! 2"]
    assert "1 flagged." in chart.description


def test_the_text_alternative_names_the_largest_and_smallest():
    chart = charts.bar_chart(
        id="c", title="Referrals", labels=["Noord", "Zuid", "Oost"], values=[5, 9, 2]
    )
    assert chart.description == (
        "Referrals, 3 rows. Largest: Zuid (9). Smallest: Oost (2). "
        "The table below has every figure."
    )


def test_no_figures_say_so_and_draw_nothing():
    chart = charts.bar_chart(id="c", title="Referrals", labels=[], values=[])
    assert chart.rows == ()
    html = render_to_string("contracts/dashboard/_bar_chart.html", {"chart": chart})
    assert "<svg" not in html
    assert "Referrals: no figures for this selection." in html


def test_rows_are_capped_and_labels_kept_whole():
    labels = [f"Een heel lange naam van een aanbieder nummer {n}" for n in range(30)]
    chart = charts.bar_chart(id="c", title="T", labels=labels, values=list(range(30)))
    assert len(chart.rows) == charts.MAX_ROWS and chart.left_out == 5
    # The label wraps in the page rather than being cut: no "…".
    assert [row.label for row in chart.rows] == labels[: charts.MAX_ROWS]
    assert "30 rows" in chart.description


def test_the_chart_is_an_image_labelled_by_its_title_and_description():
    chart = charts.bar_chart(id="use", title="Use <per> lot", labels=["A"], values=[3])
    html = render_to_string("contracts/dashboard/_bar_chart.html", {"chart": chart})
    assert '<div class="rw-chart__plot" role="img" aria-labelledby="use-title use-desc">' in html
    assert '<span id="use-title" hidden>Use &lt;per&gt; lot</span>' in html
    description = chart.description.replace("<", "&lt;").replace(">", "&gt;")
    assert f'<span id="use-desc" hidden>{description}</span>' in html


def test_rows_are_drawn_with_their_bars_and_escaped_texts():
    chart = charts.bar_chart(
        id="c",
        title="Use",
        labels=["<b>Alfa</b>", "Beta"],
        values=[10, 20],
        second=[5, 20],
        flagged=[False, True],
    )
    html = render_to_string("contracts/dashboard/_bar_chart.html", {"chart": chart})
    assert (
        '<div class="rw-chart__row"><span class="rw-chart__label">&lt;b&gt;Alfa&lt;/b&gt;</span>'
        '<svg class="rw-chart__bars" width="100%" height="20" focusable="false">'
        '<rect class="rw-chart__bar rw-chart__bar--0" x="0" y="0" width="50.00%" height="20">'
        '</rect><rect class="rw-chart__bar rw-chart__bar--1" x="0" y="5" width="25.00%" '
        'height="10"></rect></svg><span class="rw-chart__value">5 of 10</span></div>'
    ) in html
    assert (
        '<div class="rw-chart__row rw-chart__row--flagged"><span class="rw-chart__label">Beta'
        '</span><svg class="rw-chart__bars" width="100%" height="20" focusable="false">'
        '<rect class="rw-chart__bar rw-chart__bar--0" x="0" y="0" width="100.00%" height="20">'
    ) in html
    assert '<span class="rw-chart__value">! 20 of 20</span></div>' in html


def test_a_chart_given_only_its_first_rows_counts_the_rest():
    chart = charts.bar_chart(id="c", title="T", labels=["A", "B"], values=[1, 2], total=30)
    assert len(chart.rows) == 2 and chart.left_out == 28
    # Largest and smallest are those drawn, and the text says so.
    assert chart.description == (
        "T, 30 rows; the chart draws 2 of them. Largest drawn: B (2). Smallest drawn: A (1). "
        "The table below has every figure."
    )
