"""Where a postcode or place is (``portal.places.geo``), from the shipped postcode areas."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from portal.places import geo
from portal.places.geo import Point, distance_km, pc4_of, place_key, point_for
from portal.places.models import PostcodeArea
from portal.places.postcodes import POSTCODE_AREAS_CSV, postcode_areas_load
from tests.portal.places.postcode_data import postcode_areas_ensure

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def postcode_areas(db):
    postcode_areas_ensure()


def centre(pc4: str) -> Point:
    area = PostcodeArea.objects.get(pc4=pc4)
    return Point(area.latitude, area.longitude)


def test_the_migration_loaded_every_postcode_area_and_the_licence_ships_beside_the_data():
    assert PostcodeArea.objects.count() == 4699
    assert (POSTCODE_AREAS_CSV.parent / "pc4-nl.LICENSE").read_text().startswith("The MIT License")
    haarlem = PostcodeArea.objects.get(pc4="2011")
    assert (haarlem.place, haarlem.municipality_name, haarlem.is_po_box) == (
        "Haarlem",
        "Haarlem",
        False,
    )
    assert PostcodeArea.objects.get(pc4="2000").is_po_box


def test_loading_again_leaves_the_same_rows():
    before = set(PostcodeArea.objects.values_list("pc4", "latitude", "longitude"))
    assert postcode_areas_load(PostcodeArea) == 4699
    assert set(PostcodeArea.objects.values_list("pc4", "latitude", "longitude")) == before


@pytest.mark.parametrize("text", ["2011", "2011 AB", "2011ab", " 2011-AB ", "2011  ab", "2011AB"])
def test_a_postcode_written_any_usual_way_is_its_pc4_areas_centre(text):
    assert point_for(text) == centre("2011")


@pytest.mark.parametrize(
    "text",
    [
        "0999",
        "201",
        "20111",
        "2011 ABC",
        "2011 A",
        "A2011",
        "٢٠١١",
        "2\u0660\u0661\u0661",
        "2011\x00",
        "1e400",
    ],
)
def test_what_is_not_a_dutch_postcode_has_no_pc4(text):
    assert pc4_of(text) is None


def test_a_postcode_that_no_area_has_is_unknown():
    PostcodeArea.objects.filter(pc4="2011").delete()
    assert point_for("2011 AB") is None


@pytest.mark.parametrize("text", ["Haarlem", "haarlem", "  HAARLEM ", "Haarlem."])
def test_a_place_is_the_mean_of_its_postcode_areas_without_po_boxes(text):
    areas = PostcodeArea.objects.filter(place="Haarlem", is_po_box=False)
    expected = Point(
        sum(area.latitude for area in areas) / len(areas),
        sum(area.longitude for area in areas) / len(areas),
    )
    point = point_for(text)
    assert point is not None
    assert math.isclose(point.latitude, expected.latitude, abs_tol=1e-9)
    assert math.isclose(point.longitude, expected.longitude, abs_tol=1e-9)
    assert PostcodeArea.objects.filter(place="Haarlem", is_po_box=True).exists()


@pytest.mark.parametrize("text", ["Den Haag", "den haag", "'s-Gravenhage", "s Gravenhage"])
def test_a_place_is_found_by_its_other_spellings(text):
    assert point_for(text) == point_for("Den Haag")
    assert distance_km(point_for(text), centre("2511")) < 5


def test_accents_are_folded_both_ways():
    assert point_for("Castelré") == point_for("castelre") == centre("5114")
    assert point_for("OHE EN LAAK") == point_for("Ohé en Laak") == centre("6109")
    # Jonkerslân's other spelling is "Jonkersland": "Jonkerslan" is found by folding alone.
    assert point_for("Jonkerslan") == point_for("jonkerslân") == centre("8403")
    assert place_key("'s-Gravenhage") == "s gravenhage"
    assert place_key("Wâldsein") == "waldsein"


def test_a_name_of_two_places_is_the_bigger_one():
    # Hengelo (Overijssel) has ten postcode areas, Hengelo in Bronckhorst (Gelderland) one.
    areas = PostcodeArea.objects.filter(
        place="Hengelo", municipality_name="Hengelo", is_po_box=False
    )
    assert len(areas) > 1
    hengelo = point_for("Hengelo")
    assert hengelo.latitude == pytest.approx(sum(a.latitude for a in areas) / len(areas))
    assert hengelo.longitude == pytest.approx(sum(a.longitude for a in areas) / len(areas))


def test_a_municipality_that_is_no_place_is_found_by_its_name():
    point = point_for("Haarlemmermeer")
    assert point is not None
    assert distance_km(point, centre("2132")) < 15  # Hoofddorp


@pytest.mark.parametrize("text", ["", "   ", "Atlantis", "---", "x" * 101, "2011; DROP TABLE"])
def test_what_is_no_postcode_or_place_is_unknown(text):
    assert point_for(text) is None


@settings(
    max_examples=200, derandomize=True, database=None, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)  # fmt: skip
@given(text=st.text())
@example(text="\x00")
@example(text="Haar\x00lem")
@example(text="%_%")
@example(text="|")
def test_any_text_is_a_point_or_none_never_an_error(text):
    point = point_for(text)
    assert point is None or isinstance(point, Point)


def test_haarlem_to_amsterdam_is_about_seventeen_km():
    # The postcode areas of the two centres (Grote Markt, Dam): 17.6 km.
    assert 17 <= distance_km(point_for("2011"), point_for("1012")) <= 18
    # The places' mean points lie a little towards each other (Schalkwijk, Nieuw-West).
    haarlem, amsterdam = point_for("Haarlem"), point_for("Amsterdam")
    assert 15 <= distance_km(haarlem, amsterdam) <= 18
    assert distance_km(haarlem, amsterdam) == pytest.approx(distance_km(amsterdam, haarlem))
    assert distance_km(haarlem, haarlem) == 0


def test_one_degree_of_latitude_is_about_111_km():
    assert distance_km(Point(52.0, 5.0), Point(53.0, 5.0)) == pytest.approx(111.2, abs=0.1)


def test_the_sql_distance_is_the_python_distance():
    haarlem = point_for("Haarlem")
    rows = (
        PostcodeArea.objects.filter(pc4__in=["1011", "2011", "9711", "6211", "4331"])
        .annotate(km=geo.distance_sql(haarlem, latitude="latitude", longitude="longitude"))
        .values_list("latitude", "longitude", "km")
    )
    assert len(rows) == 5
    for latitude, longitude, km in rows:
        assert km == pytest.approx(distance_km(haarlem, Point(latitude, longitude)), abs=1e-6)


# --- The nearest postcode area ("use my location") ---------------------------------------------


@pytest.mark.parametrize("pc4", ["2011", "1012", "9711", "6211", "1791"])
def test_a_postcode_areas_own_centre_is_nearest_to_that_area(pc4):
    assert geo.nearest_postcode_area(centre(pc4)).pc4 == pc4


def test_the_nearest_area_is_the_one_whose_centre_is_closest():
    here = Point(52.3795, 4.6370)  # Haarlem, near the station
    nearest = geo.nearest_postcode_area(here)
    closest = min(
        PostcodeArea.objects.filter(is_po_box=False),
        key=lambda area: distance_km(here, Point(area.latitude, area.longitude)),
    )
    assert nearest.pc4 == closest.pc4
    assert nearest.place == "Haarlem"


def test_post_office_box_numbers_are_never_the_nearest_area():
    po_box = PostcodeArea.objects.filter(is_po_box=True).first()
    nearest = geo.nearest_postcode_area(Point(po_box.latitude, po_box.longitude))
    assert nearest is not None
    assert not nearest.is_po_box


@pytest.mark.parametrize(
    "point",
    [
        Point(52.6, 3.5),  # the North Sea
        Point(48.8566, 2.3522),  # Paris
        Point(0.0, 0.0),
        Point(90.0, 180.0),
        Point(-90.0, -180.0),
        Point(91.0, 5.0),
    ],
)
def test_a_point_outside_the_netherlands_has_no_nearest_area(point):
    assert geo.nearest_postcode_area(point) is None


def test_the_nearest_area_is_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        geo.nearest_postcode_area(Point(52.3795, 4.6370))


def test_an_area_further_than_the_limit_is_not_nearest_even_inside_the_search_box():
    # 0.65 km from the centre of 2031 (Haarlem-Noord), diagonally: inside the square searched
    # for a limit of 0.6 km, yet further than 0.6 km.
    here = Point(52.40, 4.66)
    assert 0.6 < distance_km(here, centre("2031")) < 0.66
    assert geo.nearest_postcode_area(here, within_km=0.6) is None
    assert geo.nearest_postcode_area(here, within_km=0.66).pc4 == "2031"


def _point_at(start: Point, km: float, bearing_degrees: float) -> Point:
    """The point ``km`` from ``start`` in the direction ``bearing_degrees`` (on the sphere)."""
    lat1, lon1 = math.radians(start.latitude), math.radians(start.longitude)
    angle, bearing = km / geo.EARTH_RADIUS_KM, math.radians(bearing_degrees)
    lat2 = math.asin(
        math.sin(lat1) * math.cos(angle) + math.cos(lat1) * math.sin(angle) * math.cos(bearing)
    )
    lon2 = lon1 + math.atan2(
        math.sin(bearing) * math.sin(angle) * math.cos(lat1),
        math.cos(angle) - math.sin(lat1) * math.sin(lat2),
    )
    return Point(math.degrees(lat2), math.degrees(lon2))


@given(
    latitude=st.floats(50.5, 53.7),
    longitude=st.floats(3.3, 7.3),
    km=st.floats(0.5, 300),
    bearing=st.floats(0, 360),
    share=st.floats(0, 1),
)
@example(latitude=52.38, longitude=4.64, km=10, bearing=0, share=1)  # due north, at the edge
@example(latitude=52.38, longitude=4.64, km=300, bearing=180, share=1)
@example(latitude=53.5, longitude=6.0, km=100, bearing=90, share=1)  # due east
def test_the_box_around_a_point_holds_every_point_within_the_distance(
    latitude, longitude, km, bearing, share
):
    centre = Point(latitude, longitude)
    inside = _point_at(centre, km * share, bearing)
    assert distance_km(centre, inside) <= km + 1e-6
    box = geo.box_around(centre, km)
    assert box.south <= inside.latitude <= box.north
    assert box.west <= inside.longitude <= box.east


def test_the_box_is_not_much_larger_than_the_distance():
    box = geo.box_around(Point(52.38, 4.64), 10)  # Haarlem
    assert 0.18 < box.north - box.south < 0.19  # 2 x 10 km of latitude, plus 1 %
    assert 0.29 < box.east - box.west < 0.31  # wider: a degree of longitude is shorter here
