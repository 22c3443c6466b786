"""A bar chart as SVG, written by hand (no plotting library): title, axes, labels, values.

Text is escaped for XML and set in a font list that has CJK glyphs, so county
names in Chinese render in browsers and office software.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, SimHei, sans-serif"


@dataclass(frozen=True)
class Panel:
    """One bar chart: a heading, an x axis label and ``(label, percent)`` bars."""

    heading: str
    x_label: str
    bars: Sequence[tuple[str, float]]


def _text(
    x: float, y: float, content: str, *, size: int = 12, anchor: str = "middle", extra: str = ""
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{extra}>'
        f"{escape(content)}</text>"
    )


def bar_chart_svg(title: str, panels: Sequence[Panel], *, y_label: str = "可用率 (%)") -> str:
    """An SVG document with one bar chart per panel, stacked, bars scaled 0-100 %.

    >>> svg = bar_chart_svg("T", [Panel("P", "县区", [("宛城区", 99.5)])])
    >>> svg.startswith("<?xml") and "宛城区" in svg and "99.50%" in svg
    True
    """
    bar_w, gap, left, right = 56, 24, 80, 30
    plot_h, panel_h, top = 220, 330, 70
    widest = max((len(p.bars) for p in panels), default=1) or 1
    width = left + right + widest * (bar_w + gap) + gap
    width = max(width, 520)
    height = top + panel_h * len(panels) + 10
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family={quoteattr(FONT)}>',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        _text(width / 2, 36, title, size=20, extra=' font-weight="bold"'),
    ]
    for n, panel in enumerate(panels):
        y0 = top + n * panel_h + 30  # top of the plot area
        base = y0 + plot_h
        parts.append(_text(width / 2, y0 - 12, panel.heading, size=15, extra=' font-weight="bold"'))
        for tick in range(0, 101, 20):
            y = base - plot_h * tick / 100
            parts.append(
                f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                f'stroke="#dddddd" stroke-width="1"/>'
            )
            parts.append(_text(left - 8, y + 4, str(tick), size=11, anchor="end"))
        parts.append(
            f'<line x1="{left}" y1="{y0}" x2="{left}" y2="{base}" stroke="#333333"/>'
            f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#333333"/>'
        )
        mid = y0 + plot_h / 2
        parts.append(
            _text(24, mid, y_label, size=12, extra=f' transform="rotate(-90 24 {mid:.1f})"')
        )
        parts.append(_text((left + width - right) / 2, base + 48, panel.x_label, size=13))
        for i, (label, pct) in enumerate(panel.bars):
            x = left + gap + i * (bar_w + gap)
            h = plot_h * max(0.0, min(pct, 100.0)) / 100
            colour = "#2e7d32" if pct >= 99.0 else "#f9a825" if pct >= 95.0 else "#c62828"
            parts.append(
                f'<rect x="{x}" y="{base - h:.1f}" width="{bar_w}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(label)}: {pct:.3f}%</title></rect>'
            )
            parts.append(_text(x + bar_w / 2, base - h - 5, f"{pct:.2f}%", size=11))
            parts.append(_text(x + bar_w / 2, base + 18, label, size=12))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
