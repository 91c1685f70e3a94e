"""Sentence vectors without running the model: the mean of MiniLM's input word-piece embeddings.

Picking a quote needs a sense of meaning for every candidate sentence of three papers, and
running the transformer over them cost about half a second a question on two cores (about
twenty searches' worth). The word-piece table the model starts from carries much of that
sense for a few microseconds a sentence: on SciFact's training rationales, the sentence
closest to the claim by this measure is a rationale as often as by the full model (0.51 vs
0.49 top-1, bench/answer_fit.py). It is one feature among several, never the ranking alone.
"""

from __future__ import annotations

import numpy as np


class StaticVectors:
    """Mean word-piece embeddings of texts, from a tokenizer and its model's input table."""

    def __init__(self, tokenizer, table: np.ndarray, skip_ids: frozenset[int] = frozenset()) -> None:
        self.tokenizer = tokenizer
        self.table = np.asarray(table, dtype=np.float32)
        # [CLS], [SEP] and padding say nothing about a sentence.
        self.skip_ids = skip_ids

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return one L2-normalized row per text (zeros for a text with no word pieces)."""
        out = np.zeros((len(texts), self.table.shape[1]), dtype=np.float32)
        for row, encoding in enumerate(self.tokenizer.encode_batch(texts)):
            ids = [i for i, m in zip(encoding.ids, encoding.attention_mask) if m and i not in self.skip_ids]
            if ids:
                vector = self.table[ids].mean(axis=0)
                out[row] = vector / (np.linalg.norm(vector) or 1.0)
        return out
