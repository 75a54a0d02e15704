"""A synthetic city for demonstrations, benchmarks and load tests (``seed_demo``)."""

from stations.demo.city import (
    DemoCityError,
    DemoResult,
    demo_city_generate,
    demo_phone,
    demo_post_reference,
)

__all__ = [
    "DemoCityError",
    "DemoResult",
    "demo_city_generate",
    "demo_phone",
    "demo_post_reference",
]
