"""What a whole message is searched with: its words without mentions, links and markdown, cut sensibly."""

from __future__ import annotations

from bot.core.message_search import message_query
from retrieval.query import MAX_QUERY_CHARS


def test_a_short_message_is_searched_whole() -> None:
    query = message_query("Is there work on faster Sinkhorn iterations?")
    assert query == message_query("Is there work on faster Sinkhorn iterations?")
    assert (query.text, query.note, query.arxiv_ids) == ("Is there work on faster Sinkhorn iterations?", None, ())


def test_a_long_message_is_cut_at_the_last_sentence_that_fits() -> None:
    sentence = "Optimal transport with entropic regularisation converges fast. "  # 63 characters
    query = message_query(sentence * 12)
    assert len(query.text) <= MAX_QUERY_CHARS and query.text.endswith("converges fast.")
    assert len(query.text) > MAX_QUERY_CHARS - len(sentence)
    assert query.note == f"The message is long; I searched with its first {len(query.text)} characters."


def test_one_endless_sentence_is_cut_at_a_word() -> None:
    query = message_query("transport " * 80)
    assert len(query.text) <= MAX_QUERY_CHARS and query.text.endswith("transport") and query.note


def test_mentions_links_and_markdown_are_left_out() -> None:
    text = (
        "<@123> @everyone <@&456> in <#789> <:blob:42> **see** __this__ ~~old~~ ||spoiler|| `jax_opt` "
        "> quoted\n# heading [the paper](https://example.org/x) and <https://example.org/y> https://example.org/z"
    )
    assert message_query(text).text == "in see this old spoiler jax_opt quoted heading the paper and"


def test_embed_text_counts_and_linked_arxiv_ids_are_found() -> None:
    query = message_query(
        "read https://arxiv.org/abs/2105.15183v2, arXiv:2401.00001 and (https://huggingface.co/papers/2105.15183)",
        ["Efficient and Modular Implicit Differentiation", "Automatic differentiation has revolutionized ML."],
    )
    assert query.arxiv_ids == ("2105.15183", "2401.00001")
    assert query.text == (
        "read arXiv:2401.00001 and ( Efficient and Modular Implicit Differentiation "
        "Automatic differentiation has revolutionized ML."
    )


def test_a_message_of_only_pings_has_no_text() -> None:
    assert message_query("<@1> <:blob:2> @here").text == ""
