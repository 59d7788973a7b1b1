"""``gridgis code``: check grid codes and explain what they say.

``gridgis code check CODE`` exits 0 and prints the code's parts (county,
township, village, kind, sequence) for a valid code, and exits 1 with one line
on stderr saying why for an invalid one. It handles its own errors, so it
behaves the same on its own as inside the ``gridgis`` group.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gridgis.cli.helpers import warn

if TYPE_CHECKING:
    from gridgis.codes import CodeExplanation


@click.group(name="code")
def code() -> None:
    """Grid codes: check a code and explain its parts."""


@code.command(name="check")
@click.argument("grid_code", metavar="CODE")
@click.option(
    "--scheme",
    "scheme_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Code scheme TOML file (default: data/code_scheme.toml).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@click.pass_context
def check(ctx: click.Context, grid_code: str, scheme_path: Path | None, as_json: bool) -> None:
    """Check a grid CODE and explain it.

    Exits 0 for a valid code and prints its county, township, village, kind
    and sequence. Exits 1 for an invalid one and says why: wrong length, bad
    check character, unknown county, reserved range, ...

    Example: gridgis code check 6401221012010015
    """
    # Imported here to keep `gridgis --help` fast.
    from gridgis.codes import default_scheme, explain, load_code_scheme
    from gridgis.errors import GridgisError

    try:
        scheme = load_code_scheme(scheme_path) if scheme_path else default_scheme()
        explanation = explain(grid_code, scheme)
    except GridgisError as error:
        warn(f"Error: {error}")
        ctx.exit(1)
    if as_json:
        click.echo(json.dumps(explanation.as_dict(), ensure_ascii=False, sort_keys=True))
    else:
        click.echo("\n".join(describe(explanation)))


def describe(explanation: CodeExplanation) -> list[str]:
    """Return the lines ``gridgis code check`` prints for a valid code.

    Parameters
    ----------
    explanation : CodeExplanation
        From :func:`gridgis.codes.explain`.

    Returns
    -------
    list of str
        One line per part, labelled in Chinese and English.
    """
    from gridgis.render.labels import KIND_LABELS, LEVEL_LABELS

    e = explanation
    kind = f"{KIND_LABELS[e.kind]} {e.kind} grid"
    if e.kind != "base":
        kind += f" ({LEVEL_LABELS[e.level]} {e.level} level)"
    lines = [
        f"编码 code: {e.code} (有效 valid)",
        f"县 county: {e.county} {e.county_name or '(外省, 编码方案未列出 another province)'}",
        "乡镇 township: "
        + _part(e.township, e.township_label, e.township_type, "县级 county level"),
    ]
    if e.kind == "sector":
        lines.append(f"村 village: {e.village} (行业专属网格标记 sector marker + 部门 department)")
        lines.append(f"部门 department: {e.department} {e.department_name}")
    else:
        lines.append("村 village: " + _part(e.village, e.village_label, e.village_type, "无 none"))
    lines.append(f"类型 kind: {kind}")
    lines.append(f"序号 sequence: {e.sequence if e.sequence is not None else '无 none'}")
    return lines


def _part(value: str, label: str | None, type_name: str | None, if_zero: str) -> str:
    if label is None:
        # All zeros (a valid code has no other part without a range): the grid
        # sits above this level.
        return f"{value} ({if_zero})"
    return f"{value} {label} {type_name}"
