"""Tests of the METIS partition and its repairs (gridgis.divide.partition)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from gridgis.divide.partition import partition_units


def grid_graph(rows: int, cols: int):
    """Edges of a rows x cols lattice of unit squares (shared length 1)."""
    index = np.arange(rows * cols).reshape(rows, cols)
    i = np.concatenate([index[:, :-1].ravel(), index[:-1, :].ravel()])
    j = np.concatenate([index[:, 1:].ravel(), index[1:, :].ravel()])
    return rows * cols, (i, j, np.ones(len(i)))


def contiguous(n, edges, labels):
    i, j, _ = edges
    for part in np.unique(labels):
        members = np.nonzero(labels == part)[0]
        keep = (labels[i] == part) & (labels[j] == part)
        graph = coo_array((np.ones(keep.sum()), (i[keep], j[keep])), shape=(n, n)).tocsr()
        sub = graph[members][:, members]
        if connected_components(sub, directed=False)[0] != 1:
            return False
    return True


def test_fewest_contiguous_parts_within_limit():
    n, edges = grid_graph(10, 10)
    result = partition_units(n, edges, np.ones(n), 25.0)
    assert result.k == 4
    assert result.loads.max() <= 25.0
    assert contiguous(n, edges, result.labels)
    assert not result.over_limit.any()


def test_tight_limit_is_met_by_repair():
    n, edges = grid_graph(20, 20)
    rng = np.random.default_rng(1)
    loads = rng.uniform(0.5, 1.5, n)
    limit = loads.sum() / 3.95  # little room: 3.95 limits in 4 parts
    result = partition_units(n, edges, loads, limit)
    assert result.k == 4
    assert result.loads.max() <= limit * (1 + 1e-9)
    assert contiguous(n, edges, result.labels)


def test_indivisible_unit_gets_its_own_part():
    n, edges = grid_graph(6, 6)
    loads = np.ones(n)
    loads[14] = 50.0
    result = partition_units(n, edges, loads, 10.0)
    heavy = result.labels[14]
    assert result.over_limit[heavy]
    assert result.loads[heavy] == pytest.approx(50.0)
    assert (result.loads[~result.over_limit] <= 10.0).all()
    assert contiguous(n, edges, result.labels)


def test_within_limit_is_one_part():
    n, edges = grid_graph(3, 3)
    result = partition_units(n, edges, np.ones(n), 9.0)
    assert result.k == 1 and (result.labels == 0).all()


def test_same_seed_same_partition():
    n, edges = grid_graph(12, 12)
    loads = np.random.default_rng(2).uniform(0, 2, n)
    first = partition_units(n, edges, loads, 30.0, seed=7)
    second = partition_units(n, edges, loads, 30.0, seed=7)
    assert np.array_equal(first.labels, second.labels)
