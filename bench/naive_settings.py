"""The project's settings with the naive baseline's URLs (``bench/naive_jobs.py``) added."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.naive_jobs"
