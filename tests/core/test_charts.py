import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridcare.core.charts import Band, Series, bar_chart_svg, nice_ceiling, text_width

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg_text):
    return ET.fromstring(svg_text)  # noqa: S314 - our own output, not untrusted input


def rects(svg_text, series):
    root = parse(svg_text)
    group = next(g for g in root.iter(f"{SVG}g") if f"chart-series-{series}" in g.get("class", "").split())
    return list(group.iter(f"{SVG}rect"))


def test_bar_heights_are_proportional_to_values():
    svg = bar_chart_svg(labels=["a", "b", "c"], series=[Series(name="kWh", values=[50, 100, 25])], title="t")
    heights = [float(r.get("height")) for r in rects(svg, 0)]
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.02)
    assert heights[0] == pytest.approx(2 * heights[2], abs=0.02)


def test_every_bar_has_a_title_with_its_formatted_value():
    svg = bar_chart_svg(
        labels=["01/25", "02/25"],
        series=[Series(name="Điện năng", values=[1234, 56])],
        title="Tiêu thụ",
        value_format=lambda v: f"{v:,.0f} kWh",
        bar_titles=["tháng 01/2025", "tháng 02/2025"],
    )
    titles = [r.find(f"{SVG}title").text for r in rects(svg, 0)]
    assert titles == ["Điện năng — tháng 01/2025: 1,234 kWh", "Điện năng — tháng 02/2025: 56 kWh"]


def test_missing_values_draw_no_bar_and_a_second_series_gets_a_legend():
    svg = bar_chart_svg(
        labels=["a", "b", "c"],
        series=[
            Series(name="this year", values=[1, None, 3]),
            Series(name="last year", values=[None, None, 2]),
        ],
        title="t",
    )
    assert [r.get("data-value") for r in rects(svg, 0)] == ["1", "3"]
    assert [r.get("data-value") for r in rects(svg, 1)] == ["2"]
    assert "last year" in svg and 'class="chart-legend"' in svg


def test_chart_is_an_accessible_image_with_title_description_and_axis_labels():
    svg = bar_chart_svg(
        labels=["a"], series=[Series(name="s", values=[1])], title="Title", description="Desc",
        x_axis_label="Tháng", y_axis_label="kWh", element_id="c1",
    )  # fmt: skip
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").text == "Title"
    assert root.find(f"{SVG}desc").text == "Desc"
    assert "Tháng" in svg and "kWh" in svg


def test_text_is_escaped():
    svg = bar_chart_svg(labels=["<b>&"], series=[Series(name='"x"<', values=[1])], title="a < b & c")
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "a < b & c"
    assert "<b>" not in svg


def test_all_missing_or_zero_values_still_render():
    svg = bar_chart_svg(labels=["a", "b"], series=[Series(name="s", values=[None, 0])], title="t")
    assert len(rects(svg, 0)) == 1
    assert float(rects(svg, 0)[0].get("height")) == 0


def test_labels_can_be_thinned_counting_from_the_last():
    labels = [f"{m:02d}" for m in range(1, 25)]
    svg = bar_chart_svg(
        labels=labels, series=[Series(name="s", values=list(range(24)))], title="t", label_every=3
    )
    root = parse(svg)
    group = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-labels")
    assert [t.text for t in group.iter(f"{SVG}text")] == labels[2::3]


def test_mismatched_series_are_rejected():
    with pytest.raises(ValueError, match="2 values for 3 labels"):
        bar_chart_svg(labels=["a", "b", "c"], series=[Series(name="s", values=[1, 2])], title="t")


@pytest.mark.parametrize(
    ("value", "expected"), [(0, 1), (1, 1), (7, 10), (12, 20), (230, 250), (251, 500), (0.3, 0.5)]
)
def test_nice_ceiling(value, expected):
    assert nice_ceiling(value) == pytest.approx(expected)


@given(st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=10**7)), min_size=1, max_size=40))
def test_bars_never_leave_the_plot(values):
    svg = bar_chart_svg(
        labels=[str(i) for i in range(len(values))], series=[Series(name="s", values=values)], title="t"
    )
    for rect in rects(svg, 0):
        y, height = float(rect.get("y")), float(rect.get("height"))
        assert height >= 0 and y >= 0 and y + height <= 240 + 0.01


def test_stacked_bars_sit_on_each_other_and_the_scale_fits_the_sum():
    svg = bar_chart_svg(
        labels=["a", "b"], series=[Series(name="peak", values=[10, 0]), Series(name="normal", values=[30, 20])],
        title="t", stacked=True,
    )  # fmt: skip
    lower, upper = rects(svg, 0), rects(svg, 1)
    # The scale tops at 50 (the nice ceiling of 40); a bar of 10 on top of nothing, then 30 on top of it.
    assert float(lower[0].get("x")) == float(upper[0].get("x"))
    assert float(upper[0].get("y")) + float(upper[0].get("height")) == pytest.approx(float(lower[0].get("y")))
    heights = [float(r.get("height")) for r in (lower[0], upper[0], upper[1])]
    assert heights[1] == pytest.approx(3 * heights[0]) and heights[2] == pytest.approx(2 * heights[0])


def test_bands_shade_their_labels_and_are_named_once_in_the_legend():
    svg = bar_chart_svg(
        labels=[str(i) for i in range(8)], series=[Series(name="kWh", values=[1] * 8)], title="t",
        bands=[Band(0, 2, "off-peak", "#dcefdc"), Band(4, 6, "peak", "#f9dcdc"), Band(7, 8, "off-peak", "#dcefdc")],
    )  # fmt: skip
    root = parse(svg)
    bands = [r for r in root.iter(f"{SVG}rect") if r.get("data-band")]
    group_w = (360 - 48 - 8) / 8
    assert [(b.get("data-band"), float(b.get("x")), float(b.get("width"))) for b in bands] == [
        ("off-peak", 48, pytest.approx(2 * group_w)), ("peak", pytest.approx(48 + 4 * group_w), pytest.approx(2 * group_w)),
        ("off-peak", pytest.approx(48 + 7 * group_w), pytest.approx(group_w)),
    ]  # fmt: skip
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-legend")
    assert [t.text for t in legend.iter(f"{SVG}text")] == ["off-peak", "peak"]


def test_a_long_legend_wraps_and_stays_inside_the_chart():
    names = ["Điện năng tiêu thụ", "Cùng tháng năm trước", "Một chuỗi thứ ba khá dài"]
    svg = bar_chart_svg(labels=["a"], series=[Series(name=n, values=[1]) for n in names], title="t")
    legend = next(g for g in parse(svg).iter(f"{SVG}g") if g.get("class") == "chart-legend")
    texts = list(legend.iter(f"{SVG}text"))
    assert len({t.get("y") for t in texts}) > 1  # more than one row
    assert all(float(t.get("x")) + text_width(t.text) <= 360 for t in texts)


def test_the_outer_labels_are_anchored_inside_the_chart():
    labels = [f"{m:02d}/25" for m in range(1, 13)] * 2
    svg = bar_chart_svg(labels=labels, series=[Series(name="s", values=[1] * 24)], title="t", label_every=3)
    group = next(g for g in parse(svg).iter(f"{SVG}g") if g.get("class") == "chart-labels")
    last = list(group.iter(f"{SVG}text"))[-1]
    assert last.text == "12/25" and last.get("text-anchor") == "end" and float(last.get("x")) <= 360
