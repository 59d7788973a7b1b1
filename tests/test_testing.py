"""The synthetic counties the benchmarks and the acceptance check are built on."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gridgis.crs import gauss_kruger_crs
from gridgis.testing import synthetic_villages
from gridgis.topology import width


@pytest.mark.parametrize("multipart", [False, True])
def test_wiggled_villages_tile_the_outline_without_slivers(
    helan_outline: shapely.Geometry, multipart: bool
) -> None:
    villages = synthetic_villages(
        helan_outline, villages=80, townships=6, seed=3, vertex_spacing=250, multipart=multipart
    )
    metric = villages.to_crs(gauss_kruger_crs(106.2)).geometry.to_numpy()
    outline = gpd.GeoSeries([helan_outline], crs=4326).to_crs(gauss_kruger_crs(106.2)).iloc[0]
    assert shapely.coverage_is_valid(metric)
    assert shapely.area(metric).sum() == pytest.approx(outline.area, rel=1e-9)
    # No wiggled edge cuts a sliver off at the outline: every part is wider than 1 m.
    assert width(shapely.get_parts(metric)).min() > 1.0
    assert villages["code"].is_unique
    assert set(villages.geom_type) <= {"Polygon", "MultiPolygon"}
    if not multipart:
        assert (villages.geom_type == "Polygon").all()


def test_multipart_villages_keep_a_cells_pieces_together() -> None:
    # Two islands 1 km apart, one village seed: one village of two parts.
    islands = shapely.MultiPolygon(
        [shapely.box(106.2, 38.5, 106.21, 38.51), shapely.box(106.222, 38.5, 106.232, 38.51)]
    )
    one = synthetic_villages(islands, villages=1, townships=1, multipart=True)
    assert len(one) == 1 and one.geom_type.iloc[0] == "MultiPolygon"
    apart = synthetic_villages(islands, villages=1, townships=1)
    assert len(apart) == 2 and (apart.geom_type == "Polygon").all()
    assert np.isclose(shapely.area(one.geometry.to_numpy()).sum(), islands.area)
