"""Travel-time providers: points -> ``Matrix`` (seconds, metres).

``HaversineTravel`` is the embedded default: great-circle distance x a detour factor
per travel mode, at a mode's average door-to-door speed, plus a fixed overhead per trip
(parking, waiting for a bus). ``OsrmTravel`` asks an OSRM server's table service for a
real road-network matrix. Both satisfy ``model.TravelProvider``.

Profiles are named as ``workforce.enums.TransportMode`` values (``walk``, ``bicycle``,
``e_bike``, ``car``, ``public_transport``), repeated here as plain strings so this
module stays free of Django.
"""

from __future__ import annotations

import json
import math
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

from doorstep.dispatch.solver.model import Matrix, TravelProvider

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Mode:
    """Average speed (km/h, door to door on the street network), detour factor (street
    distance / straight-line distance) and fixed overhead per trip (seconds)."""

    speed_kmh: float
    detour: float
    overhead_s: int = 0


# Urban averages. Walking 4.5 km/h; bicycle 14 km/h and e-bike 18 km/h with the usual
# 1.3 street detour; a car in city traffic averages about 25 km/h over short trips
# with a 1.4 detour and two minutes to park; public transport about 15 km/h door to door
# with a 1.5 detour and five minutes of walking to and waiting at the stop.
MODES: dict[str, Mode] = {
    "walk": Mode(speed_kmh=4.5, detour=1.3),
    "bicycle": Mode(speed_kmh=14.0, detour=1.3),
    "e_bike": Mode(speed_kmh=18.0, detour=1.3),
    "car": Mode(speed_kmh=25.0, detour=1.4, overhead_s=120),
    "public_transport": Mode(speed_kmh=15.0, detour=1.5, overhead_s=300),
}


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class HaversineTravel:
    """Straight-line distance x detour at the mode's speed (the embedded default)."""

    modes: tuple[tuple[str, Mode], ...] = tuple(MODES.items())

    def mode(self, profile: str) -> Mode:
        for name, mode in self.modes:
            if name == profile:
                return mode
        raise KeyError(f"unknown travel profile {profile!r}")

    def leg(
        self, a: tuple[float, float], b: tuple[float, float], *, profile: str
    ) -> tuple[int, int]:
        """(seconds, metres) from ``a`` to ``b``, both ``(lat, lng)``."""
        if a == b:
            return 0, 0
        mode = self.mode(profile)
        metres = haversine_m(a[0], a[1], b[0], b[1]) * mode.detour
        seconds = metres / (mode.speed_kmh / 3.6) + mode.overhead_s
        return round(seconds), round(metres)

    def matrix(self, points: Sequence[tuple[float, float]], *, profile: str) -> Matrix:
        n = len(points)
        duration = [[0] * n for _ in range(n)]
        distance = [[0] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                s, m = self.leg(points[i], points[j], profile=profile)
                duration[i][j] = duration[j][i] = s
                distance[i][j] = distance[j][i] = m
        return Matrix(duration=duration, distance=distance)


class TravelError(RuntimeError):
    """The travel-time service failed or answered something unusable."""


@dataclass(frozen=True)
class OsrmTravel:
    """Matrix from an OSRM server: ``GET {url}/table/v1/{service}/{lng,lat;...}``.

    ``service`` is the profile name in the URL; one OSRM server usually serves one
    profile, so use one ``OsrmTravel`` per server (per travel mode). Durations are
    rounded to seconds and distances to metres. Unreachable pairs (null) raise
    ``TravelError``.
    """

    url: str
    service: str = "driving"
    timeout: float = 30.0

    def matrix(self, points: Sequence[tuple[float, float]], *, profile: str) -> Matrix:
        if not points:
            return Matrix(duration=[], distance=[])
        coords = ";".join(f"{lng:.6f},{lat:.6f}" for lat, lng in points)
        query = urllib.parse.urlencode({"annotations": "duration,distance"})
        url = f"{self.url.rstrip('/')}/table/v1/{self.service}/{coords}?{query}"
        if not url.startswith(("http://", "https://")):
            raise TravelError("OSRM url must be http(s)")
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310
                body = json.loads(response.read().decode("utf-8"))
        except (OSError, ValueError) as exc:
            raise TravelError(f"OSRM request failed: {exc}") from exc
        if body.get("code") != "Ok":
            raise TravelError(f"OSRM answered {body.get('code')!r}: {body.get('message', '')}")
        n = len(points)
        try:
            duration = _integers(body["durations"], n)
            distance = _integers(body["distances"], n)
        except (KeyError, TypeError) as exc:
            raise TravelError(f"OSRM answer lacks a matrix: {exc}") from exc
        return Matrix(duration=duration, distance=distance)


def _integers(rows: list[list[float | None]], n: int) -> list[list[int]]:
    if len(rows) != n or any(len(r) != n for r in rows):
        raise TravelError("OSRM matrix has the wrong size")
    out: list[list[int]] = []
    for i, row in enumerate(rows):
        line = []
        for j, value in enumerate(row):
            if value is None:
                raise TravelError(f"OSRM finds no route from point {i} to point {j}")
            line.append(0 if i == j else round(value))
        out.append(line)
    return out


def matrices(
    points: Sequence[tuple[float, float]],
    profiles: Sequence[str],
    provider: TravelProvider | None = None,
) -> dict[str, Matrix]:
    """One matrix per profile from ``provider`` (default ``HaversineTravel()``)."""
    source: TravelProvider = provider if provider is not None else HaversineTravel()
    return {name: source.matrix(points, profile=name) for name in profiles}
