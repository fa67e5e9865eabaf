"""The one palette of kg's views: a colour and shape per label, for `kg viz` pages and, through
`grass()`, for Neo4j Browser (cypher/style.grass; a test keeps the file equal to `grass()`).

Regenerate the style sheet after editing PALETTE:
    python -c "import kg.viz; print(kg.viz.grass(), end='')" > cypher/style.grass
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Look:
    color: str               # fill, and Neo4j Browser's `color`
    border: str
    shape: str               # vis-network shape
    caption: str = "name"    # the property Neo4j Browser shows


PALETTE: dict[str, Look] = {
    "Organization": Look("#4C8EDA", "#2870C2", "dot"),
    "Person": Look("#F79767", "#F36924", "diamond"),
    "Product": Look("#8DCC93", "#5DB665", "square"),
    "Policy": Look("#C990C0", "#B261A5", "triangle"),
    "Event": Look("#FFC454", "#D7A013", "star"),
    "Article": Look("#A5ABB6", "#9AA1AC", "hexagon", caption="title"),
}
OTHER = Look("#D9D9D9", "#BFBFBF", "dot")


def grass() -> str:
    """Neo4j Browser style sheet with PALETTE's colours (the text of cypher/style.grass)."""
    out = ["/* kg: one colour per label, as in `kg viz` pages.  Generated from kg.viz.PALETTE: edit there, */",
           "/* then python -c \"import kg.viz; print(kg.viz.grass(), end='')\" > cypher/style.grass */",
           "node {", "  diameter: 50px;", f"  color: {OTHER.color};", f"  border-color: {OTHER.border};",
           "  border-width: 2px;", "  text-color-internal: #000000;", "  font-size: 10px;", "}",
           "relationship {", "  color: #A5ABB6;", "  shaft-width: 1px;", "  font-size: 8px;", "  padding: 3px;",
           "  text-color-external: #000000;", "  text-color-internal: #FFFFFF;", '  caption: "<type>";', "}"]
    for label, look in PALETTE.items():
        out += [f"node.{label} {{", f"  color: {look.color};", f"  border-color: {look.border};",
                "  text-color-internal: #000000;", f'  caption: "{{{look.caption}}}";', "}"]
    return "\n".join(out) + "\n"
