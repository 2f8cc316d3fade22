"""A bar chart of records changed per run, drawn on the server as SVG (lxml, no JS).

One bar per run, oldest on the left, height proportional to added + updated + deleted;
failed runs are drawn in the failure colour. Each bar links to its run page and carries
a `<title>` tooltip. Text goes in through lxml, so a source id cannot inject markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from lxml import etree

from oai.web.admin.queries import ChartPoint

__all__ = ["PARTS", "changes_chart", "source_chart"]

SVG = "http://www.w3.org/2000/svg"
WIDTH, HEIGHT = 720, 180
LEFT, BOTTOM, TOP = 48, 24, 12
COLOURS = {"ok": "#2e7d32", "partial": "#ef6c00", "failed": "#c62828"}


def _el(
    parent: etree._Element, tag: str, text: str | None = None, **attrs: object
) -> etree._Element:
    names = {k: k.rstrip("_").replace("_", "-") for k in attrs}
    element = etree.SubElement(
        parent, f"{{{SVG}}}{tag}", {names[k]: str(v) for k, v in attrs.items()}
    )
    if text is not None:
        element.text = text
    return element


def changes_chart(points: Sequence[ChartPoint], run_url: Callable[[int], str]) -> bytes:
    """The SVG document (UTF-8 bytes) for `points`, linking bars with `run_url(run_id)`."""
    root = etree.Element(f"{{{SVG}}}svg", nsmap={None: SVG})  # type: ignore[dict-item]
    root.set("viewBox", f"0 0 {WIDTH} {HEIGHT}")
    root.set("width", str(WIDTH))
    root.set("height", str(HEIGHT))
    root.set("role", "img")
    root.set("class", "chart")
    _el(root, "title", "Records changed per run")
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    top = max((p.changed for p in points), default=0) or 1
    _axes(root, top, plot_w, plot_h)
    if points:  # the time span the bars cover
        first, last = points[0].started_at, points[-1].started_at
        _el(root, "text", first.strftime("%Y-%m-%d %H:%M"), x=LEFT, y=HEIGHT - 6, font_size=11)
        _el(
            root,
            "text",
            last.strftime("%Y-%m-%d %H:%M"),
            x=WIDTH - 8,
            y=HEIGHT - 6,
            font_size=11,
            text_anchor="end",
        )
    if not points:
        _el(root, "text", "no finished runs yet", x=LEFT + 10, y=TOP + plot_h / 2, class_="empty")
    slot = min(plot_w / max(len(points), 1), 48)  # a few runs: narrow bars, not slabs
    for i, point in enumerate(points):
        height = plot_h * point.changed / top
        link = _el(root, "a", href=run_url(point.run_id))
        bar = _el(
            link,
            "rect",
            x=f"{LEFT + i * slot + slot * 0.1:.1f}",
            y=f"{TOP + plot_h - height:.1f}",
            width=f"{max(slot * 0.8, 1):.1f}",
            height=f"{max(height, 1):.1f}",
            fill=COLOURS.get(point.status, "#546e7a"),
        )
        when = point.started_at.strftime("%Y-%m-%d %H:%M")
        _el(
            bar,
            "title",
            f"run {point.run_id} ({point.source_id}, {point.status}, {when}): "
            f"{point.changed} changed",
        )
    return bytes(etree.tostring(root, encoding="utf-8", xml_declaration=False))


def _axes(root: etree._Element, top: int, plot_w: float, plot_h: float) -> None:
    base = TOP + plot_h
    _el(root, "line", x1=LEFT, y1=base, x2=WIDTH - 8, y2=base, stroke="#90a4ae")
    _el(root, "line", x1=LEFT, y1=TOP, x2=LEFT, y2=base, stroke="#90a4ae")
    _el(root, "text", str(top), x=LEFT - 6, y=TOP + 10, text_anchor="end", font_size=11)
    _el(root, "text", "0", x=LEFT - 6, y=base, text_anchor="end", font_size=11)
    _el(
        root,
        "text",
        "runs, oldest to newest",
        x=LEFT + plot_w / 2,
        y=HEIGHT - 6,
        font_size=11,
        text_anchor="middle",
    )


# the parts of a source's runs chart, bottom to top
PARTS = (
    ("added", "#2e7d32"),
    ("updated", "#1565c0"),
    ("deleted", "#6d4c41"),
    ("failed", "#c62828"),
)


def source_chart(
    runs: Sequence[tuple[int, datetime, str, dict[str, int]]], run_url: Callable[[int], str]
) -> bytes:
    """A source's runs over time, oldest on the left: per run a bar stacked from its
    added, updated, deleted and failed records, with a legend; runs are (id, started,
    status, counts)."""
    root = etree.Element(f"{{{SVG}}}svg", nsmap={None: SVG})  # type: ignore[dict-item]
    height = HEIGHT + 20
    for key, value in (("viewBox", f"0 0 {WIDTH} {height}"), ("width", str(WIDTH))):
        root.set(key, value)
    root.set("height", str(height))
    root.set("role", "img")
    root.set("class", "chart")
    _el(root, "title", "Records per run: added, updated, deleted, failed")
    top_margin = TOP + 20
    plot_w, plot_h = WIDTH - LEFT - 8, height - BOTTOM - top_margin
    top = max((sum(c.get(p, 0) for p, _ in PARTS) for *_, c in runs), default=0) or 1
    legend = _el(root, "g", class_="legend")
    for i, (part, colour) in enumerate(PARTS):
        at = LEFT + i * 110
        _el(legend, "rect", x=at, y=4, width=12, height=12, fill=colour)
        _el(legend, "text", part, x=at + 16, y=14, font_size=12)
    base = top_margin + plot_h
    _el(root, "line", x1=LEFT, y1=base, x2=WIDTH - 8, y2=base, stroke="#90a4ae")
    _el(root, "text", str(top), x=LEFT - 6, y=top_margin + 10, text_anchor="end", font_size=11)
    _el(root, "text", "0", x=LEFT - 6, y=base, text_anchor="end", font_size=11)
    if not runs:
        _el(root, "text", "no finished runs yet", x=LEFT + 10, y=top_margin + plot_h / 2)
    else:
        first, last = runs[0][1], runs[-1][1]
        _el(root, "text", f"{first:%Y-%m-%d %H:%M}", x=LEFT, y=height - 6, font_size=11)
        end = f"{last:%Y-%m-%d %H:%M}"
        _el(root, "text", end, x=WIDTH - 8, y=height - 6, font_size=11, text_anchor="end")
    slot = min(plot_w / max(len(runs), 1), 48)
    for i, (run_id, started, status, counts) in enumerate(runs):
        link = _el(root, "a", href=run_url(run_id))
        _el(
            link,
            "title",
            f"run {run_id} ({status}, {started:%Y-%m-%d %H:%M}): "
            + ", ".join(f"{counts.get(p, 0)} {p}" for p, _ in PARTS),
        )
        y = float(base)
        for part, colour in PARTS:
            h = plot_h * counts.get(part, 0) / top
            if h <= 0:
                continue
            y -= h
            x = LEFT + i * slot + slot * 0.1
            _el(
                link,
                "rect",
                x=f"{x:.1f}",
                y=f"{y:.1f}",
                width=f"{max(slot * 0.8, 1):.1f}",
                height=f"{h:.1f}",
                fill=colour,
            )
        if y == base:  # nothing changed: a thin mark, outlined as failed when it failed
            x = LEFT + i * slot + slot * 0.1
            _el(
                link,
                "rect",
                x=f"{x:.1f}",
                y=f"{base - 2:.1f}",
                width=f"{max(slot * 0.8, 1):.1f}",
                height="2",
                fill=COLOURS.get(status, "#546e7a"),
            )
    return bytes(etree.tostring(root, encoding="utf-8", xml_declaration=False))
