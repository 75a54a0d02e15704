"""The engine alone: plain records in, ranked ids with scores and reasons out (no database)."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.engine import (
    MatchConfig,
    PostRecord,
    PostSnapshot,
    SeekerRecord,
    SeekerSnapshot,
    Taxonomy,
    allocate,
    allocate_greedily,
    gini,
    posts_for_seeker,
    rank_fairly,
    rematch_posts,
    score_matrix,
    seekers_for_post,
    total_score,
)
from matching.engine.geo import cell_key, cell_keys
from matching.engine.matcher import _post_columns_of
from matching.engine.scoring import post_columns, score_pairs, seeker_columns

TODAY = dt.date(2026, 11, 20).toordinal()
WELDER, ELECTRICIAN, STEEL_FIXER, BRICKLAYER, COOK = 101, 102, 103, 104, 105
TAXONOMY = Taxonomy(
    # welder and electrician share a middle group; steel fixer and bricklayer a minor group
    trade_minor={WELDER: 10, ELECTRICIAN: 11, STEEL_FIXER: 12, BRICKLAYER: 12, COOK: 20},
    trade_middle={WELDER: 1, ELECTRICIAN: 1, STEEL_FIXER: 2, BRICKLAYER: 2, COOK: 3},
    trade_names={
        WELDER: ("焊工", "Welder"),
        ELECTRICIAN: ("电工", "Electrician"),
        STEEL_FIXER: ("钢筋工", "Steel fixer"),
        BRICKLAYER: ("砌筑工", "Bricklayer"),
        COOK: ("中式烹调师", "Chinese cook"),
    },
    key_groups=("rural_labour", "employment_difficulty", "college_graduate"),
    key_group_names={
        "rural_labour": ("农村劳动力", "rural labour"),
        "employment_difficulty": ("就业困难人员", "employment difficulty"),
        "college_graduate": ("高校毕业生", "college graduate"),
    },
    certificate_kinds=("welding_permit",),
)
CONFIG = MatchConfig()
# Chengguan, Lanzhou; 0.01° of latitude is 1.11 km.
LAT, LON = 36.06, 103.83


def seeker(seeker_id: int, **fields) -> SeekerRecord:
    fields.setdefault("latitude", LAT)
    fields.setdefault("longitude", LON)
    fields.setdefault("skills", [(WELDER, 5)])
    fields.setdefault("max_travel_km", 20)
    fields.setdefault("birth_date", dt.date(1990, 1, 1).toordinal())
    fields.setdefault("certificates", {"welding_permit": TODAY + 365})
    return SeekerRecord(id=seeker_id, **fields)


def post(**fields) -> PostRecord:
    fields.setdefault("id", 1)
    fields.setdefault("latitude", LAT)
    fields.setdefault("longitude", LON)
    fields.setdefault("trade", WELDER)
    fields.setdefault("daily_wage", 220.0)
    fields.setdefault("starts_on", TODAY + 1)
    fields.setdefault("ends_on", TODAY + 5)
    return PostRecord(**fields)


def ranked(records, job=None, config=CONFIG, k=20):
    snapshot = SeekerSnapshot.build(TAXONOMY, records)
    return seekers_for_post(job or post(), snapshot, config=config, today=TODAY, k=k)


@pytest.mark.parametrize(
    ("why", "fields", "job"),
    [
        ("farther than the seeker travels", {"latitude": LAT + 0.1, "max_travel_km": 5}, {}),
        (
            "beyond the post's radius",
            {"latitude": LAT + 0.1, "max_travel_km": 50},
            {"radius_km": 5},
        ),
        ("inactive", {"active": False}, {}),
        ("never free when the work is", {"availability": 0b111}, {"slots": 0b111 << 3}),
        ("booked on those days", {"bookings": [(TODAY + 3, TODAY + 9)]}, {}),
        ("under 16", {"birth_date": dt.date(2012, 1, 1).toordinal()}, {}),
        ("over the age limit", {"birth_date": dt.date(1950, 1, 1).toordinal()}, {}),
        ("no welding permit", {"certificates": {}}, {"certificates": ["welding_permit"]}),
        (
            "an expired permit",
            {"certificates": {"welding_permit": TODAY}},
            {"certificates": ["welding_permit"]},
        ),
        ("no related skill", {"skills": [(COOK, 10)]}, {}),
        ("no coordinates", {"latitude": None, "longitude": None}, {}),
    ],
)
def test_hard_filters_keep_out(why, fields, job):
    assert ranked([seeker(1, **fields)], post(**job)) == [], why
    assert [m.id for m in ranked([seeker(1)], post(**job))] == [1]  # the same seeker, unfiltered


def test_where_the_policy_requires_it_only_verified_seekers_are_candidates():
    from dataclasses import replace

    records = [seeker(1, verified=False), seeker(2, verified=True)]
    assert {m.id for m in ranked(records)} == {1, 2}
    strict = replace(CONFIG, require_verified=True)
    assert [m.id for m in ranked(records, config=strict)] == [2]


def test_the_score_is_the_documented_weighted_sum():
    # The worked example of MatchConfig's docstring.
    record = seeker(
        1,
        latitude=LAT + 2 / 111.195,
        expected_daily_wage=200,
        completions=4,
        key_groups=["employment_difficulty"],
        last_active=TODAY - 3,
    )
    [match] = ranked([record])
    expected = (
        0.35 * 1.0 * (0.8 + 0.2 * 0.5)
        + 0.20 * math.exp(-2 / 6)
        + 0.10 * 1.0
        + 0.10 * 1.0
        + 0.10 * 1.0
        + 0.10 * (5 / 6)
        + 0.05 * math.exp(-3 / 30)
    )
    assert match.score == pytest.approx(expected, abs=1e-3)


def test_skill_earns_partial_credit_through_the_taxonomy():
    job = post(trade=STEEL_FIXER, certificates=[])
    records = [
        seeker(1, skills=[(STEEL_FIXER, 0)]),
        seeker(2, skills=[(BRICKLAYER, 0)]),  # same minor group
        seeker(3, skills=[(WELDER, 0)], latitude=LAT),  # different middle group: filtered
    ]
    order = [m.id for m in ranked(records, job)]
    assert order == [1, 2]


def test_nearer_and_better_paid_rank_higher():
    job = post()
    near = seeker(1, latitude=LAT + 0.01)
    far = seeker(2, latitude=LAT + 0.1)
    assert [m.id for m in ranked([far, near], job)] == [1, 2]
    cheap = seeker(3, expected_daily_wage=200)
    dear = seeker(4, expected_daily_wage=400)
    assert [m.id for m in ranked([dear, cheap], job)] == [3, 4]


def test_reasons_are_words_in_both_languages():
    record = seeker(1, latitude=LAT + 2.1 / 111.195, key_groups=["employment_difficulty"])
    [match] = ranked([record])
    texts = {reason.code: (reason.text("zh-hans"), reason.text("en")) for reason in match.reasons}
    assert texts["skill_trade"] == ("焊工，5年经验", "Welder, 5 years")
    assert texts["distance"] == ("距离2.1公里", "2.1 km away")
    assert len(match.reasons) == 3
    contributions = [reason.contribution for reason in match.reasons]
    assert contributions == sorted(contributions, reverse=True)


def test_priority_reason_names_the_key_group():
    config = MatchConfig(
        weights={
            "skill": 0.1,
            "distance": 0.1,
            "wage": 0.1,
            "availability": 0.1,
            "priority": 0.4,
            "reliability": 0.1,
            "activity": 0.1,
        }
    )
    [match] = ranked([seeker(1, key_groups=["employment_difficulty"])], config=config)
    assert match.reasons[0].text("en") == "priority: employment difficulty"
    assert match.reasons[0].text("zh-hans") == "重点帮扶：就业困难人员"


def test_among_near_equal_scores_the_less_pushed_come_first():
    records = [seeker(1, recent_pushes=9), seeker(2, recent_pushes=0), seeker(3, recent_pushes=4)]
    assert [m.id for m in ranked(records)] == [2, 3, 1]
    # A clearly better seeker stays first however often pushed.
    best = seeker(4, recent_pushes=50, key_groups=["employment_difficulty"], completions=20)
    assert ranked([*records, best])[0].id == 4


def test_fair_ranking_spreads_a_month_of_pushes():
    rng = np.random.default_rng(7)
    scores = 0.8 + rng.uniform(0, 0.015, size=60)  # sixty nearly equal candidates

    def month(band: float) -> np.ndarray:
        pushes = np.zeros(60, dtype=np.float32)
        for _day in range(30):
            for index in rank_fairly(scores, pushes, 5, band):
                pushes[index] += 1
        return pushes

    fair, strict = gini(month(0.02)), gini(month(0.0))
    assert fair <= 0.1 + 1e-9  # 150 pushes over 60 people: 2 or 3 each, the best possible
    assert strict > 0.85
    assert gini([0, 0, 0, 4]) == pytest.approx(0.75)


def _legal_birth(data) -> int:
    start = dt.date(2026, 11, 21)
    age = data.draw(st.integers(min_value=18, max_value=60))
    return (start - dt.timedelta(days=365 * age + data.draw(st.integers(0, 300)))).toordinal()


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_sex_ethnicity_and_age_within_the_legal_range_change_no_ranking(data):
    count = data.draw(st.integers(min_value=2, max_value=12))
    records = [
        seeker(
            index,
            latitude=LAT + data.draw(st.floats(0, 0.1)),
            skills=[
                (data.draw(st.sampled_from([WELDER, ELECTRICIAN])), data.draw(st.integers(0, 20)))
            ],
            expected_daily_wage=data.draw(st.sampled_from([None, 150.0, 250.0])),
            completions=data.draw(st.integers(0, 5)),
            no_shows=data.draw(st.integers(0, 2)),
            key_groups=data.draw(st.lists(st.sampled_from(TAXONOMY.key_groups), max_size=2)),
            birth_date=_legal_birth(data),
            sex=data.draw(st.sampled_from(["male", "female"])),
            ethnicity=data.draw(st.sampled_from(["汉族", "回族", "藏族", "东乡族"])),
        )
        for index in range(count)
    ]
    changed = [
        SeekerRecord(
            **{
                **record.__dict__,
                "sex": "female" if record.sex == "male" else "male",
                "ethnicity": data.draw(st.sampled_from(["汉族", "回族", "藏族", "东乡族"])),
                "birth_date": _legal_birth(data),
            }
        )
        for record in records
    ]
    before = [(m.id, round(m.score, 9)) for m in ranked(records)]
    after = [(m.id, round(m.score, 9)) for m in ranked(changed)]
    assert before == after


def test_an_updated_seeker_is_found_where_they_moved_before_any_reindex():
    snapshot = SeekerSnapshot.build(TAXONOMY, [seeker(1, latitude=LAT + 1.0), seeker(2)])
    job = post()
    assert [m.id for m in seekers_for_post(job, snapshot, config=CONFIG, today=TODAY)] == [2]
    snapshot.upsert(seeker(1, latitude=LAT + 0.001))
    snapshot.upsert(seeker(3, latitude=LAT - 0.001))
    found = {m.id for m in seekers_for_post(job, snapshot, config=CONFIG, today=TODAY)}
    assert found == {1, 2, 3}
    snapshot.remove(2)
    snapshot.reindex()
    assert {m.id for m in seekers_for_post(job, snapshot, config=CONFIG, today=TODAY)} == {1, 3}


def test_posts_for_a_seeker_are_the_open_suitable_ones_nearest_first():
    snapshot = SeekerSnapshot.build(TAXONOMY, [seeker(1, max_travel_km=15)])
    posts = PostSnapshot(
        TAXONOMY,
        [
            post(id=10, latitude=LAT + 0.05),
            post(id=11, latitude=LAT + 0.01),
            post(id=12, latitude=LAT + 0.01, open=False),
            post(id=13, latitude=LAT + 0.01, openings_left=0),
            post(id=14, latitude=LAT + 0.5),  # 55 km away
            post(id=15, latitude=LAT, trade=COOK),
        ],
        radius_km=CONFIG.default_post_radius_km,
    )
    matches = posts_for_seeker(1, snapshot, posts, config=CONFIG, today=TODAY)
    assert [m.id for m in matches] == [11, 10]
    assert matches[0].reasons[0].code == "skill_trade"


def _brute_force(scores: np.ndarray, openings: list[int]) -> float:
    seekers, posts = scores.shape
    best = 0.0
    choices = [None, *range(posts)]
    for assignment in itertools.product(choices, repeat=seekers):
        used = [0] * posts
        total = 0.0
        for seeker_index, post_index in enumerate(assignment):
            if post_index is None:
                continue
            used[post_index] += 1
            total += scores[seeker_index, post_index]
        if all(u <= o for u, o in zip(used, openings, strict=True)) and np.isfinite(total):
            best = max(best, total)
    return best


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_allocation_is_optimal_by_brute_force_and_never_worse_than_greedy(data):
    seekers = data.draw(st.integers(1, 5))
    posts = data.draw(st.integers(1, 3))
    openings = [data.draw(st.integers(0, 2)) for _ in range(posts)]
    values = [
        data.draw(st.one_of(st.just(-np.inf), st.floats(0.05, 1.0))) for _ in range(seekers * posts)
    ]
    scores = np.array(values).reshape(seekers, posts)
    pairs = allocate(scores, openings)
    assert len({seeker for seeker, _ in pairs}) == len(pairs)
    for post_index, limit in enumerate(openings):
        assert sum(1 for _, p in pairs if p == post_index) <= limit
    assert all(np.isfinite(scores[s, p]) for s, p in pairs)
    best = total_score(scores, pairs)
    assert best == pytest.approx(_brute_force(scores, openings))
    assert best >= total_score(scores, allocate_greedily(scores, openings)) - 1e-9


def test_greedy_loses_where_the_optimum_does_not():
    # Seeker 0 is best at both posts; greedy gives them post 0 and leaves seeker 1 idle.
    scores = np.array([[0.9, 0.8], [0.85, -np.inf]])
    assert total_score(scores, allocate_greedily(scores, [1, 1])) == pytest.approx(0.9)
    assert sorted(allocate(scores, [1, 1])) == [(0, 1), (1, 0)]


def test_the_score_matrix_feeds_the_allocation():
    snapshot = SeekerSnapshot.build(
        TAXONOMY, [seeker(1), seeker(2, skills=[(STEEL_FIXER, 3)]), seeker(3, active=False)]
    )
    jobs = [post(id=1), post(id=2, trade=STEEL_FIXER, certificates=[])]
    matrix = score_matrix(jobs, [1, 2, 3], snapshot, config=CONFIG, today=TODAY)
    assert matrix.shape == (3, 2)
    assert np.isneginf(matrix[2]).all()
    assert sorted(allocate(matrix, [1, 1])) == [(0, 0), (1, 1)]


def test_the_configuration_refuses_weights_that_do_not_add_up():
    with pytest.raises(ValueError, match="sum to 1"):
        MatchConfig(weights={"skill": 0.5, "distance": 0.2})
    with pytest.raises(ValueError, match="unknown features"):
        MatchConfig(weights={"charm": 1.0})


def test_trade_tiers_follow_the_taxonomy():
    assert [list(trades) for _, trades in TAXONOMY.trade_tiers([WELDER]).by_kind()] == [
        [WELDER],
        [],
        [ELECTRICIAN],
    ]
    assert [list(trades) for _, trades in TAXONOMY.trade_tiers([STEEL_FIXER]).by_kind()] == [
        [STEEL_FIXER],
        [BRICKLAYER],
        [],
    ]
    # A welder who also lays bricks: bricklaying is their own trade, not a related one.
    tiers = TAXONOMY.trade_tiers([WELDER, BRICKLAYER, -1])
    assert [list(trades) for _, trades in tiers.by_kind()] == [
        [WELDER, BRICKLAYER],
        [STEEL_FIXER],
        [ELECTRICIAN],
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.floats(-90, 90) | st.just(math.nan) | st.integers(-1800, 1800).map(lambda n: n * 0.05),
    st.floats(-180, 180) | st.just(math.nan) | st.integers(-3600, 3600).map(lambda n: n * 0.05),
)
def test_the_cell_of_one_point_is_the_cell_the_grid_gives_it(lat, lon):
    assert cell_key(lat, lon) == int(cell_keys(np.array([lat]), np.array([lon]))[0])


def test_a_seeker_given_another_trade_is_found_for_it_before_any_reindex():
    snapshot = SeekerSnapshot.build(TAXONOMY, [seeker(1, skills=[(COOK, 3)]), seeker(2)])
    job = post()
    assert [m.id for m in seekers_for_post(job, snapshot, config=CONFIG, today=TODAY)] == [2]
    snapshot.upsert(seeker(1, skills=[(WELDER, 9)], recent_pushes=0))
    assert {m.id for m in seekers_for_post(job, snapshot, config=CONFIG, today=TODAY)} == {1, 2}
    snapshot.reindex()
    assert {m.id for m in seekers_for_post(job, snapshot, config=CONFIG, today=TODAY)} == {1, 2}


def test_a_seeker_at_the_very_edge_of_the_band_still_gets_in():
    # Skill and distance only, so the upper bound is exact: a welder with ten years scores
    # 0.5 + 0.5 · e^(-km / 100). The two best, close by, score 0.999 and 0.99, in the band
    # [0.9, 1.0). A seeker scoring 0.900001 is in that band too, 100 · ln(1 / 0.800002) =
    # 22.3 km out (far beyond the first probe), and pushed less than they goes first.
    config = MatchConfig(
        weights={
            "skill": 0.5,
            "distance": 0.5,
            "wage": 0.0,
            "availability": 0.0,
            "priority": 0.0,
            "reliability": 0.0,
            "activity": 0.0,
        },
        near_equal_band=0.1,
        distance_scale_km=100.0,
    )
    km_per_degree = 6371.0088 * math.pi / 180

    def at_score(seeker_id: int, score: float, pushes: int) -> SeekerRecord:
        km = -100 * math.log(2 * score - 1)
        return seeker(
            seeker_id,
            latitude=LAT + km / km_per_degree,
            skills=[(WELDER, 10)],
            max_travel_km=30,
            recent_pushes=pushes,
        )

    records = [
        at_score(1, 0.999, 5),
        at_score(2, 0.99, 5),
        at_score(3, 0.900001, 0),
        at_score(4, 0.899999, 0),  # a band lower
    ]
    assert [m.id for m in ranked(records, post(radius_km=30), config=config, k=2)] == [3, 1]


# A taxonomy of 24 trades: three to a minor group, nine to a middle group.
WIDE_TAXONOMY = Taxonomy(
    trade_minor={trade: trade // 3 for trade in range(1, 25)},
    trade_middle={trade: trade // 9 for trade in range(1, 25)},
    trade_names={trade: (f"工种{trade}", f"trade {trade}") for trade in range(1, 25)},
    key_groups=("rural_labour", "employment_difficulty", "college_graduate", "veteran"),
    key_group_names={},
    certificate_kinds=("welding_permit", "electrician_permit"),
)


def _random_seeker(rng: np.random.Generator, seeker_id: int, spread: float) -> SeekerRecord:
    located = rng.random() < 0.97
    skill_count = int(rng.integers(0, 5))
    return SeekerRecord(
        id=seeker_id,
        latitude=LAT + rng.normal(0, spread) if located else None,
        longitude=LON + rng.normal(0, spread) if located else None,
        # Trade 30 is unknown to the taxonomy; trades may repeat.
        skills=[
            (int(rng.choice([*range(1, 25), 30])), int(rng.integers(0, 15)))
            for _ in range(skill_count)
        ],
        availability=int(rng.choice([(1 << 21) - 1, int(rng.integers(0, 1 << 21)), 0b111])),
        expected_daily_wage=None if rng.random() < 0.5 else float(rng.normal(200, 50)),
        max_travel_km=float(rng.choice([2, 5, 10, 30, 80])),
        key_groups=[code for code in WIDE_TAXONOMY.key_groups if rng.random() < 0.3],
        completions=int(rng.integers(0, 6)),
        no_shows=int(rng.integers(0, 3)),
        recent_pushes=int(rng.integers(0, 4)),
        last_active=0 if rng.random() < 0.1 else TODAY - int(rng.integers(0, 60)),
        birth_date=TODAY - int(rng.integers(14 * 365, 70 * 365)),
        active=rng.random() < 0.95,
        bookings=[(TODAY + 2, TODAY + 4)] if rng.random() < 0.1 else [],
        certificates={"welding_permit": TODAY + 100} if rng.random() < 0.5 else {},
    )


def _random_post(rng: np.random.Generator, post_id: int, spread: float) -> PostRecord:
    return PostRecord(
        id=post_id,
        latitude=LAT + rng.normal(0, spread),
        longitude=LON + rng.normal(0, spread),
        trade=int(rng.choice([*range(1, 25), 30])),
        daily_wage=None if rng.random() < 0.1 else float(rng.normal(210, 40)),
        starts_on=TODAY + 1,
        ends_on=TODAY + int(rng.integers(1, 10)),
        slots=int(rng.choice([(1 << 21) - 1, int(rng.integers(1, 1 << 21))])),
        radius_km=None if rng.random() < 0.3 else float(rng.choice([3, 10, 30])),
        openings_left=int(rng.integers(0, 3)),
        certificates=["welding_permit"] if rng.random() < 0.2 else [],
        open=rng.random() < 0.9,
    )


def _random_config(data) -> MatchConfig:
    raw = [data.draw(st.integers(0, 10)) for _ in range(7)]
    # Without some weights the upper bound is the score itself, and pairs at the very edge
    # of what can reach the threshold are common.
    # A negative weight makes no sense as policy, but must not break the search.
    tight = data.draw(
        st.sampled_from(["none", "wage and availability", "all but two", "a negative weight"])
    )
    if tight in ("wage and availability", "all but two"):
        raw[2] = raw[3] = 0
    if tight == "all but two":
        raw[4] = raw[5] = raw[6] = 0
    if tight == "a negative weight":
        raw[0] = -raw[0]  # more experience, lower score
    if sum(raw) <= 0:
        raw[1] += 1 - sum(raw)
    names = ("skill", "distance", "wage", "availability", "priority", "reliability", "activity")
    return MatchConfig(
        weights={name: value / sum(raw) for name, value in zip(names, raw, strict=True)},
        require_related_skill=data.draw(st.booleans()),
        near_equal_band=data.draw(st.sampled_from([0.0, 0.02, 0.1])),
        distance_scale_km=data.draw(st.sampled_from([2.0, 6.0, 30.0])),
    )


def _random_city(data) -> tuple[SeekerSnapshot, list[PostRecord], MatchConfig, int, int]:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    spread = data.draw(st.sampled_from([0.005, 0.03, 0.1, 0.4]))
    count = data.draw(st.integers(1, 300))
    snapshot = SeekerSnapshot.build(
        WIDE_TAXONOMY, [_random_seeker(rng, index, spread) for index in range(count)]
    )
    # Some seekers change after the last reindex: moved, given other trades, or new.
    for _ in range(data.draw(st.integers(0, 8))):
        seeker_id = int(rng.integers(0, count + 5))
        snapshot.upsert(_random_seeker(rng, seeker_id, spread))
    posts = [_random_post(rng, index, spread) for index in range(5)]
    config = _random_config(data)
    return snapshot, posts, config, data.draw(st.integers(1, 25)), count


def _every_seeker_scored(
    job: PostRecord, snapshot: SeekerSnapshot, config: MatchConfig, k: int
) -> list[tuple[int, float]]:
    """The naive way: every seeker scored, then ranked."""
    taxonomy = snapshot.taxonomy
    middle = int(taxonomy.lookup(taxonomy.middle_of, np.array([job.trade]))[0])
    if config.require_related_skill and middle < 0:
        return []
    rows = np.arange(snapshot.size)
    columns = seeker_columns(snapshot, rows)
    scored = score_pairs(_post_columns_of(job, taxonomy, config), columns, taxonomy, config, TODAY)
    feasible = np.flatnonzero(scored.feasible)
    top = feasible[
        rank_fairly(
            scored.score[feasible], columns["recent_pushes"][feasible], k, config.near_equal_band
        )
    ]
    return [(int(snapshot.ids[index]), float(scored.score[index])) for index in top]


def _every_post_scored(
    seeker_id: int, snapshot: SeekerSnapshot, posts: PostSnapshot, config: MatchConfig, k: int
) -> list[tuple[int, float]]:
    row = snapshot.row_of[seeker_id]
    if np.isnan(snapshot.lat[row]):
        return []
    rows = posts.index.order  # every post, in the grid's order
    rows = rows[posts.open[rows] & (posts.openings[rows] > 0)]
    seeker_row = seeker_columns(snapshot, np.array([row]))
    scored = score_pairs(post_columns(posts, rows), seeker_row, posts.taxonomy, config, TODAY)
    feasible = np.flatnonzero(scored.feasible)
    no_pushes = np.zeros(len(feasible), dtype=np.float32)
    top = feasible[rank_fairly(scored.score[feasible], no_pushes, k, 0.0)]
    return [(int(posts.ids[rows[index]]), float(scored.score[index])) for index in top]


def _same(got, expected) -> bool:
    return [m.id for m in got] == [seeker_id for seeker_id, _ in expected] and all(
        m.score == pytest.approx(score, abs=1e-12)
        for m, (_, score) in zip(got, expected, strict=True)
    )


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_the_pruned_search_ranks_seekers_as_scoring_every_one_would(data):
    snapshot, posts, config, k, _ = _random_city(data)
    for job in posts:
        got = seekers_for_post(job, snapshot, config=config, today=TODAY, k=k)
        assert _same(got, _every_seeker_scored(job, snapshot, config, k)), job


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_the_pruned_search_ranks_posts_as_scoring_every_one_would(data):
    snapshot, _, config, k, count = _random_city(data)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    spread = data.draw(st.sampled_from([0.005, 0.03, 0.1]))
    posts = PostSnapshot(
        WIDE_TAXONOMY,
        [_random_post(rng, index, spread) for index in range(data.draw(st.integers(1, 400)))],
        radius_km=config.default_post_radius_km,
    )
    for seeker_id in rng.choice(list(snapshot.row_of), size=min(5, count), replace=False):
        got = posts_for_seeker(int(seeker_id), snapshot, posts, config=config, today=TODAY, k=k)
        expected = _every_post_scored(int(seeker_id), snapshot, posts, config, k)
        assert _same(got, expected), seeker_id


@settings(max_examples=20, deadline=None)
@given(st.data())
def test_rematch_gives_each_post_what_seekers_for_post_gives_it(data):
    snapshot, posts, config, k, _ = _random_city(data)
    posts.append(post(id=99, latitude=None, longitude=None))
    rematched = list(rematch_posts(posts, snapshot, config=config, today=TODAY, k=k))
    assert sorted(post_id for post_id, _ in rematched) == [job.id for job in posts]
    for job in posts:
        assert dict(rematched)[job.id] == seekers_for_post(
            job, snapshot, config=config, today=TODAY, k=k
        )
