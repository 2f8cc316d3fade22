"""A bar chart of records changed per run, drawn on the server as SVG (lxml, no JS).

One bar per run, oldest on the left, height proportional to added + updated + deleted;
failed runs are drawn in the failure colour. Each bar links to its run page and carries
a `<title>` tooltip. Text goes in through lxml, so a source id cannot inject markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lxml import etree

from oai.web.admin.queries import ChartPoint

__all__ = ["changes_chart"]

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
