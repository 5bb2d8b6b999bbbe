"""The pure geometry and identifier helpers of the demo city."""

from __future__ import annotations

import datetime as dt
import itertools
import random

from doorstep.core.geo import point_in_polygon
from doorstep.demo import names
from doorstep.demo.city import build_city, jittered_grid, point_in_quad, rect
from doorstep.people.validators import parse_id_number


def _area(ring: list[list[float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring))) / 2


def _convex(ring: list[list[float]]) -> bool:
    pts = ring[:-1]
    signs = set()
    for i in range(len(pts)):
        (x1, y1), (x2, y2), (x3, y3) = pts[i], pts[(i + 1) % len(pts)], pts[(i + 2) % len(pts)]
        signs.add((x2 - x1) * (y3 - y2) - (y2 - y1) * (x3 - x2) > 0)
    return len(signs) == 1


def test_jittered_grid_tiles_the_rectangle_with_convex_cells() -> None:
    """Convex cells sharing every interior vertex whose areas add up to the rectangle's
    cover it without gaps or overlaps."""
    box = rect(103.0, 36.0, 103.06, 36.04)
    cells = jittered_grid(random.Random(1), box, 4, 3)
    assert len(cells) == 12
    assert all(_convex(c) for c in cells)
    assert abs(sum(_area(c) for c in cells) - _area(box)) < 1e-9


def test_points_fall_inside_their_quadrilateral() -> None:
    rng = random.Random(3)
    for cell in jittered_grid(rng, rect(0.0, 0.0, 1.0, 1.0), 3, 3):
        for _ in range(50):
            lat, lng = point_in_quad(rng, cell)
            assert point_in_polygon(lat, lng, cell)


def test_city_tree_has_the_documented_shape() -> None:
    root = build_city(random.Random(5))
    nodes = root.walk()
    by_level = {level: [n for n in nodes if n.level == level] for level in range(1, 6)}
    assert [len(by_level[k]) for k in range(1, 6)] == [1, 1, 2, 10, 60]
    assert by_level[5][0].code == "620102001001"
    villages = [n for n in by_level[5] if not n.is_urban]
    assert len(villages) == 24
    assert all(v.code[9:] >= "201" for v in villages)
    assert len({n.code for n in nodes}) == len(nodes)
    for street in by_level[4]:
        assert abs(sum(_area(c.ring) for c in street.children) - _area(street.ring)) < 1e-9


def test_generated_id_numbers_pass_gb11643_and_encode_sex_and_birth() -> None:
    rng = random.Random(11)
    birth = dt.date(1944, 2, 29)
    for male in (True, False):
        info = parse_id_number(names.id_number(rng, birth=birth, male=male))
        assert info.birth_date == birth
        assert info.sex == ("male" if male else "female")
    assert names.id_check_digit("11010519491231002") == "X"


def test_names_are_two_or_three_characters_with_a_listed_surname() -> None:
    rng = random.Random(2)
    surnames = {s for s, _ in names.SURNAMES}
    for _ in range(200):
        name = names.person_name(rng, male=rng.random() < 0.5, elder=True)
        assert 2 <= len(name) <= 3
        assert name[0] in surnames
