"""k-fold selection scores each fold with the variant chosen on the other folds."""

from __future__ import annotations

import numpy as np

from retrieval.crossval import cross_validate, folds_of


def test_folds_cover_every_query_once() -> None:
    parts = folds_of(23, 5, seed=1)
    assert sorted(np.concatenate(parts).tolist()) == list(range(23)) and len(parts) == 5


def test_a_variant_better_everywhere_is_chosen_on_every_fold() -> None:
    rng = np.random.default_rng(0)
    base = rng.random(40)
    result = cross_validate({"base": base, "better": base + 0.1}, folds=4)
    assert result.chosen == ("better",) * 4
    expected = [float((base + 0.1)[f].mean()) for f in folds_of(40, 4)]
    np.testing.assert_allclose(result.per_fold, expected)
    assert abs(result.mean - float(np.mean(expected))) < 1e-12 and result.spread > 0


def test_a_variant_that_only_wins_where_it_was_chosen_does_not_look_better_held_out() -> None:
    # "lucky" wins big on one fold's queries and loses a little on all others. Whole-set, it
    # looks better (0.54 against 0.5); held out, it is chosen for that one fold's luck and
    # then scored where it loses, so selection does not pay.
    base = np.full(50, 0.5)
    parts = folds_of(50, 5)
    lucky = base.copy()
    lucky[parts[0]] = 0.9
    lucky[np.concatenate(parts[1:])] = 0.45
    assert lucky.mean() > base.mean()
    result = cross_validate({"base": base, "lucky": lucky}, folds=5)
    assert result.mean < base.mean()


def _labelled(semantic, lexical, negative):
    from retrieval.weak_rule import Labelled

    return Labelled(np.array(semantic, dtype=float), np.array(lexical, dtype=float), np.array(negative, dtype=bool))


def test_the_fitted_weak_rule_flags_negatives_within_the_cap_of_answerable_queries() -> None:
    from retrieval.weak_rule import count_flags, fit_weak_rule

    # Negatives have low cosine and few query words; one answerable query (a paraphrase) has a
    # low cosine too but holds its words, so only a rule that weighs words flags all negatives
    # without it.
    data = _labelled(
        semantic=[0.2, 0.3, 0.45, 0.4] + [0.7] * 38,
        lexical=[0.3, 0.2, 0.3, 1.0] + [0.9] * 38,
        negative=[True, True, True, False] + [False] * 38,
    )
    rule = fit_weak_rule([data], cap=1 / 40, weights=(0.0, 0.5))
    assert rule.lexical_weight == 0.5
    counts = count_flags(rule, data)
    assert (counts.negatives, counts.of_negatives, counts.answerable, counts.of_answerable) == (3, 3, 0, 39)
    # The threshold sits between the highest flagged score and the lowest unflagged one.
    assert 0.45 + 0.5 * 0.3 < rule.threshold < 0.4 + 0.5 * 1.0


def test_a_weak_rule_fitted_on_other_folds_is_scored_on_the_held_out_one() -> None:
    from retrieval.weak_rule import cross_validate_rule

    # One negative sits far above the others: whichever fold holds it out, a rule fitted
    # without it misses it, which a whole-set fit would hide.
    semantic = [0.2, 0.25, 0.3, 0.62] + [0.7 + 0.001 * i for i in range(36)]
    data = _labelled(semantic, [0.0] * 40, [True] * 4 + [False] * 36)
    counts = cross_validate_rule(data, folds=4, seed=0, cap=0.0)
    assert counts.of_negatives == 4 and counts.of_answerable == 36
    assert counts.negatives == 3 and counts.answerable == 0
