"""Filings to the prefecture, and the prefecture's registry of every county's grids.

The guideline requires every division or adjustment of grids to be filed with
the prefecture-level city's grid office (docs/domain.md, "Grids"). A filing is
one zip that a county makes with ``gridgis filing create`` and the prefecture
checks with ``gridgis filing verify`` and merges into its registry with
``gridgis filing apply``. One module per job:

* :mod:`~gridgis.filing.manifest`: the manifest (``manifest.json``): what it
  holds, how a filing is identified, and its schema check;
* :mod:`~gridgis.filing.package`: writing the zip, and reading it safely
  (member names, sizes, checksums) without unpacking anything to disk;
* :mod:`~gridgis.filing.layers`: ``grids.gpkg`` (layers ``before``, ``after``,
  ``current``) and the change table, written and read back;
* :mod:`~gridgis.filing.changes`: the change table, one row per grid change
  (pure: frames in, frame out);
* :mod:`~gridgis.filing.verify`: every check a prefecture makes of a filing;
* :mod:`~gridgis.filing.registry`: the registry's use cases (init, apply, log,
  export), whatever holds it;
* :mod:`~gridgis.filing.backend`: what a registry's home must do, and where it is
  (a ``.gpkg`` path or a ``postgresql://`` URL);
* :mod:`~gridgis.filing.gpkg_registry` and :mod:`~gridgis.filing.postgis`: the
  two places a registry lives, an embedded GeoPackage or a PostGIS schema.

The county's side, reading the project and writing the zip, is the use case
:mod:`gridgis.project.filing`.
"""
