from __future__ import annotations

import io
import re

from core.progress import Progress


def test_a_log_gets_one_plain_line_per_tenth_with_rate_and_time_left():
    stream = io.StringIO()
    with Progress(total=1000, description="seekers", stream=stream, is_terminal=False) as progress:
        for _ in range(40):
            progress.advance(25)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10
    assert "\r" not in stream.getvalue()
    assert lines[0].startswith("seekers: 100/1,000 (10%), ")
    assert lines[-1].startswith("seekers: 1,000/1,000 (100%), ")
    assert all(re.search(r", [\d,]+/s, [\d,]+ s left$", line) for line in lines)


def test_a_large_step_writes_one_line_not_one_per_tenth_crossed():
    stream = io.StringIO()
    with Progress(total=100, description="posts", stream=stream, is_terminal=False) as progress:
        progress.advance(100)
    assert stream.getvalue().splitlines() == [stream.getvalue().splitlines()[0]]
    assert "posts: 100/100 (100%)" in stream.getvalue()


def test_nothing_to_do_still_says_so():
    stream = io.StringIO()
    with Progress(total=0, description="employers", stream=stream, is_terminal=False):
        pass
    assert stream.getvalue().startswith("employers: 0/0 (100%)")


def test_a_terminal_gets_a_bar_with_rate_and_time_left():
    stream = io.StringIO()
    with Progress(total=50, description="seekers", stream=stream, is_terminal=True) as progress:
        progress.advance(20)
        progress.advance(30)
    output = stream.getvalue()
    assert "\r" in output  # redrawn in place
    assert "seekers: 100%" in output
    assert re.search(r"50(\.0)?/50(\.0)?", output)
    assert re.search(r"<00:00, [\d.]+[kMG]?rows/s\]", output)  # time left, then the rate
