from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction

from seeds.loader import SEEDS_DIR, SeedFileError, load_seeds
from stations.models import CertificateKind, KeyGroup, Occupation, Region
from stations.selectors.taxonomies import occupations_under, region_get, regions_under

pytestmark = pytest.mark.django_db

BULLETIN_CITIES = {
    "620100": ("兰州市", 8),
    "621100": ("定西市", 7),
    "411200": ("三门峡市", 6),
    "371600": ("滨州市", 7),
}


@pytest.fixture
def seeded():
    return load_seeds()


def test_every_bulletin_city_is_loaded_with_all_its_counties(seeded):
    for code, (name, county_count) in BULLETIN_CITIES.items():
        city = region_get(code=code)
        assert city.name_zh_hans == name
        assert city.level == Region.Level.CITY
        assert city.latitude is not None
        assert city.longitude is not None
        counties = Region.objects.filter(parent=city, level=Region.Level.COUNTY)
        assert counties.count() == county_count
        assert all(c.code[:4] == code[:4] for c in counties)
    provinces = set(
        Region.objects.filter(level=Region.Level.PROVINCE).values_list("code", flat=True)
    )
    assert provinces == {"620000", "410000", "370000"}


def test_paths_chain_the_codes_from_the_province_down(seeded):
    grid = Region.objects.filter(level=Region.Level.GRID).first()
    assert grid is not None
    assert grid.path.startswith("620000/620100/620102/")
    assert grid.path.endswith(f"/{grid.code}/")
    chain, node = [], grid
    while node is not None:
        chain.append(node.code)
        node = node.parent
    assert grid.path == "".join(f"{code}/" for code in reversed(chain))


def test_everything_under_lanzhou_is_one_prefix_query_at_any_depth(
    seeded, django_assert_num_queries
):
    lanzhou = region_get(code="620100")
    with django_assert_num_queries(1):
        codes = {region.code for region in regions_under(region=lanzhou)}
    assert "620100" in codes
    assert "620102" in codes
    assert "620102001001001" in codes  # a grid, four levels down
    assert "621102" not in codes  # Dingxi's Anding district is not under Lanzhou
    expected = {r.code for r in Region.objects.all() if r.path.startswith(lanzhou.path)}
    assert codes == expected
    without_self = set(
        regions_under(region=lanzhou, include_self=False).values_list("code", flat=True)
    )
    assert without_self == codes - {"620100"}


def test_key_groups_carry_the_311_duty(seeded):
    codes = set(KeyGroup.objects.values_list("code", flat=True))
    assert {
        "rural_labour",
        "urban_unemployed",
        "employment_difficulty",
        "veteran",
        "college_graduate",
        "lifted_from_poverty",
        "disabled",
        "zero_employment_family",
    } <= codes
    for group in KeyGroup.objects.all():
        assert (
            group.duty_job_pushes,
            group.duty_training_recommendations,
            group.duty_guidance_sessions,
        ) == (3, 1, 1)
        assert group.name_zh_hans
        assert group.name_en


def test_occupations_form_a_tree_with_at_least_150_trades(seeded):
    trades = Occupation.objects.filter(level=Occupation.Level.TRADE)
    assert trades.count() >= 150
    for trade in trades.select_related("parent__parent__parent"):
        assert trade.parent.level == Occupation.Level.MINOR
        assert trade.code.startswith(trade.parent.code + "-")
        assert trade.parent.parent.parent.level == Occupation.Level.MAJOR
    names = set(trades.values_list("name_en", flat=True))
    for wanted in ("Electrician", "Welder", "Domestic helper", "Elderly carer"):
        assert wanted in names
    production = Occupation.objects.get(code="6")
    under = occupations_under(occupation=production)
    assert under.filter(level=Occupation.Level.TRADE).exists()
    assert not under.filter(code__startswith="4-").exists()


