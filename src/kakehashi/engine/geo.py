"""Distances on the earth: the one great-circle formula that matching, employer targeting, the visit plan and
the benchmarks use.

Distances are exact haversine ones on a sphere of the earth's mean radius, not a flat approximation: a commute
limit of 10 km decides 10.0 km the way a map would, and the same pair of places is the same distance on every
page. Unknown coordinates (NaN) give NaN, which compares false with every limit.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArr = npt.NDArray[np.float64]

EARTH_RADIUS_KM = 6371.0088  # the IUGG mean radius


def great_circle_km(
    lat1: npt.ArrayLike,
    lng1: npt.ArrayLike,
    lat2: npt.ArrayLike,
    lng2: npt.ArrayLike,
    *,
    cos_lat1: npt.ArrayLike | None = None,
    cos_lat2: npt.ArrayLike | None = None,
) -> FloatArr:
    """Great-circle distance in km between points given in **radians**, element-wise with broadcasting.

    ``cos_lat1`` / ``cos_lat2`` may be passed when the caller keeps the cosines of its latitudes (the matching
    index does, for every record), so that a query computes no cosine per pair."""
    p1 = np.asarray(lat1, dtype=np.float64)
    p2 = np.asarray(lat2, dtype=np.float64)
    c1 = np.cos(p1) if cos_lat1 is None else np.asarray(cos_lat1, dtype=np.float64)
    c2 = np.cos(p2) if cos_lat2 is None else np.asarray(cos_lat2, dtype=np.float64)
    half_dlat = (p2 - p1) * 0.5
    half_dlng = (np.asarray(lng2, dtype=np.float64) - np.asarray(lng1, dtype=np.float64)) * 0.5
    a = np.sin(half_dlat) ** 2 + c1 * c2 * np.sin(half_dlng) ** 2
    return np.asarray(2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0))), dtype=np.float64)


def haversine_km(lat1: npt.ArrayLike, lng1: npt.ArrayLike, lat2: npt.ArrayLike, lng2: npt.ArrayLike) -> FloatArr:
    """Great-circle distance in km between points given in **degrees** (as records store them), element-wise
    with broadcasting; NaN where a coordinate is unknown."""
    return great_circle_km(
        np.radians(np.asarray(lat1, dtype=np.float64)),
        np.radians(np.asarray(lng1, dtype=np.float64)),
        np.radians(np.asarray(lat2, dtype=np.float64)),
        np.radians(np.asarray(lng2, dtype=np.float64)),
    )
