"""What the document commands share: choosing grids, output folders and file names.

``gridgis ledger export``, ``notice`` and ``cards`` write one file per
township, village or department into a folder, and choose grids by grid,
village or township code. The checks live here so they say the same thing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gridgis.errors import InputDataError
from gridgis.io.safety import atomic_path, check_output_path
from gridgis.io.store import ProjectReader
from gridgis.render.pdf import find_browser, print_pdfs

__all__ = [
    "HtmlPages",
    "base_grids",
    "check_codes",
    "check_files",
    "file_name",
    "output_folder",
    "print_beside",
    "read_admin",
    "read_staff",
    "require_staff",
]

# Characters Windows and Linux file systems refuse in a name, and controls.
_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def file_name(*parts: str, suffix: str) -> str:
    """Join text into a file name any office computer accepts.

    Examples
    --------
    >>> file_name("640122101204", "谢家井村/一组", suffix=".html")
    '640122101204-谢家井村_一组.html'
    """
    text = "-".join(_FORBIDDEN.sub("_", part).strip(" .") for part in parts if part)
    return text[:120] + suffix


def output_folder(folder: Path, *, protected: Sequence[Path]) -> Path:
    """Create an output folder if it is missing; refuse a path that is a file.

    Raises
    ------
    InputDataError
        If the path is a file (a project, say) or cannot be created.
    """
    folder = Path(folder)
    for guarded in protected:
        if folder.exists() and guarded.exists() and folder.resolve() == guarded.resolve():
            raise InputDataError(f"{folder} is the project; give a folder to write into")
    if folder.exists() and not folder.is_dir():
        raise InputDataError(f"{folder} is a file, not a folder; give a folder to write into")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputDataError(f"cannot create folder {folder}: {error.strerror}") from None
    return folder


def check_files(paths: Iterable[Path], *, overwrite: bool, protected: Sequence[Path]) -> None:
    """Check every file a command will write before writing any (see check_output_path)."""
    for path in paths:
        check_output_path(path, overwrite=overwrite, protected=protected)


def read_admin(reader: ProjectReader) -> gpd.GeoDataFrame:
    """Read the current admin units (county, townships, villages), ordered by code."""
    admin = reader.read_layer("admin_units")
    admin = admin.drop(columns=[c for c in ("valid_from", "valid_to", "row_hash") if c in admin])
    return admin.sort_values("code").reset_index(drop=True)


def read_staff(reader: ProjectReader) -> pd.DataFrame:
    """Read the current staff roster (empty without one)."""
    staff = reader.read_layer("staff")
    return pd.DataFrame(staff.drop(columns="geometry", errors="ignore"))


def require_staff(staff: pd.DataFrame, project: Path, document: str) -> None:
    """Refuse to make a document about people when the project has no roster."""
    if staff.empty:
        raise InputDataError(
            f"{project.name} has no staff roster, and {document} name the grid staff: "
            "import one with 'gridgis staff import' first"
        )


def check_codes(codes: Iterable[str], known: Iterable[str], what: str, project: Path) -> None:
    """Refuse codes the project does not have, naming them."""
    known_set = set(known)
    unknown = [code for code in codes if code not in known_set]
    if unknown:
        raise InputDataError(
            f"{project.name} has no {what} {', '.join(unknown)}; "
            f"check the code{'s' if len(unknown) > 1 else ''} (gridgis export lists them)"
        )


def base_grids(
    grids: gpd.GeoDataFrame,
    admin: pd.DataFrame,
    project: Path,
    *,
    villages: Sequence[str] = (),
    townships: Sequence[str] = (),
) -> gpd.GeoDataFrame:
    """Return the current territorial base grids, of the given villages or townships.

    Raises
    ------
    InputDataError
        If a village or township code is not the project's, or the project has
        no base grids.
    """
    base = grids[(grids["level"] == "base") & (grids["kind"] == "territorial")]
    if base.empty:
        raise InputDataError(f"{project.name} has no base grids; run 'gridgis divide' first")
    levels = admin.set_index("code")["level"]
    check_codes(villages, levels[levels == "village"].index, "village", project)
    check_codes(townships, levels[levels == "township"].index, "township", project)
    village_code = base["admin_code"].astype(str)
    keep = pd.Series(not (villages or townships), index=base.index)
    if villages:
        keep |= village_code.isin(list(villages))
    if townships:
        keep |= village_code.str[:9].isin(list(townships))
    return base[keep].sort_values("grid_code").reset_index(drop=True)


class HtmlPages:
    """Print-ready HTML pages, and their PDFs, written whole or refused before any work.

    Made before the pages are composed, it refuses an output that exists
    (without ``overwrite``) or is the project, and finds the browser that will
    print the PDFs, so a command fails before its work, not half-way.
    :meth:`write` writes one page atomically; :meth:`finish` prints them all.
    """

    def __init__(
        self, paths: Sequence[Path], *, pdf: bool, overwrite: bool, protected: Sequence[Path]
    ) -> None:
        self.paths = list(paths)
        outputs = [*self.paths, *(p.with_suffix(".pdf") for p in self.paths)] if pdf else self.paths
        check_files(outputs, overwrite=overwrite, protected=protected)
        self.browser = find_browser() if pdf and self.paths else None

    def write(self, path: Path, html: str) -> None:
        """Write one page (one of ``paths``)."""
        with atomic_path(path) as temporary:
            temporary.write_text(html, encoding="utf-8")

    def finish(self) -> list[Path]:
        """Print every page to the PDF beside it (when asked); return every file written."""
        if self.browser is None:
            return list(self.paths)
        return [*self.paths, *print_beside(self.paths, self.browser)]


def print_beside(pages: list[Path], browser: str) -> list[Path]:
    """Print each HTML page to the PDF beside it; a failure leaves no half-written PDF.

    Returns
    -------
    list of Path
        The PDFs, in the pages' order.
    """
    jobs = [(page, page.with_name(f".{page.stem}.{os.getpid()}.tmp.pdf")) for page in pages]
    try:
        print_pdfs(jobs, browser=browser)
        for page, temporary in jobs:
            os.replace(temporary, page.with_suffix(".pdf"))
    finally:
        for _, temporary in jobs:
            temporary.unlink(missing_ok=True)
    return [page.with_suffix(".pdf") for page in pages]
