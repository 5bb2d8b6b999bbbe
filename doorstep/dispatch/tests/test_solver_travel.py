"""Travel-time providers: the haversine default and the OSRM table client (against a
stub HTTP server on 127.0.0.1 started by the test)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from doorstep.dispatch.solver.travel import (
    MODES,
    HaversineTravel,
    OsrmTravel,
    TravelError,
    haversine_m,
    matrices,
)


def test_one_degree_of_latitude_is_about_111_km():
    assert round(haversine_m(30.0, 120.0, 31.0, 120.0)) == 111_195


def test_walking_leg_uses_detour_and_speed():
    """0.01 degree north = 1,111.95 m straight, x 1.3 = 1,445.5 m; at 4.5 km/h
    (1.25 m/s) that is 1,156.4 s."""
    seconds, metres = HaversineTravel().leg((30.0, 120.0), (30.01, 120.0), profile="walk")
    assert metres == 1446
    assert seconds == 1156


def test_car_adds_parking_overhead_and_same_place_is_free():
    travel = HaversineTravel()
    seconds, metres = travel.leg((30.0, 120.0), (30.01, 120.0), profile="car")
    assert metres == round(111_195.08 / 100 * 1.4)
    assert seconds == round(metres / (25 / 3.6) + 120)
    assert travel.leg((30.0, 120.0), (30.0, 120.0), profile="car") == (0, 0)


def test_matrix_is_symmetric_with_zero_diagonal_per_profile():
    points = [(30.0, 120.0), (30.01, 120.0), (30.0, 120.02)]
    result = matrices(points, ["walk", "e_bike"])
    assert set(result) == {"walk", "e_bike"}
    for m in result.values():
        assert [m.duration[i][i] for i in range(3)] == [0, 0, 0]
        assert m.distance[0][1] == m.distance[1][0] > 0
    # faster mode, same streets
    assert result["e_bike"].duration[0][2] < result["walk"].duration[0][2]
    assert result["e_bike"].distance[0][2] == result["walk"].distance[0][2]


def test_every_workforce_transport_mode_has_a_speed():
    assert set(MODES) == {"walk", "bicycle", "e_bike", "car", "public_transport"}


def test_unknown_profile_is_refused():
    with pytest.raises(KeyError):
        HaversineTravel().leg((0.0, 0.0), (1.0, 1.0), profile="rocket")


class _Osrm(BaseHTTPRequestHandler):
    answers: list[dict[str, object]] = []
    paths: list[str] = []

    def do_GET(self) -> None:
        type(self).paths.append(self.path)
        body = json.dumps(type(self).answers.pop(0)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def osrm() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Osrm)
    _Osrm.answers, _Osrm.paths = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_osrm_table_request_and_rounding(osrm):
    _Osrm.answers.append(
        {
            "code": "Ok",
            "durations": [[0, 61.6], [70.2, 0]],
            "distances": [[0, 812.4], [900.5, 0]],
        }
    )
    m = OsrmTravel(url=osrm).matrix([(30.0, 120.0), (30.01, 120.02)], profile="car")
    assert m.duration == [[0, 62], [70, 0]]
    assert m.distance == [[0, 812], [900, 0]]
    assert _Osrm.paths == [
        "/table/v1/driving/120.000000,30.000000;120.020000,30.010000"
        "?annotations=duration%2Cdistance"
    ]


def test_osrm_error_code_is_a_travel_error(osrm):
    _Osrm.answers.append({"code": "InvalidQuery", "message": "bad coordinates"})
    with pytest.raises(TravelError, match="InvalidQuery"):
        OsrmTravel(url=osrm).matrix([(30.0, 120.0), (30.01, 120.02)], profile="car")


def test_osrm_unreachable_pair_is_a_travel_error(osrm):
    _Osrm.answers.append(
        {"code": "Ok", "durations": [[0, None], [5, 0]], "distances": [[0, None], [5, 0]]}
    )
    with pytest.raises(TravelError, match="no route from point 0 to point 1"):
        OsrmTravel(url=osrm).matrix([(30.0, 120.0), (30.01, 120.02)], profile="car")


def test_osrm_down_is_a_travel_error():
    with pytest.raises(TravelError, match="request failed"):
        OsrmTravel(url="http://127.0.0.1:9", timeout=2).matrix(
            [(30.0, 120.0), (30.01, 120.0)], profile="car"
        )