def test_loading_twice_changes_nothing(seeded):
    counts = (Region.objects.count(), KeyGroup.objects.count(), Occupation.objects.count())
    certificate_kinds = CertificateKind.objects.count()
    again = load_seeds()
    assert [(r.created, r.updated) for r in again] == [(0, 0)] * 4
    assert sum(r.unchanged for r in again) == sum(counts) + certificate_kinds
    assert (Region.objects.count(), KeyGroup.objects.count(), Occupation.objects.count()) == counts


def _copy_seeds(tmp_path: Path) -> Path:
    for name in ("regions.csv", "key_groups.csv", "occupations.csv", "certificate_kinds.csv"):
        shutil.copy(SEEDS_DIR / name, tmp_path / name)
    return tmp_path


def _rewrite(path: Path, change) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
        fieldnames = list(rows[0].keys())
    change(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)


def test_a_corrected_name_in_the_file_updates_the_row(seeded, tmp_path):
    directory = _copy_seeds(tmp_path)

    def rename(rows):
        for row in rows:
            if row["code"] == "620102":
                row["name_en"] = "Chengguan"

    _rewrite(directory / "regions.csv", rename)
    results = load_seeds(directory)
    assert results[0].updated == 1
    assert Region.objects.get(code="620102").name_en == "Chengguan"


def test_bad_rows_are_reported_by_line_and_nothing_is_written(tmp_path):
    directory = _copy_seeds(tmp_path)

    def break_rows(rows):
        rows[2]["parent_code"] = "999999"  # line 4 of the file
        rows[5]["level"] = "planet"  # line 7
        rows[6]["latitude"] = "north"  # line 8

    _rewrite(directory / "regions.csv", break_rows)
    with pytest.raises(SeedFileError) as raised:
        load_seeds(directory)
    problems = "\n".join(raised.value.problems)
    assert "regions.csv line 4: parent 999999 is not defined above" in problems
    assert "regions.csv line 7: unknown level 'planet'" in problems
    assert "regions.csv line 8" in problems
    assert Region.objects.count() == 0
    assert KeyGroup.objects.count() == 0


def test_a_level_out_of_order_is_refused(tmp_path):
    directory = _copy_seeds(tmp_path)

    def misplace(rows):
        for row in rows:
            if row["code"] == "620102":
                row["level"] = "province"

    _rewrite(directory / "regions.csv", misplace)
    with pytest.raises(SeedFileError, match="a province cannot sit under the city 620100"):
        load_seeds(directory)


def test_the_database_refuses_a_province_with_a_parent(seeded):
    gansu = region_get(code="620000")
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(
            code="990000",
            parent=gansu,
            level=Region.Level.PROVINCE,
            name_zh_hans="x",
            name_en="x",
            path="620000/990000/",
        )


def test_the_database_refuses_a_malformed_region_code(seeded):
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(
            code="62A100",
            level=Region.Level.PROVINCE,
            name_zh_hans="x",
            name_en="x",
            path="62A100/",
        )


def test_names_follow_the_active_language(seeded):
    from django.utils import translation

    lanzhou = region_get(code="620100")
    with translation.override("en"):
        assert str(lanzhou) == "Lanzhou"
    with translation.override("zh-hans"):
        assert str(lanzhou) == "兰州市"


@pytest.mark.services("postgres")
def test_postgresql_serves_the_subtree_query_from_the_path_index(seeded):
    from django.db import connection

    lanzhou = region_get(code="620100")
    query = regions_under(region=lanzhou)
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        # With a few dozen rows a sequential scan is cheaper; forbid it to see the index serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "stations_region_path" in plan, plan


def test_certificate_kinds_name_the_trades_that_need_them(seeded):
    electrician = Occupation.objects.get(code="6-31-01-03")
    permit = CertificateKind.objects.get(code="electrician_permit")
    assert electrician in permit.occupations.all()
    health = CertificateKind.objects.get(code="health_certificate")
    assert health.occupations.filter(name_en="Elderly carer").exists()
