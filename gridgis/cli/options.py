"""Shared click options and the callbacks that validate option values.

A bad option value is bad usage: the callbacks raise :class:`click.BadParameter`,
so click names the option and exits with code 2 before any work is done.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import click

project_argument = click.argument(
    "project", type=click.Path(dir_okay=False, path_type=Path), metavar="PROJECT.gpkg"
)
overwrite_option = click.option(
    "--overwrite", is_flag=True, help="Replace an existing output file."
)

# The printed documents (notices, cards): a folder of HTML and PDF files.
output_folder_option = click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write into (created if missing).",
)
county_option = click.option(
    "--county",
    "county_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    metavar="FILE",
    help="The county's contacts (TOML with a [county] table; default data/county.toml).",
)
no_pdf_option = click.option(
    "--no-pdf", is_flag=True, help="Write the HTML only (no browser needed)."
)


def positive_float(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """Accept only finite numbers above zero (not 0, -5, nan or inf)."""
    if value is None:
        return value
    if not math.isfinite(value):
        raise click.BadParameter(f"must be a finite number greater than 0, not {value:g}")
    if value <= 0:
        raise click.BadParameter(f"must be greater than 0, not {value:g}")
    return value


def coordinate_system(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Accept a coordinate system name or alias (wgs84, cgcs2000, gcj02, bd09, 高德, 百度 …)."""
    if value is None:
        return value
    from gridgis.coords import normalise_system_name
    from gridgis.errors import InputDataError

    try:
        return normalise_system_name(value)
    except InputDataError as error:
        raise click.BadParameter(str(error)) from None


def text_encoding(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Accept the name of a text encoding Python knows (GBK, GB18030, UTF-8 …)."""
    if value is None:
        return value
    import codecs

    try:
        codecs.lookup(value)
    except LookupError:
        raise click.BadParameter(
            f"{value!r} is not a known text encoding; try GBK, GB18030 or UTF-8"
        ) from None
    return value


def crs_option_value(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Accept a CRS pyproj understands (``EPSG:4326``, a WKT or PROJ string)."""
    if value is None:
        return value
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        CRS.from_user_input(value)
    except CRSError:
        raise click.BadParameter(
            f"{value!r} is not a coordinate reference system; give one such as EPSG:4326 "
            "(WGS 84) or EPSG:4490 (CGCS2000)"
        ) from None
    return value


_ADMIN_CODE = {"village": re.compile(r"^\d{12}$"), "township": re.compile(r"^\d{9}$")}


def admin_codes(
    level: str,
) -> Callable[[click.Context, click.Parameter, tuple[str, ...]], tuple[str, ...]]:
    """Return a callback accepting repeated or comma-separated village or township codes.

    The codes' form is checked here (12 digits for a village, 9 for a
    township); whether the project has them is checked when it is read.
    """
    pattern = _ADMIN_CODE[level]
    digits = 12 if level == "village" else 9

    def callback(
        ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
    ) -> tuple[str, ...]:
        codes = tuple(code.strip() for value in values for code in value.split(",") if code.strip())
        malformed = [code for code in codes if not pattern.match(code)]
        if malformed:
            raise click.BadParameter(
                f"{', '.join(malformed)}: a {level} code has {digits} digits "
                f"(e.g. {'640122101204' if level == 'village' else '640122101'})"
            )
        return codes

    return callback


def file_suffix(
    *suffixes: str,
) -> Callable[[click.Context, click.Parameter, Path | None], Path | None]:
    """Return a callback accepting only a file name ending in one of ``suffixes``.

    Examples
    --------
    >>> @click.option("-o", callback=file_suffix(".png", ".pdf", ".svg"))  # doctest: +SKIP
    """

    def callback(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
        if value is not None and value.suffix.lower() not in suffixes:
            raise click.BadParameter(f"{value.name}: the file must end in {' or '.join(suffixes)}")
        return value

    return callback


def iso_date(ctx: click.Context, param: click.Parameter, value: str | None) -> object:
    """Accept a date written YYYY-MM-DD (``--today 2026-03-31``); return a ``datetime.date``."""
    if value is None:
        return value
    import datetime as dt

    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it YYYY-MM-DD") from None


def uscc_code(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Accept a unified social credit code (GB 32100: 18 characters, check character mod 31)."""
    if value is None:
        return value
    from stdnum.cn import uscc
    from stdnum.exceptions import ValidationError

    try:
        return str(uscc.validate(value))
    except ValidationError as error:
        raise click.BadParameter(f"{value!r} is not a valid USCC ({error})") from None
