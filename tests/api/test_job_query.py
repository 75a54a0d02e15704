"""The jobs list reads its query as ``JobQuerySerializer`` does, whether the query takes the
quick way (a point, a radius, an ordering) or goes through the serializer."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError

from api.serializers import JobQuerySerializer, _plain_job_query, job_query

NAMES = ["lat", "lon", "radius_km", "ordering", "occupation", "min_wage", "date", "take_home"]
ODD_VALUES = ["", " 36", "36 ", "1e1", "nan", "inf", "-0", "+5", "٣٦", "90.0000001", "-90"]
ODD_VALUES += ["180", "-180.5", "200", "200.01", "0.1", "0.09", "5.", ".5", "distance", "newest"]
ODD_VALUES += ["relevance", "DISTANCE", "true", "2026-12-03", "6-29", "150.5"]
values = st.one_of(
    st.from_regex(r"-?[0-9]{1,4}(\.[0-9]{1,25})?", fullmatch=True),
    st.sampled_from(ODD_VALUES),
    st.text(max_size=4),
)
anything = st.dictionaries(
    st.sampled_from([*NAMES, "page", "page_size", "format"]),
    st.lists(values, min_size=1, max_size=2),
)


def number(low: float, high: float) -> st.SearchStrategy[list[str]]:
    decimals = st.integers(min_value=0, max_value=6)
    return st.builds(lambda value, places: [f"{value:.{places}f}"], st.floats(low, high), decimals)


# What phones send (and a little beyond the bounds).
points = st.fixed_dictionaries(
    {"lat": number(-95, 95), "lon": number(-185, 185)},
    optional={
        "radius_km": number(0, 210),
        "ordering": st.lists(
            st.sampled_from(["distance", "newest", "relevance", ""]), min_size=1, max_size=1
        ),
        "page_size": st.just(["20"]),
    },
)
queries = st.one_of(anything, points)


def query_dict(lists: dict[str, list[str]]) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, given_values in lists.items():
        query.setlist(name, given_values)
    return query


@settings(max_examples=800, deadline=None)
@given(queries)
@example({"lat": ["36.06123"], "lon": ["103.84"], "radius_km": ["7.4"], "page_size": ["20"]})
@example({"lat": ["36.06"], "lon": ["103.84"], "ordering": ["newest"], "page": ["2"]})
@example({"lat": ["36.06"], "lon": ["103.84"], "radius_km": ["0.09"]})
@example({"lat": ["36.06"], "lon": ["103.84", "103.85"]})
@example({"lat": ["36.06"], "lon": ["103.84"], "take_home": ["true"]})
def test_a_query_reads_as_the_serializer_reads_it(lists):
    query = query_dict(lists)
    serializer = JobQuerySerializer(data=query)
    if serializer.is_valid():
        assert job_query(query) == dict(serializer.validated_data)
    else:
        with pytest.raises(ValidationError) as refused:
            job_query(query)
        assert refused.value.detail == serializer.errors


def test_a_point_with_a_radius_and_an_ordering_takes_the_quick_way():
    for text in (
        "lat=36.06123&lon=103.84&radius_km=7.4&ordering=distance&page_size=20",
        "lat=-36&lon=-103.5&page=3",
        "lat=90&lon=180&radius_km=200&ordering=relevance",
    ):
        assert _plain_job_query(QueryDict(text)) is not None, text
    for text in ("lat=36&lon=103&take_home=true", "lat=36&lon=103&radius_km=1e1", "lon=103"):
        assert _plain_job_query(QueryDict(text)) is None, text
