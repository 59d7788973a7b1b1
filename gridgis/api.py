"""The library's front door: :func:`open` a project, read it, change it.

``gridgis.open(path)`` returns a :class:`Project`. Its readers return
GeoDataFrames or DataFrames, at the current or an earlier version, with the
same columns as ``gridgis export``; its methods mirror the commands, take the
same arguments and return the same reports, which print well in a notebook.
The command line calls these methods, so the two cannot drift apart.

>>> import gridgis
>>> project = gridgis.open("out/helan.gpkg")                    # doctest: +SKIP
>>> project.grids(level="base").plot()                          # doctest: +SKIP
>>> project.divide(villages=["640122101204"], by="households", max_load=200)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gridgis.io.store import open_project, project_layout
from gridgis.progress import Progress, silent

if TYPE_CHECKING:
    import datetime as dt

    import geopandas as gpd
    import pandas as pd

    from gridgis.divide.api import LoadKind
    from gridgis.project.assign import AssignReport
    from gridgis.project.divide import DivideReport
    from gridgis.project.filing import FilingReport
    from gridgis.project.hazards import HazardImportReport, HazardList, HazardUpdateReport
    from gridgis.project.init import InitReport
    from gridgis.project.ledger import ImportReport
    from gridgis.project.locate import LocateAnswer, PointsReport
    from gridgis.project.map import MapReport
    from gridgis.project.staff import StaffImportReport
    from gridgis.topology import CheckResult

#: What a change made from Python records as its command in the version log.
API_COMMAND = "gridgis (Python)"


def _levels(level: str | Sequence[str] | None) -> tuple[str, ...]:
    if level is None:
        return ()
    return (level,) if isinstance(level, str) else tuple(level)


class Project:
    """A county project: one GeoPackage, read at any version, changed one version at a time.

    Obtain one with :func:`open` (or :func:`init` for a new project).

    Parameters
    ----------
    path : Path or str
        The project GeoPackage.

    Raises
    ------
    StoreError
        If the file is missing or not a gridgis project.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        project_layout(self.path)  # a missing file or another GeoPackage is refused now

    def __repr__(self) -> str:
        reader = open_project(self.path)
        meta = reader.meta()
        return (
            f"Project({str(self.path)!r}: {meta.get('county_name', '')} "
            f"{meta.get('county_code', '')}, version {reader.current_version})"
        )

    # -- reading -----------------------------------------------------------------
    def versions(self) -> pd.DataFrame:
        """Return the version log: id, time (UTC), command, note, parent."""
        return open_project(self.path).versions()

    def grids(
        self, level: str | Sequence[str] | None = None, *, version: int | None = None
    ) -> gpd.GeoDataFrame:
        """Return the grids, with the columns of ``gridgis export --layer grids``.

        Parameters
        ----------
        level : str or sequence of str, optional
            ``base``, ``village``, ``township``, ``county`` or ``sector``
            (default: every grid).
        version : int, optional
            Default: the current version.
        """
        return self._layer("grids", version=version, levels=_levels(level))

    def admin_units(self, *, version: int | None = None) -> gpd.GeoDataFrame:
        """Return the county, townships and villages (``--layer admin_units``)."""
        return self._layer("admin_units", version=version)

    def enterprises(self, *, version: int | None = None) -> gpd.GeoDataFrame:
        """Return the enterprises as imported, with their points (``--layer enterprises``)."""
        return self._layer("enterprises", version=version)

    def assignments(self, *, version: int | None = None) -> gpd.GeoDataFrame:
        """Return where each enterprise went, at its point (``--layer assignments``)."""
        return self._layer("assignments", version=version)

    def staff(self, *, version: int | None = None) -> pd.DataFrame:
        """Return the roster, with where each person serves (``--layer staff``)."""
        return self._layer("staff", version=version)

    def diff(self, before: int, after: int) -> pd.DataFrame:
        """Classify every grid between two versions (what ``gridgis diff`` lists)."""
        from gridgis.project.diff import diff_versions

        return diff_versions(self.path, before, after)

    def _layer(
        self, layer: str, *, version: int | None = None, levels: Sequence[str] = ()
    ) -> pd.DataFrame:
        from gridgis.project.export import read_exported

        return read_exported(self.path, layer, version=version, levels=levels)

    # -- changing ----------------------------------------------------------------
    def check(
        self,
        *,
        save: bool = False,
        output: Path | str | None = None,
        overwrite: bool = False,
        tolerance: float = 1.0,
        gap_width: float = 1.0,
        sliver_width: float = 1.0,
        command: str = API_COMMAND,
    ) -> CheckResult:
        """Check codes and topology (``gridgis check``); change the project only if ``save``."""
        from gridgis.project.check import check_project
        from gridgis.topology import CheckSettings

        return check_project(
            self.path,
            command=command,
            settings=CheckSettings(tolerance, gap_width, sliver_width),
            output=Path(output) if output is not None else None,
            overwrite=overwrite,
            save=save,
        )

    def divide(
        self,
        *,
        by: LoadKind,
        max_load: float,
        villages: Sequence[str] = (),
        townships: Sequence[str] = (),
        barriers: Sequence[Path | str] = (),
        load_points: Path | str | None = None,
        weight_field: str | None = None,
        buildings: Path | str | None = None,
        seed: int = 0,
        progress: Progress = silent,
        command: str = API_COMMAND,
    ) -> DivideReport:
        """Divide villages into coded base grids (``gridgis divide``), as a new version."""
        from gridgis.project.divide import divide_project

        return divide_project(
            self.path,
            by=by,
            max_load=max_load,
            command=command,
            villages=tuple(villages),
            townships=tuple(townships),
            barriers=tuple(Path(b) for b in barriers),
            load_points=Path(load_points) if load_points else None,
            weight_field=weight_field,
            buildings=Path(buildings) if buildings else None,
            seed=seed,
            progress=progress,
        )

    def import_ledger(
        self,
        ledger: Path | str,
        *,
        sheet: str | None = None,
        coords: str | None = None,
        coords_column: str | None = None,
        encoding: str | None = None,
        progress: Progress = silent,
        command: str = API_COMMAND,
    ) -> ImportReport:
        """Import (or re-import) an enterprise ledger (``gridgis enterprises import``)."""
        from gridgis.project.ledger import import_ledger

        return import_ledger(
            self.path,
            Path(ledger),
            command=command,
            sheet=sheet,
            coords=coords,
            coords_column=coords_column,
            encoding=encoding,
            progress=progress,
        )

    def import_staff(
        self,
        roster: Path | str,
        *,
        sheet: str | None = None,
        encoding: str | None = None,
        progress: Progress = silent,
        command: str = API_COMMAND,
    ) -> StaffImportReport:
        """Import (or re-import) the staff roster (``gridgis staff import``)."""
        from gridgis.project.staff import import_staff

        return import_staff(
            self.path,
            Path(roster),
            command=command,
            sheet=sheet,
            encoding=encoding,
            progress=progress,
        )

    def assign(
        self,
        *,
        rules: Path | str | None = None,
        progress: Progress = silent,
        command: str = API_COMMAND,
    ) -> AssignReport:
        """Place every enterprise in one grid, or report why not (``gridgis assign``)."""
        from gridgis.project.assign import assign_project

        return assign_project(
            self.path,
            command=command,
            rules_path=Path(rules) if rules else None,
            progress=progress,
        )

    def export(
        self,
        layer: str,
        output: Path | str | None,
        *,
        version: int | None = None,
        level: str | Sequence[str] | None = None,
        driver: str | None = None,
        crs: str | None = None,
        overwrite: bool = False,
    ) -> int:
        """Write a layer to a file, or to standard output when ``output`` is None.

        See ``gridgis export``; returns the rows written.
        """
        from gridgis.project.export import export_layer

        return export_layer(
            self.path,
            layer,
            Path(output) if output is not None else None,
            version=version,
            levels=_levels(level),
            driver=driver,
            crs=crs,
            overwrite=overwrite,
        )

    def quality_report(self) -> dict[str, pd.DataFrame]:
        """Return the data-quality sheets of ``gridgis report``, one per kind of problem."""
        from gridgis.project.report import quality_report

        return quality_report(self.path)

    def upgrade(self, *, command: str = API_COMMAND) -> int | None:
        """Upgrade a project made by an earlier gridgis; return the version made, if any."""
        from gridgis.project.upgrade import upgrade

        return upgrade(self.path, command=command)[1]

    # -- the supervision diagram, and the filing to the prefecture --------------------
    def map(
        self,
        output: Path | str,
        *,
        basemap: str = "none",
        tianditu_key: str | None = None,
        public: bool = False,
        townships: Sequence[str] = (),
        version: int | None = None,
        title: str | None = None,
        overwrite: bool = False,
    ) -> MapReport:
        """Write the supervision diagram as one offline HTML file (``gridgis map``)."""
        from gridgis.project.map import write_map

        return write_map(
            self.path,
            Path(output),
            basemap_name=basemap,
            tianditu_key=tianditu_key,
            public=public,
            townships=townships,
            version=version,
            title=title,
            overwrite=overwrite,
        )

    def filing(
        self,
        output: Path | str,
        *,
        since: int | None = None,
        to: int | None = None,
        note: str = "",
        county_file: Path | str | None = None,
        overwrite: bool = False,
        command: str = API_COMMAND,
    ) -> FilingReport:
        """Write the grid changes since the last filing as a filing zip (``filing create``).

        The project records the filing as a new version; ``since`` defaults to
        where the last filing ended and ``to`` to the current version.
        """
        from gridgis.project.filing import create_filing

        return create_filing(
            self.path,
            Path(output),
            since=since,
            to=to,
            note=note,
            overwrite=overwrite,
            county_file=Path(county_file) if county_file is not None else None,
            command=command,
        )

    # -- who is responsible, and the hazard-report loop ------------------------------
    def locate(
        self,
        lon: float | None = None,
        lat: float | None = None,
        *,
        coords: str | None = None,
        address: str | None = None,
        uscc: str | None = None,
        version: int | None = None,
    ) -> LocateAnswer:
        """Name the grid, village, township and people of a point, address or unit.

        See ``gridgis locate``: give ``lon`` and ``lat`` (in ``coords``), an
        ``address`` or a ``uscc``.
        """
        from gridgis.project.locate import locate_place

        return locate_place(
            self.path,
            lon=lon,
            lat=lat,
            coords=coords,
            address=address,
            uscc=uscc,
            version=version,
        )

    def locate_points(
        self,
        points: Path | str,
        output: Path | str,
        *,
        coords: str | None = None,
        sheet: str | None = None,
        encoding: str | None = None,
        overwrite: bool = False,
        version: int | None = None,
    ) -> PointsReport:
        """Locate every row of a file of points and write it again with its grid (``--points``)."""
        from gridgis.project.locate import locate_points

        return locate_points(
            self.path,
            Path(points),
            Path(output),
            coords=coords,
            sheet=sheet,
            encoding=encoding,
            overwrite=overwrite,
            version=version,
        )

    def import_hazards(
        self,
        reports: Path | str,
        *,
        config: Path | str | None = None,
        coords: str | None = None,
        sheet: str | None = None,
        encoding: str | None = None,
        today: dt.date | None = None,
        command: str = API_COMMAND,
    ) -> HazardImportReport:
        """Import and route hazard reports as a new version (``gridgis hazards import``)."""
        from gridgis.project.hazards import import_hazards

        return import_hazards(
            self.path,
            Path(reports),
            command=command,
            config=Path(config) if config else None,
            coords=coords,
            sheet=sheet,
            encoding=encoding,
            today=today,
        )

    def update_hazards(
        self,
        feedback: Path | str,
        *,
        sheet: str | None = None,
        encoding: str | None = None,
        today: dt.date | None = None,
        command: str = API_COMMAND,
    ) -> HazardUpdateReport:
        """Apply a feedback file to the hazard reports as a new version (``hazards update``)."""
        from gridgis.project.hazards import update_hazards

        return update_hazards(
            self.path,
            Path(feedback),
            command=command,
            sheet=sheet,
            encoding=encoding,
            today=today,
        )

    def hazards(
        self,
        *,
        today: dt.date | None = None,
        only: str | None = None,
        grid: str | None = None,
        township: str | None = None,
        department: int | None = None,
        version: int | None = None,
        output: Path | str | None = None,
        overwrite: bool = False,
    ) -> HazardList:
        """Return the hazard reports judged on a day, and their counts (``hazards list``)."""
        from gridgis.project.hazards import list_hazards

        return list_hazards(
            self.path,
            today=today,
            only=only,
            grid=grid,
            township=township,
            department=department,
            version=version,
            output=Path(output) if output is not None else None,
            overwrite=overwrite,
        )


def open(path: Path | str) -> Project:
    """Open a county project.

    Parameters
    ----------
    path : Path or str
        The project GeoPackage.

    Returns
    -------
    Project

    Raises
    ------
    StoreError
        If the file is missing or not a gridgis project.
    """
    return Project(path)


def init(
    path: Path | str,
    admin_files: Sequence[Path | str],
    *,
    layer: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    encoding: str | None = None,
    crs: str | None = None,
    overwrite: bool = False,
    command: str = API_COMMAND,
) -> tuple[Project, InitReport]:
    """Create a project from administrative boundary files (``gridgis init``).

    Returns
    -------
    tuple
        The new :class:`Project` and what ``init`` read, repaired and built.
    """
    from gridgis.project.init import init_project

    report = init_project(
        Path(path),
        [Path(p) for p in admin_files],
        command=command,
        layer=layer,
        code_field=code_field,
        name_field=name_field,
        encoding=encoding,
        crs=crs,
        overwrite=overwrite,
    )
    return Project(path), report
