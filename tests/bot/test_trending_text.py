"""The words of a trending ranking: the post's header and the one-sentence rule under it."""

from __future__ import annotations

from datetime import date

from bot.core import trending_text
from bot.core.trending import NEAR_SEARCHES, ROTATION, TRENDING, TrendingRanking
from bot.core.trending_text import footer, header

TODAY = date(2026, 3, 1)


def _rankings() -> list[TrendingRanking]:
    return [TrendingRanking(mode=mode, entries=(), days=days) for mode in (TRENDING, NEAR_SEARCHES, ROTATION) for days in (1, 7, 90)]


def test_header_names_the_day_and_differs_per_mode() -> None:
    monday = date(2026, 11, 23)
    by_mode = {r.mode: header(r, monday) for r in _rankings()}
    assert by_mode[TRENDING] == "📈 Trending papers for Monday 23 November"
    assert len(set(by_mode.values())) == 3
    assert all("Monday 23 November" in text and "\n" not in text for text in by_mode.values())


def test_header_and_footer_are_safe_single_sentences() -> None:
    for ranking in _rankings():
        for text in (header(ranking, TODAY), footer(ranking)):
            assert "@" not in text and "\n" not in text
        text = footer(ranking)
        assert len(text) <= 2048
        assert text.endswith(".") and text.count(".") == 1, text
        assert f"{ranking.days} days" in text or (ranking.days == 1 and "last day" in text)


def test_footer_states_the_rule_of_each_mode() -> None:
    assert footer(TrendingRanking(TRENDING, (), 7)) == trending_text.FOOTER
    assert "14-day freshness" in trending_text.FOOTER and "last 7 days" in trending_text.FOOTER
    assert "searches" in footer(TrendingRanking(NEAR_SEARCHES, (), 7))
    assert "rotation" in footer(TrendingRanking(ROTATION, (), 7))
    assert len({footer(TrendingRanking(mode, (), 7)) for mode in (TRENDING, NEAR_SEARCHES, ROTATION)}) == 3
