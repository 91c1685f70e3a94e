"""The bot memory benchmark's figures from its samples: which sample is idle, after 2 min, the end, and the drift."""

from __future__ import annotations

import os

from bench.bot_memory import Sample, read_memory, summarize

MB = 1_000_000


def samples(*points: tuple[float, float]) -> list[Sample]:
    return [Sample(t, int(mb * MB), int(mb * MB) // 2) for t, mb in points]


def test_figures_of_a_ten_minute_run() -> None:
    # Idle before the traffic, growth in the first minutes, then a plateau from 200 s (a third of 10 min).
    run = samples((-1, 300), (5, 350), (60, 380), (115, 390), (120, 395), (125, 396), (199, 500), (200, 400), (400, 440), (600, 420))
    figures = summarize(run, minutes=10)
    assert figures["idle_mb"] == 300 and figures["idle_anon_mb"] == 150
    assert figures["after_2min_mb"] == 395  # the first sample at or past 120 s
    assert figures["max_mb"] == 500 and figures["end_mb"] == 420 and figures["end_anon_mb"] == 210
    # The 500 at 199 s lies before the window: (440 - 400) / 400.
    assert figures["drift_from_s"] == 200 and figures["drift_pct"] == 10.0


def test_a_short_run_measures_its_drift_from_two_minutes_or_over_all_of_it() -> None:
    assert summarize(samples((-1, 300), (100, 400), (130, 410), (180, 400)), minutes=3)["drift_pct"] == 2.5
    short = summarize(samples((-1, 300), (5, 400), (60, 500)), minutes=1)
    assert short["after_2min_mb"] is None and short["drift_from_s"] == 120 and short["drift_pct"] == 25.0


def test_memory_is_read_from_the_process_status() -> None:
    mine = read_memory(os.getpid())
    assert set(mine) == {"VmRSS", "VmHWM", "RssAnon", "RssFile"}
    assert 0 < mine["VmRSS"] <= mine["VmHWM"] and mine["RssAnon"] + mine["RssFile"] <= mine["VmRSS"]
