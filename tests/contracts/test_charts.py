"""Server-drawn bar charts: scaled to the largest value, flagged rows marked by more than colour,
a text alternative that names the extremes, and a cap on rows."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from contracts import charts


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_bars_are_scaled_to_the_largest_value_within_the_bar_area():
    chart = charts.bar_chart(id="c", title="Placements", labels=["A", "B"], values=[50, 100])
    area = 100 - charts.LABEL_SHARE - charts.VALUE_SHARE
    assert [row.bars[0].width for row in chart.rows] == [area / 2, area]
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


def test_long_labels_are_shortened_in_the_chart_and_rows_capped():
    labels = [f"Een heel lange naam van een aanbieder nummer {n}" for n in range(30)]
    chart = charts.bar_chart(id="c", title="T", labels=labels, values=list(range(30)))
    assert len(chart.rows) == charts.MAX_ROWS and chart.left_out == 5
    assert all(len(row.label) <= charts.MAX_LABEL_CHARACTERS for row in chart.rows)
    assert chart.rows[0].full_label == labels[0]
    assert "30 rows" in chart.description


def test_a_shortened_label_shows_in_full_on_hover():
    long = "Perceel 6: brugklas (apr-jun) · Taalinstituut <Kleinloo> 001"
    chart = charts.bar_chart(id="c", title="T", labels=[long, "Kort"], values=[2, 1])
    html = render_to_string("contracts/dashboard/_bar_chart.html", {"chart": chart})
    shown = chart.rows[0].label.replace("<", "&lt;").replace(">", "&gt;")
    full = long.replace("<", "&lt;").replace(">", "&gt;")
    assert f'class="rw-chart__label"><title>{full}</title>{shown}</text>' in html
    assert 'class="rw-chart__label">Kort</text>' in html


def test_the_svg_is_an_image_labelled_by_its_title_and_description():
    chart = charts.bar_chart(id="use", title="Use <per> lot", labels=["A"], values=[3])
    html = render_to_string("contracts/dashboard/_bar_chart.html", {"chart": chart})
    assert 'role="img" aria-labelledby="use-title use-desc"' in html
    assert '<title id="use-title">Use &lt;per&gt; lot</title>' in html
    assert (
        f'<desc id="use-desc">{chart.description.replace("<", "&lt;").replace(">", "&gt;")}' in html
    )


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
        '<g class="rw-chart__row"><text x="0" y="18" class="rw-chart__label">'
        "&lt;b&gt;Alfa&lt;/b&gt;</text>"
        '<rect class="rw-chart__bar rw-chart__bar--0" x="36%" y="4" width="23.00%" height="20">'
        '</rect><rect class="rw-chart__bar rw-chart__bar--1" x="36%" y="9" width="11.50%" '
        'height="10"></rect><text x="99%" y="18" text-anchor="end" class="rw-chart__value">'
        "5 of 10</text></g>"
    ) in html
    assert (
        '<g class="rw-chart__row rw-chart__row--flagged"><text x="0" y="46" '
        'class="rw-chart__label">Beta</text><rect class="rw-chart__bar rw-chart__bar--0" '
        'x="36%" y="32" width="46.00%" height="20">'
    ) in html
    assert ">! 20 of 20</text></g>" in html


def test_a_chart_given_only_its_first_rows_counts_the_rest():
    chart = charts.bar_chart(id="c", title="T", labels=["A", "B"], values=[1, 2], total=30)
    assert len(chart.rows) == 2 and chart.left_out == 28
    # Largest and smallest are those drawn, and the text says so.
    assert chart.description == (
        "T, 30 rows; the chart draws 2 of them. Largest drawn: B (2). Smallest drawn: A (1). "
        "The table below has every figure."
    )
