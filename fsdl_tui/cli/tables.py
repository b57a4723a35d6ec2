"""Tables for the terminal that fit its width: ids and numbers are never cut, text columns are shortened with
an ellipsis down to a minimum, and the least useful columns are left out on a narrow terminal.

Every cell is user text or a number: it reaches rich as plain `Text` (`present.plain`), never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .. import present


@dataclass(frozen=True, slots=True)
class Col:
    name: str
    right: bool = False  # numbers
    shrink_to: int | None = None  # None: never cut; else shortened with an ellipsis down to this width
    drop: int = 0  # 0: always shown; on a narrow terminal the highest is left out first


def _table(title: str, cols: Sequence[Col], widths: Sequence[int]) -> Table:
    table = Table(
        title=Text(present.plain(title)),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )
    for col, width in zip(cols, widths, strict=True):
        table.add_column(
            col.name, justify="right" if col.right else "left", no_wrap=True, overflow="ellipsis", width=width
        )
    return table


# Above this many rows a table is written as plain aligned text: rich lays out every cell of a table (half the
# time of `rank` at 10,000 projects), while plain text costs one string per row. Both look the same.
PLAIN_ROWS = 500


def _fit(console: Console, cols: Sequence[Col], cells: Sequence[Sequence[str]]) -> tuple[list[int], dict[int, int]]:
    """The columns shown and their widths, so the table fits `console.width`."""
    natural = [max([cell_len(col.name)] + [cell_len(row[i]) for row in cells]) for i, col in enumerate(cols)]
    active = list(range(len(cols)))

    def overhead(n: int) -> int:
        probe = _table("", [cols[i] for i in active[:n]], [1] * n)
        return console.measure(probe).maximum - n

    def least(i: int) -> int:
        limit = cols[i].shrink_to
        return natural[i] if limit is None else min(natural[i], limit)

    while sum(least(i) for i in active) + overhead(len(active)) > console.width and any(cols[i].drop for i in active):
        active.remove(max(active, key=lambda i: cols[i].drop))
    widths = {i: natural[i] for i in active}
    room = console.width - overhead(len(active))
    while sum(widths.values()) > room:
        shrinkable = [i for i in active if widths[i] > least(i)]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: widths[i] - least(i))
        widths[widest] -= 1
    return active, widths


def fitted_table(console: Console, title: str, cols: Sequence[Col], rows: Sequence[Sequence[str]]) -> Table:
    """A table of `rows` (plain strings) under `cols`, fitted to `console.width`."""
    cells = [[present.plain(c) for c in row] for row in rows]
    active, widths = _fit(console, cols, cells)
    table = _table(title, [cols[i] for i in active], [widths[i] for i in active])
    for row in cells:
        table.add_row(*(Text(row[i]) for i in active))
    return table


def _cell(s: str, width: int, right: bool) -> str:
    n = cell_len(s)
    if n > width:
        s = set_cell_size(s, width - 1) + "…" if width > 0 else ""
        n = width
    pad = " " * (width - n)
    return pad + s if right else s + pad


def plain_table(console: Console, title: str, cols: Sequence[Col], rows: Sequence[Sequence[str]]) -> str:
    """The text of `fitted_table`, laid out without rich: columns two spaces apart, a rule under the names."""
    cells = [[present.plain(c) for c in row] for row in rows]
    active, widths = _fit(console, cols, cells)
    shown = [(i, widths[i], cols[i].right) for i in active]
    lines = [present.plain(title)] if title else []
    lines.append("  ".join(_cell(cols[i].name, w, right) for i, w, right in shown).rstrip())
    lines.append("─" * (sum(w for _, w, _ in shown) + 2 * (len(shown) - 1)))
    lines.extend("  ".join(_cell(row[i], w, right) for i, w, right in shown).rstrip() for row in cells)
    return "\n".join(lines) + "\n"


def print_table(console: Console, title: str, cols: Sequence[Col], rows: Sequence[Sequence[str]]) -> None:
    """Print `rows` under `cols` fitted to the terminal: through rich up to `PLAIN_ROWS` rows, else as plain
    aligned text (`plain_table`), which reads the same and costs a fraction at thousands of rows."""
    if len(rows) <= PLAIN_ROWS:
        console.print(fitted_table(console, title, cols, rows))
    else:
        console.file.write(plain_table(console, title, cols, rows))
        console.file.flush()
