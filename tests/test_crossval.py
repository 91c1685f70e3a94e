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
