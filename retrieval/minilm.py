"""all-MiniLM-L6-v2 in plain torch: the vectors sentence-transformers computes, without importing it.

Importing sentence-transformers (and through it transformers and scikit-learn) took 5-6 s
and 250 MB of an 87k-paper start whose budget is 10 s; torch, tokenizers and safetensors
take 1.3 s. The model is what the package's `modules.json` names: a BERT encoder (sizes
from `config.json`), mean pooling over the non-padding tokens, L2 normalization, inputs cut
at `max_seq_length` (`sentence_bert_config.json`). `tests/test_minilm.py` checks the
vectors against `SentenceTransformer.encode` on texts short, long and odd.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


class MiniLM:
    """The package's model weights and tokenizer, run as a BERT encoder with mean pooling."""

    def __init__(self, path: Path) -> None:
        import safetensors.torch
        import tokenizers
        import torch

        self._torch = torch
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        st_config = json.loads((path / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self.hidden = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        if config.get("hidden_act", "gelu") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(f"{path} is not a BERT encoder this loader knows")
        tokenizer = tokenizers.Tokenizer.from_file(str(path / "tokenizer.json"))
        # The file's own settings (pad and cut at 128) are not sentence-transformers': cut at
        # max_seq_length, pad to the longest text of a batch.
        tokenizer.enable_truncation(int(st_config.get("max_seq_length", 256)))
        tokenizer.enable_padding(pad_id=int(config.get("pad_token_id", 0)), pad_token="[PAD]")
        self.tokenizer = tokenizer
        self.weights = safetensors.torch.load_file(str(path / "model.safetensors"))

    def static_vectors(self):
        """Return the model's input word-piece table as a StaticVectors (retrieval/static_vectors.py)."""
        from retrieval.static_vectors import StaticVectors

        special = {self.tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]", "[PAD]")}
        table = self.weights["embeddings.word_embeddings.weight"].float().numpy()
        return StaticVectors(self.tokenizer, table, frozenset(i for i in special if i is not None))

    def embed(self, texts: list[str]) -> np.ndarray:
        """Return one L2-normalized float32 row per text (one batch: pass texts of similar length)."""
        torch = self._torch
        encodings = self.tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in encodings], dtype=torch.long)
        types = torch.tensor([e.type_ids for e in encodings], dtype=torch.long)
        mask = torch.tensor([e.attention_mask for e in encodings], dtype=torch.float32)
        with torch.inference_mode():
            tokens = self._encode(ids, types, mask)
            weights = mask.unsqueeze(-1)
            pooled = (tokens * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1).numpy()

    def _encode(self, ids, types, mask):
        torch, w = self._torch, self.weights
        F = torch.nn.functional
        n, length = ids.shape
        size, heads = self.hidden, self.heads

        def norm(x, name):
            return F.layer_norm(x, (size,), w[f"{name}.weight"], w[f"{name}.bias"], self.eps)

        def linear(x, name):
            return F.linear(x, w[f"{name}.weight"], w[f"{name}.bias"])

        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length]
            + w["embeddings.token_type_embeddings.weight"][types]
        )
        x = norm(x, "embeddings.LayerNorm")
        # Padding is masked out of attention by a large negative bias, as BERT does; a batch
        # without padding (a single query) needs none, and attention runs faster without.
        bias = None if bool(mask.all()) else ((1.0 - mask) * torch.finfo(torch.float32).min)[:, None, None, :]
        for i in range(self.layers):
            layer = f"encoder.layer.{i}"

            def split(t):
                return t.view(n, length, heads, size // heads).transpose(1, 2)

            q = split(linear(x, f"{layer}.attention.self.query"))
            k = split(linear(x, f"{layer}.attention.self.key"))
            v = split(linear(x, f"{layer}.attention.self.value"))
            attended = F.scaled_dot_product_attention(q, k, v, attn_mask=bias).transpose(1, 2).reshape(n, length, size)
            x = norm(x + linear(attended, f"{layer}.attention.output.dense"), f"{layer}.attention.output.LayerNorm")
            inner = F.gelu(linear(x, f"{layer}.intermediate.dense"))
            x = norm(x + linear(inner, f"{layer}.output.dense"), f"{layer}.output.LayerNorm")
        return x
