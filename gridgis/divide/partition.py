"""Balanced, contiguous partition of base units: METIS, then repair.

METIS (``pymetis``) splits the unit adjacency graph into ``k`` parts of about
equal load while minimising the weighted edge cut; with shared edge length as
edge weight, a small cut means short grid boundaries, i.e. compact grids.
METIS was chosen on measurement over spopt's max-p and region k-means
(docs/design.md, "Division"; figures in docs/performance.md): it is far
faster, and it balances the load, which region k-means does not.

METIS balances only to a tolerance and may return a part in pieces, so two
repairs follow:

1. *Contiguity*: every stray piece of a part joins the neighbouring part it
   shares the longest boundary with.
2. *Limit*: while a part's load exceeds the limit, a unit on its edge moves to
   a neighbouring part. Moves that fit under the limit come first; otherwise a
   move to a lighter neighbour lowers the pair's maximum (the sum of squared
   loads strictly drops, so this ends). Among moves, the one that shortens
   the boundaries most is taken; a move never cuts its part in two.

If the limit still cannot be met, ``k`` grows by one and METIS runs again.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import pymetis
from numpy.typing import NDArray
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

logger = logging.getLogger(__name__)

#: METIS's allowed imbalance, in thousandths above the mean part load. The
#: limit is enforced afterwards anyway; a tight target keeps grids even.
METIS_UFACTOR = 30
#: Number of METIS runs with different random starts; the best cut is kept.
METIS_NCUTS = 4
#: Relative slack when comparing a load with the limit (floating-point sums).
_EPS = 1e-9


@dataclass
class Partition:
    """A partition of units into parts.

    Attributes
    ----------
    labels : numpy.ndarray
        Part index of each unit, 0..k-1.
    k : int
        Number of parts.
    loads : numpy.ndarray
        Load of each part.
    over_limit : numpy.ndarray
        Parts left over the limit because an indivisible unit alone exceeds it.
    """

    labels: NDArray[np.int64]
    k: int
    loads: NDArray[np.float64]
    over_limit: NDArray[np.bool_]


class _Graph:
    """Unit adjacency as a symmetric CSR matrix of shared edge lengths (metres)."""

    def __init__(
        self, n: int, edges: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]
    ):
        i, j, length = edges
        rows = np.concatenate([i, j])
        cols = np.concatenate([j, i])
        data = np.concatenate([length, length])
        self.n = n
        self.matrix = csr_array((data, (rows, cols)), shape=(n, n))
        self.matrix.sort_indices()
        self.connected = connected_components(self.matrix, directed=False)[0] == 1


def _metis(graph: _Graph, loads: NDArray[np.float64], k: int, seed: int) -> NDArray[np.int64]:
    """Run METIS k-way with shared-length edge weights and load vertex weights."""
    if k >= graph.n:
        return np.arange(graph.n, dtype=np.int64)
    total = float(loads.sum())
    # METIS wants positive integers. Scale loads so the total is about 1e6
    # (rounding error 1e-6 of a grid's load); give every unit weight >= 1 so
    # empty fields are shared out instead of piling into one part.
    scale = 1e6 / total if total > 0 else 1.0
    vweights = np.maximum(np.rint(loads * scale), 1).astype(np.int64)
    eweights = np.maximum(np.rint(graph.matrix.data), 1).astype(np.int64)
    options = pymetis.Options(seed=seed, ufactor=METIS_UFACTOR, ncuts=METIS_NCUTS)
    if graph.connected:
        # Ask METIS for connected parts; it can only promise that on a
        # connected graph.
        options.contig = 1
    adjacency = pymetis.CSRAdjacency(
        graph.matrix.indptr.astype(np.int64), graph.matrix.indices.astype(np.int64)
    )
    _, parts = pymetis.part_graph(
        k,
        adjacency,
        vweights=vweights,
        eweights=eweights,
        recursive=False,
        options=options,
    )
    return np.asarray(parts, dtype=np.int64)


def _make_contiguous(
    graph: _Graph, labels: NDArray[np.int64], loads: NDArray[np.float64]
) -> NDArray[np.int64]:
    """Reassign every stray piece of a part to the neighbour it shares most boundary with."""
    labels = labels.copy()
    coo = graph.matrix.tocoo()
    rows, cols, data = coo.row, coo.col, coo.data
    for _ in range(graph.n):  # each round removes at least one stray piece
        same = labels[rows] == labels[cols]
        inner = csr_array((data[same], (rows[same], cols[same])), shape=(graph.n, graph.n))
        n_comp, comp = connected_components(inner, directed=False)
        comp_load = np.bincount(comp, weights=loads, minlength=n_comp)
        comp_label = np.zeros(n_comp, dtype=np.int64)
        comp_label[comp] = labels
        # The main piece of each part: most load, then lowest first unit.
        first_unit = np.full(n_comp, graph.n)
        np.minimum.at(first_unit, comp, np.arange(graph.n))
        order = np.lexsort((first_unit, -comp_load, comp_label))
        is_main = np.r_[True, comp_label[order][1:] != comp_label[order][:-1]]
        main = np.zeros(n_comp, dtype=bool)
        main[order[is_main]] = True
        stray = ~main[comp]
        if not stray.any():
            return labels
        # Shared length from each stray piece to each other part.
        cross = stray[rows] & (labels[rows] != labels[cols])
        if not cross.any():
            return labels  # isolated pieces (a disconnected graph): nothing to join
        src_comp = comp[rows[cross]]
        dst_label = labels[cols[cross]]
        length = data[cross]
        key, inverse = np.unique(
            np.column_stack([src_comp, dst_label]), axis=0, return_inverse=True
        )
        total = np.bincount(inverse.ravel(), weights=length)
        best = np.lexsort((key[:, 1], -total, key[:, 0]))
        key = key[best]
        first = np.r_[True, key[1:, 0] != key[:-1, 0]]
        target = dict(zip(key[first, 0].tolist(), key[first, 1].tolist(), strict=True))
        moving = stray & np.isin(comp, list(target))
        labels[moving] = [target[c] for c in comp[moving].tolist()]
    return labels


def _enforce_limit(
    graph: _Graph,
    labels: NDArray[np.int64],
    loads: NDArray[np.float64],
    limit: NDArray[np.float64],
    k: int,
) -> tuple[NDArray[np.int64], bool]:
    """Move edge units out of parts over their limit; return labels and success."""
    labels = labels.copy()
    # bincount with weights gives float64 (numpy's stubs say int); astype copies nothing.
    part_load = np.bincount(labels, weights=loads, minlength=k).astype(np.float64, copy=False)
    # Each move is one unit; the sum of squared loads strictly drops with
    # every move, and a bound keeps the worst case linear in the unit count.
    for _ in range(4 * graph.n + 100):
        excess = part_load - limit * (1 + _EPS)
        p = int(np.argmax(excess))
        if excess[p] <= 0:
            return labels, True
        move = _best_move(graph, labels, loads, part_load, limit, p)
        if move is None:
            return labels, False
        u, q = move
        labels[u] = q
        part_load[p] -= loads[u]
        part_load[q] += loads[u]
    return labels, False


def _best_move(
    graph: _Graph,
    labels: NDArray[np.int64],
    loads: NDArray[np.float64],
    part_load: NDArray[np.float64],
    limit: NDArray[np.float64],
    p: int,
) -> tuple[int, int] | None:
    """Pick a unit of part p to hand to a neighbouring part, or None."""
    members = np.nonzero(labels == p)[0]
    if len(members) < 2:
        return None
    indptr, indices, data = graph.matrix.indptr, graph.matrix.indices, graph.matrix.data
    counts = indptr[members + 1] - indptr[members]
    u = np.repeat(members, counts)
    edge = np.concatenate([np.arange(indptr[m], indptr[m + 1]) for m in members.tolist()])
    q = labels[indices[edge]]
    length = data[edge]
    own = np.bincount(u[q == p], weights=length[q == p], minlength=graph.n)
    out = (q != p) & (loads[u] > 0)
    if not out.any():
        return None
    # Shared length of each (unit, neighbouring part) pair.
    pairs, inverse = np.unique(np.column_stack([u[out], q[out]]), axis=0, return_inverse=True)
    shared = np.bincount(inverse.ravel(), weights=length[out], minlength=len(pairs))
    cu, cq = pairs[:, 0], pairs[:, 1]
    after = part_load[cq] + loads[cu]
    fits = after <= limit[cq] * (1 + _EPS)
    lowers = after < part_load[p]
    ok = fits | lowers
    if not ok.any():
        return None
    cu, cq, fits, gain = cu[ok], cq[ok], fits[ok], (shared - own[cu])[ok]
    # Moves that fit first, then the one that shortens boundaries most.
    order = np.lexsort((cq, cu, -gain, ~fits))
    sub = graph.matrix[members][:, members]
    position = {m: i for i, m in enumerate(members.tolist())}
    tried: set[int] = set()
    for c in order.tolist():  # usually the first candidate is taken
        unit = int(cu[c])
        if unit in tried:
            continue
        tried.add(unit)
        keep = np.ones(len(members), dtype=bool)
        keep[position[unit]] = False
        rest = sub[keep][:, keep]
        if connected_components(rest, directed=False)[0] == 1:
            return unit, int(cq[c])
    return None


def partition_units(
    n: int,
    edges: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]],
    loads: NDArray[np.float64],
    max_load: float,
    *,
    seed: int = 0,
    headroom: float = 0.0,
) -> Partition:
    """Split units into the fewest contiguous parts with load at most ``max_load``.

    Parameters
    ----------
    n : int
        Number of units.
    edges : tuple of numpy.ndarray
        ``(i, j, length_m)`` unit adjacency with shared edge lengths.
    loads : numpy.ndarray
        Load per unit.
    max_load : float
        Limit per part.
    seed : int, optional
        METIS random seed; the same seed gives the same partition.
    headroom : float, optional
        Share of ``max_load`` to keep free in every part when the number of
        parts allows it, so that later reshaping (straightening edges) can
        move some load without passing the limit. Never adds a part.

    Returns
    -------
    Partition
        Labels, part count and loads. A unit whose own load exceeds
        ``max_load`` gets a part of its own if it can, and that part is
        flagged in ``over_limit``.

    Examples
    --------
    >>> import numpy as np
    >>> edges = (np.array([0, 1, 2]), np.array([1, 2, 3]), np.ones(3))
    >>> partition_units(4, edges, np.ones(4), 2.0).k
    2
    """
    loads = np.asarray(loads, dtype=float)
    total = float(loads.sum())
    if n == 0:
        raise ValueError("no units to partition")
    if total <= max_load * (1 + _EPS) or n == 1:
        labels = np.zeros(n, dtype=np.int64)
        return Partition(labels, 1, np.array([total]), np.array([total > max_load * (1 + _EPS)]))
    graph = _Graph(n, edges)
    oversized = loads > max_load * (1 + _EPS)
    rest = float(loads[~oversized].sum())
    k = int(oversized.sum()) + (math.ceil(rest / max_load - _EPS) if rest > 0 else 0)
    k = min(max(k, 2), n)
    # Doubling the count is far past need when units are fine; it bounds the
    # time spent on hopeless inputs (coarse blocks that cannot pack).
    last_k = min(n, 2 * k + 4)
    best: tuple[float, NDArray[np.int64], int] | None = None
    ok = False
    while k <= last_k and not ok:
        metis_labels = _metis(graph, loads, k, seed)
        metis_labels = _relabel_parts(_make_contiguous(graph, metis_labels, loads))
        k_eff = int(metis_labels.max()) + 1
        # Aim below the limit when the mean load leaves room, else at it.
        mean = rest / max(1, k - int(oversized.sum()))
        preferred = min(max_load, max(max_load * (1 - headroom), 1.02 * mean))
        for cap in dict.fromkeys([preferred, max_load]):
            limit = _limits(metis_labels, loads, oversized, cap, k_eff)
            labels, ok = _enforce_limit(graph, metis_labels, loads, limit, k_eff)
            part_load = np.bincount(labels, weights=loads, minlength=k_eff).astype(
                np.float64, copy=False
            )
            worst = float(np.max(part_load / _limits(labels, loads, oversized, max_load, k_eff)))
            if best is None or worst < best[0] or ok:
                best = (worst, labels, k_eff)
            if ok:
                break
        if not ok:
            logger.debug("k=%d leaves a part at %.3f of the limit; trying k=%d", k, worst, k + 1)
            k += 1
    assert best is not None
    if not ok:
        logger.warning("could not bring every grid within the limit (worst %.3f)", best[0])
    _, labels, k_eff = best
    labels = _relabel_parts(labels)
    k_eff = int(labels.max()) + 1
    part_load = np.bincount(labels, weights=loads, minlength=k_eff).astype(np.float64, copy=False)
    return Partition(labels, k_eff, part_load, part_load > max_load * (1 + _EPS))


def _limits(
    labels: NDArray[np.int64],
    loads: NDArray[np.float64],
    oversized: NDArray[np.bool_],
    max_load: float,
    k: int,
) -> NDArray[np.float64]:
    """Per-part limit: max_load, or the heaviest indivisible unit the part holds."""
    limit = np.full(k, max_load)
    if oversized.any():
        np.maximum.at(limit, labels[oversized], loads[oversized])
    return limit


def _relabel_parts(labels: NDArray[np.int64]) -> NDArray[np.int64]:
    """Renumber parts 0.. by their lowest unit, dropping empty part numbers."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))
    return rank[inverse.ravel()].astype(np.int64)
