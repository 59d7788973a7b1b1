"""The filing steps of ``gridgis demo``: file the grids with the prefecture, and apply the filings.

They run the real commands on the demo project: the county's first filing
(every grid, the prefecture's baseline), then two more villages re-divided
and the enterprises assigned again, the filing of those changes, both
filings verified, and both applied to a fresh GeoPackage registry of 银川市
(640100, the prefecture of 贺兰县).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import click

#: The villages re-divided for the filing of changes: 春晖社区 and 兴源社区.
FILED_VILLAGES = ("640122102001", "640122103001")
FILED_MAX_HOUSEHOLDS = 200
#: The prefecture whose registry the demo fills: 银川市.
PREFECTURE = "640100"


@dataclass
class DemoFiling:
    """What the filing steps did: one summary line per step, and the files."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    files: list[tuple[str, Path]] = field(default_factory=list)


def run_filing_steps(
    ctx: click.Context, project: Path, outdir: Path, barriers: tuple[Path, ...]
) -> DemoFiling:
    """File the demo county's grids, re-divide two villages, file again, apply both.

    Parameters
    ----------
    ctx : click.Context
        The demo's context (the commands run inside it).
    project : Path
        The assigned demo project.
    outdir : Path
        The demo's output folder.
    barriers : tuple of Path
        The demo's roads and canals, for the re-division.

    Returns
    -------
    DemoFiling
    """
    from gridgis.cli.assign import assign
    from gridgis.cli.divide import divide
    from gridgis.cli.filing import apply, create, verify
    from gridgis.cli.registry import init

    county_file = outdir / "county.toml"
    contacts = county_file if county_file.exists() else None
    baseline, changes = outdir / "filing_1.zip", outdir / "filing_2.zip"
    registry = outdir / "registry.gpkg"
    done = DemoFiling()
    first = ctx.invoke(
        create,
        project=project,
        note="首次备案：全县网格划分",
        county_file=contacts,
        output=baseline,
        overwrite=True,
    )
    ctx.invoke(
        divide,
        project=project,
        villages=FILED_VILLAGES,
        by="households",
        max_load=FILED_MAX_HOUSEHOLDS,
        barriers=barriers,
    )
    assigned = ctx.invoke(assign, project=project)
    second = ctx.invoke(
        create,
        project=project,
        note=f"春晖社区、兴源社区按每格不超过 {FILED_MAX_HOUSEHOLDS} 户重新划分网格",
        county_file=contacts,
        output=changes,
        overwrite=True,
    )
    counts = second.counts
    changed = ", ".join(
        f"{counts[c]} {c}"
        for c in ("new", "split", "merged", "boundary changed", "retired")
        if counts.get(c)
    )
    done.lines.append(
        (
            "file",
            f"baseline {first.filing_id} ({first.counts['current']} grids); villages "
            f"{' and '.join(FILED_VILLAGES)} re-divided at ≤ {FILED_MAX_HOUSEHOLDS} households "
            f"and re-assigned ({assigned.conservation}); filing {second.filing_id}: {changed}",
        )
    )
    for filing in (baseline, changes):
        ctx.invoke(verify, filing_zip=filing)
    ctx.invoke(init, target=str(registry), prefecture=PREFECTURE, region=None, overwrite=True)
    for filing in (baseline, changes):
        ctx.invoke(apply, target=str(registry), filing_zip=filing)
    done.lines.append(
        (
            "registry",
            f"both filings verified clean and applied, in order, to a fresh registry of "
            f"prefecture {PREFECTURE}: {counts['current']} current grids of 640122",
        )
    )
    done.files += [
        ("filing: baseline", baseline),
        ("filing: changes", changes),
        ("prefecture registry", registry),
    ]
    return done
