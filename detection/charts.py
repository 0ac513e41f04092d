"""Small bar charts drawn as SVG on the server, for the admin: no script and no style attribute.

Colours are SVG presentation attributes (fill, stroke), which a Content-Security-Policy's
style-src does not govern, so the charts render under a policy with no 'unsafe-inline'.
Hand-rolled rather than pygal: pygal's output carries script references and a style
element that such a policy would block, and a bar chart is forty lines.
"""

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_COLOUR = "#417690"  # the admin's own blue
AXIS_COLOUR = "#999999"
TEXT_COLOUR = "#333333"
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 40, 10, 10, 28
MAX_X_LABELS = 8


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def bar_chart(*, points: Sequence[tuple[str, int]], title: str, width: int = 720, height: int = 180) -> SafeString:
    """One bar per (label, value) point, each with a tooltip; the y axis is labelled with its maximum."""
    plot_width = width - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = height - MARGIN_TOP - MARGIN_BOTTOM
    peak = max((value for _, value in points), default=0) or 1
    slot = plot_width / max(len(points), 1)
    bar_width = max(slot * 0.8, 1)
    baseline = MARGIN_TOP + plot_height
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="hw-chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{MARGIN_LEFT}" y1="{baseline}" x2="{width - MARGIN_RIGHT}" y2="{baseline}" '
        f'stroke="{AXIS_COLOUR}" stroke-width="1"/>',
        f'<line x1="{MARGIN_LEFT}" y1="{MARGIN_TOP}" x2="{MARGIN_LEFT}" y2="{baseline}" '
        f'stroke="{AXIS_COLOUR}" stroke-width="1"/>',
        f'<text x="{MARGIN_LEFT - 4}" y="{MARGIN_TOP + 10}" text-anchor="end" font-size="10" '
        f'fill="{TEXT_COLOUR}">{peak}</text>',
        f'<text x="{MARGIN_LEFT - 4}" y="{baseline}" text-anchor="end" font-size="10" fill="{TEXT_COLOUR}">0</text>',
    ]
    label_step = max(1, -(-len(points) // MAX_X_LABELS))
    for index, (label, value) in enumerate(points):
        bar_height = plot_height * value / peak
        x = MARGIN_LEFT + index * slot + (slot - bar_width) / 2
        parts.append(
            f'<rect class="bar" x="{_number(x)}" y="{_number(baseline - bar_height)}" width="{_number(bar_width)}" '
            f'height="{_number(bar_height)}" fill="{BAR_COLOUR}" data-value="{value}">'
            f"<title>{escape(label)}: {value}</title></rect>"
        )
        if index % label_step == 0:
            parts.append(
                f'<text x="{_number(MARGIN_LEFT + index * slot)}" y="{height - 10}" font-size="10" '
                f'fill="{TEXT_COLOUR}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    # Every interpolated label went through escape(); the rest is numbers and constants.
    return mark_safe("".join(parts))  # noqa: S308
