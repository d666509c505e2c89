"""site.css speaks in logical properties, so Arabic and Persian pages mirror without their own CSS.

A physical side (``margin-left``, ``right: 0``, ``text-align: left``) stays where it is when the
page turns right to left; its logical twin (``margin-inline-start``, ``inset-inline-end``,
``text-align: start``) follows the writing direction.
"""

from __future__ import annotations

import re
from pathlib import Path

SITE_CSS = Path(__file__).resolve().parents[2] / "portal" / "static" / "css" / "site.css"

# Rules that must keep a physical side, each with the reason. Keyed by the rule's selector.
JUSTIFIED: dict[str, str] = {}

PHYSICAL = re.compile(
    r"""(?<![\w-])(
        (margin|padding|border)-(left|right)[\w-]*\s*:   # margin-left, border-right-width, ...
      | (left|right)\s*:                                  # left: 0 (use inset-inline-start)
      | text-align\s*:\s*(left|right)\b                   # use start / end
      | float\s*:\s*(left|right)\b                        # use inline-start / inline-end
      | clear\s*:\s*(left|right)\b
    )""",
    re.VERBOSE,
)


def physical_declarations(css: str) -> list[tuple[str, str]]:
    """(selector, declaration) for every left/right declaration outside the JUSTIFIED rules."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    found = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        selector = " ".join(selector.split())
        if selector in JUSTIFIED:
            continue
        for declaration in body.split(";"):
            if PHYSICAL.search(declaration):
                found.append((selector, declaration.strip()))
    return found


def test_site_css_uses_no_physical_left_or_right():
    found = physical_declarations(SITE_CSS.read_text(encoding="utf-8"))
    assert found == [], "Use the logical property (inline-start/end, start/end) instead:\n" + (
        "\n".join(f"  {selector} {{ {declaration} }}" for selector, declaration in found)
    )


def test_the_check_finds_each_kind_of_physical_side():
    css = """
    .a { margin-left: 1rem; }  .b { padding-right: 0 }  .c { border-left: 5px solid red; }
    .d { left: -9999px; }  .e { text-align: right; }  .f { float: left; }
    .g { margin-inline-start: 1rem; inset-inline-end: 0; text-align: start; border-inline-start: 0 }
    .h { /* margin-left: 1rem; */ }
    """
    assert [selector for selector, _ in physical_declarations(css)] == [
        ".a",
        ".b",
        ".c",
        ".d",
        ".e",
        ".f",
    ]
