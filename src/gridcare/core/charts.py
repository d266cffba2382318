"""Server-rendered SVG charts: pure functions from labels and series to SVG text.

The same SVG goes into web pages and PDF bills, so colours are presentation attributes (CSS may
override them) and every bar carries a `<title>` with its value for screen readers and tooltips.
Callers pass translated text and a value formatter; this module reads no settings and no clock.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

# Both colours reach at least 4.5:1 against white (WCAG non-text contrast needs 3:1).
DEFAULT_COLOURS = ("#0b5cad", "#a04d00", "#2e7d32", "#6a1b9a")


@dataclass(frozen=True)
class Series:
    """One series of a chart: a name for the legend and one value (or None: no data) per label."""

    name: str
    values: Sequence[float | int | None]
    colour: str = ""


@dataclass(frozen=True)
class Band:
    """A shaded background over the labels `first` to `last` (exclusive), named in the legend (e.g. peak hours)."""

    first: int
    last: int
    name: str
    colour: str


# Text is laid out in the SVG's own units; browsers do not measure it for us, so widths are estimated
# generously (12 px system fonts average about 6.5 px a character, diacritics included).
CHARACTER_WIDTH = 7.2


def text_width(text: str) -> float:
    """An upper estimate of the width of `text` at the chart's 12 px font, in SVG units."""
    return CHARACTER_WIDTH * len(text)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is at least `value` (1 for anything not positive)."""
    if value <= 0:
        return 1
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value * (1 - 1e-12):
            return candidate
    return 10 ** (exponent + 1)  # pragma: no cover - the loop always returns


def _number(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def bar_chart_svg(
    *,
    labels: Sequence[str],
    series: Sequence[Series],
    title: str,
    description: str = "",
    x_axis_label: str = "",
    y_axis_label: str = "",
    value_format: Callable[[float], str] = str,
    tick_format: Callable[[float], str] | None = None,
    bar_titles: Sequence[str] | None = None,
    label_every: int = 1,
    width: int = 360,
    height: int = 240,
    ticks: int = 4,
    element_id: str = "chart",
    stacked: bool = False,
    bands: Sequence[Band] = (),
) -> str:
    """Grouped (or, with `stacked`, stacked) vertical bars, one group per label, as an accessible SVG fragment.

    `value_format` writes values in bar titles, `tick_format` (default: the same) the scale on the left.
    `bar_titles`, when given, is the text before the value in each bar's `<title>` (default: the label).
    `bands` shade ranges of labels behind the bars (time-of-use periods); each distinct name gets a legend entry.
    Nothing is drawn outside the view box: the legend wraps onto more rows and the outer labels stay inside.
    """
    if not labels:
        raise ValueError("a chart needs at least one label")
    for item in series:
        if len(item.values) != len(labels):
            raise ValueError(f"series {item.name!r} has {len(item.values)} values for {len(labels)} labels")
    if bar_titles is not None and len(bar_titles) != len(labels):
        raise ValueError("bar_titles must have one entry per label")
    if label_every < 1 or ticks < 1:
        raise ValueError("label_every and ticks must be positive")

    tick_format = tick_format or value_format
    colours = [item.colour or DEFAULT_COLOURS[i % len(DEFAULT_COLOURS)] for i, item in enumerate(series)]
    if stacked:
        sums = [sum(max(item.values[i] or 0, 0) for item in series) for i in range(len(labels))]
        top = nice_ceiling(max(sums, default=0))
    else:
        present = [v for item in series for v in item.values if v is not None]
        top = nice_ceiling(max(present, default=0))

    margin_left, margin_right = 48, 8
    # Legend entries (series, then the distinct band names), placed left to right and wrapped to the width.
    band_kinds: dict[str, str] = {}
    for band in bands:
        band_kinds.setdefault(band.name, band.colour)
    entries = (
        [(item.name, colour) for item, colour in zip(series, colours, strict=True)] if len(series) > 1 else []
    )
    entries += list(band_kinds.items())
    legend: list[tuple[float, int, str, str]] = []  # (x, row, name, colour)
    x, row = 4.0, 0
    for name, colour in entries:
        needed = 16 + text_width(name)
        if x > 4 and x + needed > width - margin_right:
            x, row = 4.0, row + 1
        legend.append((x, row, name, colour))
        x += needed + 12
    legend_height = 20 * (row + 1) + 2 if entries else 0
    margin_top = 8 + legend_height + (16 if y_axis_label else 0)
    margin_bottom = 30 + (16 if x_axis_label else 0)
    plot_w = width - margin_left - margin_right
    plot_h = height - margin_top - margin_bottom
    if plot_w <= 0 or plot_h <= 0:
        raise ValueError("the chart is too small for its margins")
    group_w = plot_w / len(labels)
    gap = max(group_w * 0.2, 1) if group_w > 4 else 0
    bar_w = (group_w - gap) / (1 if stacked else max(len(series), 1))
    baseline = margin_top + plot_h

    def y_of(value: float) -> float:
        return baseline - plot_h * (value / top)

    title_id, desc_id = f"{element_id}-title", f"{element_id}-desc"
    labelled_by = title_id + (f" {desc_id}" if description else "")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(element_id)}" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{escape(labelled_by)}" '
        f'font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
    ]
    if description:
        parts.append(f'<desc id="{escape(desc_id)}">{escape(description)}</desc>')

    if bands:
        parts.append('<g class="chart-bands" aria-hidden="true">')
        for band in bands:
            x0 = margin_left + band.first * group_w
            parts.append(
                f'<rect x="{_number(x0)}" y="{margin_top}" width="{_number((band.last - band.first) * group_w)}" '
                f'height="{plot_h}" fill="{escape(band.colour)}" data-band="{escape(band.name)}"/>'
            )
        parts.append("</g>")

    # Horizontal grid with the value scale on the left.
    parts.append('<g class="chart-grid" aria-hidden="true">')
    for i in range(ticks + 1):
        value = top * i / ticks
        y = _number(y_of(value))
        parts.append(
            f'<line x1="{margin_left}" x2="{width - margin_right}" y1="{y}" y2="{y}" '
            f'stroke="{"#595959" if i == 0 else "#d0d0d0"}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{margin_left - 4}" y="{y}" text-anchor="end" dominant-baseline="middle" '
            f'fill="#333333">{escape(tick_format(value))}</text>'
        )
    parts.append("</g>")

    # Bars: one <g> per series so that a legend entry and a CSS rule can address it.
    below = [0.0] * len(labels)  # the stack's height so far, per label
    for s_index, (item, colour) in enumerate(zip(series, colours, strict=True)):
        parts.append(f'<g class="chart-series chart-series-{s_index}" fill="{escape(colour)}">')
        for l_index, value in enumerate(item.values):
            if value is None:
                continue
            x = margin_left + l_index * group_w + gap / 2 + (0 if stacked else s_index * bar_w)
            bottom = y_of(below[l_index]) if stacked else baseline
            y = y_of(below[l_index] + max(value, 0)) if stacked else y_of(max(value, 0))
            if stacked:
                below[l_index] += max(value, 0)
            caption = bar_titles[l_index] if bar_titles is not None else labels[l_index]
            parts.append(
                f'<rect x="{_number(x)}" y="{_number(y)}" width="{_number(bar_w)}" '
                f'height="{_number(bottom - y)}" data-value="{escape(str(value))}">'
                f"<title>{escape(item.name)} — {escape(caption)}: {escape(value_format(value))}</title></rect>"
            )
        parts.append("</g>")

    # Category labels under the axis.
    parts.append('<g class="chart-labels" aria-hidden="true" fill="#333333">')
    for l_index, label in enumerate(labels):
        # Counted from the end, so that the latest label is always shown and spacing stays even.
        if (len(labels) - 1 - l_index) % label_every or not label:
            continue
        x = margin_left + (l_index + 0.5) * group_w
        half = text_width(label) / 2
        # An outer label centred on its bar may reach past the edge: it is anchored to the edge instead.
        if x + half > width - 2:
            x, anchor = width - 2, "end"
        elif x - half < 2:
            x, anchor = 2, "start"
        else:
            anchor = "middle"
        parts.append(
            f'<text x="{_number(x)}" y="{baseline + 16}" text-anchor="{anchor}">{escape(label)}</text>'
        )
    parts.append("</g>")

    if x_axis_label:
        parts.append(
            f'<text class="chart-axis-label" x="{_number(margin_left + plot_w / 2)}" y="{height - 6}" '
            f'text-anchor="middle" fill="#333333">{escape(x_axis_label)}</text>'
        )
    if y_axis_label:
        parts.append(
            f'<text class="chart-axis-label" x="4" y="{margin_top - 9}" '
            f'fill="#333333">{escape(y_axis_label)}</text>'
        )

    if legend:
        parts.append('<g class="chart-legend">')
        for x, row, name, colour in legend:
            top_y = 4 + 20 * row
            parts.append(
                f'<rect x="{_number(x)}" y="{top_y}" width="12" height="12" fill="{escape(colour)}" '
                f'stroke="#595959" stroke-width="0.5"/>'
            )
            parts.append(f'<text x="{_number(x + 16)}" y="{top_y + 10}" fill="#333333">{escape(name)}</text>')
        parts.append("</g>")

    parts.append("</svg>")
    return "".join(parts)
