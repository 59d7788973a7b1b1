"""Synthetic counties for tests and benchmarks.

:func:`synthetic_villages` tiles a real outline into Voronoi villages grouped
into townships, with codes of the real structure. With ``vertex_spacing`` the
shared edges are densified and gently wiggled as one noded line network
before polygonising, so neighbours share every vertex exactly, as surveyed
boundary data does, and the vertex count can be made province-sized.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from gridgis.crs import gauss_kruger_crs

_SYLLABLES = list("金银红新和平安丰乐华兴东西南北河山湖川园林泉沟湾庄堡桥营台光明永宁富康")


def synthetic_names(count: int, suffix: str, rng: np.random.Generator) -> list[str]:
    """Return ``count`` distinct two- or three-syllable Chinese names ending in ``suffix``."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        size = 2 if len(seen) < len(_SYLLABLES) ** 2 // 2 else 3
        name = "".join(rng.choice(_SYLLABLES, size)) + suffix
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def synthetic_villages(
    outline: shapely.Geometry,
    *,
    villages: int,
    townships: int,
    county_code: str = "640122",
    seed: int = 0,
    vertex_spacing: float | None = None,
    crs: str = "EPSG:4326",
    multipart: bool = False,
) -> gpd.GeoDataFrame:
    """Tile an outline into villages with 12-digit codes, names and households.

    Parameters
    ----------
    outline : shapely Polygon or MultiPolygon
        The county outline, in ``crs`` degrees.
    villages, townships : int
        How many of each.
    county_code : str
        The 6-digit county code.
    seed : int
        Random seed; the same seed gives the same villages.
    vertex_spacing : float, optional
        If given (in metres), shared edges are densified to about this spacing
        and wiggled, so each village has many vertices.
    crs : str
        CRS of ``outline`` and of the result.
    multipart : bool
        Keep the pieces of a cell that the outline cuts apart (islands, or
        the two sides of a bay) as one MultiPolygon village, as island
        villages are surveyed. Default: every piece is a village of its own.

    Returns
    -------
    GeoDataFrame
        ``code``, ``name``, ``township_name``, ``households``, and Polygon
        geometry (Polygon or MultiPolygon with ``multipart``).
    """
    rng = np.random.default_rng(seed)
    metric = gauss_kruger_crs(shapely.centroid(outline).x)
    shape = gpd.GeoSeries([outline], crs=crs).to_crs(metric).iloc[0]
    points = _points_inside(shape, villages, rng)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(points), extend_to=shape)
    )
    if vertex_spacing is None:
        faces = shapely.intersection(cells, shape)
        faces = faces[~shapely.is_empty(faces)]
        faces = _polygonal(faces) if multipart else _single_parts(faces)
    else:
        faces = _single_parts(_wiggled_faces(cells, shape, vertex_spacing, rng))
        if multipart:
            faces = _regroup_by_cell(faces, cells)
    frame = gpd.GeoDataFrame(geometry=faces, crs=metric)
    # Townships: villages nearest to each of a few seeds.
    seeds = _points_inside(shape, townships, rng)
    centres = shapely.point_on_surface(frame.geometry.to_numpy())
    distance = shapely.distance(centres[:, None], seeds[None, :])
    frame["township"] = np.argmin(distance, axis=1)
    frame["x"] = shapely.get_x(centres)
    frame["y"] = shapely.get_y(centres)
    frame = frame.sort_values(["township", "y", "x"], ascending=[True, False, True])
    township_names = synthetic_names(townships, "镇", rng)
    village_names = synthetic_names(len(frame), "村", rng)
    sequence = frame.groupby("township").cumcount().to_numpy()
    township_part = 100 + frame["township"].to_numpy()
    frame["code"] = [
        f"{county_code}{t:03d}{200 + s:03d}" for t, s in zip(township_part, sequence, strict=True)
    ]
    frame["name"] = village_names
    frame["township_name"] = [township_names[t] for t in frame["township"]]
    frame["households"] = rng.integers(150, 1500, len(frame))
    result = frame[["code", "name", "township_name", "households", "geometry"]]
    return result.sort_values("code").reset_index(drop=True).to_crs(crs)


def _points_inside(shape: shapely.Geometry, count: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = shape.bounds
    found = np.empty(0, dtype=object)
    while len(found) < count:
        candidates = shapely.points(
            rng.uniform(minx, maxx, count * 3), rng.uniform(miny, maxy, count * 3)
        )
        found = np.concatenate([found, candidates[shapely.contains(shape, candidates)]])
    return found[:count]


def _wiggled_faces(
    cells: np.ndarray, shape: shapely.Geometry, spacing: float, rng: np.random.Generator
) -> np.ndarray:
    """Polygonise densified, wiggled Voronoi edges so neighbours share vertices."""
    edges = shapely.intersection(shapely.boundary(cells), shape)
    network = shapely.union_all(np.concatenate([edges, [shape.boundary]]))
    network = shapely.segmentize(network, spacing)
    coordinates = shapely.get_coordinates(network)
    to_outline = shapely.distance(shapely.points(coordinates), shape.boundary)
    phase = rng.uniform(0, 2 * np.pi, 2)
    # A smooth function of position moves a vertex shared by two lines identically.
    shift = (
        0.2
        * spacing
        * np.column_stack(
            [
                np.sin(coordinates[:, 1] / (3 * spacing) + phase[0]),
                np.sin(coordinates[:, 0] / (3 * spacing) + phase[1]),
            ]
        )
    )
    # Vertices on the outline stay; near it they move less than their distance
    # to it, so no edge is pushed across the outline to cut off a sliver face.
    shift *= np.clip(to_outline / (0.3 * spacing), 0, 1)[:, None]
    shift[to_outline < 1e-6] = 0
    network = shapely.set_coordinates(network, coordinates + shift)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.node(network))))
    inside = shapely.contains(shape, shapely.point_on_surface(faces))
    return faces[inside]


def _polygonal(faces: np.ndarray) -> np.ndarray:
    """Keep only the areal parts of each face: Polygon, or MultiPolygon if several."""
    kept = []
    for face in faces:  # a few thousand faces, once per synthetic county
        parts = shapely.get_parts(face)
        parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)]
        if len(parts):
            kept.append(parts[0] if len(parts) == 1 else shapely.multipolygons(parts))
    return np.array(kept, dtype=object)


def _regroup_by_cell(faces: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Group polygonised faces by the Voronoi cell each mostly lies in.

    The parts are put together unchanged (no union), so neighbours still share
    every vertex exactly.
    """
    face_index, cell_index = shapely.STRtree(cells).query(faces, predicate="intersects")
    overlap = shapely.area(shapely.intersection(faces[face_index], cells[cell_index]))
    order = np.lexsort((-overlap, face_index))
    first = np.unique(face_index[order], return_index=True)[1]
    owner = np.full(len(faces), -1)
    owner[face_index[order][first]] = cell_index[order][first]
    grouped = []
    for cell in np.unique(owner):  # one village per cell
        parts = faces[owner == cell]
        grouped.append(parts[0] if len(parts) == 1 else shapely.multipolygons(parts))
    return np.array(grouped, dtype=object)


def _single_parts(faces: np.ndarray) -> np.ndarray:
    """Split cells cut in two by a concave outline: every village is one polygon."""
    parts = shapely.get_parts(faces)
    return parts[shapely.area(parts) > 0]
