"""`paperscout search --author` as a user runs it: a process over a data dir with papers ingested beside the shipped ones."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROWS = [
    {"title": "Contrastive graph learning for molecules", "abstract": "We learn graph representations of molecules contrastively.",
     "authors": ["Ada Lovelace", "Charles Babbage"], "published": "2023-03-01", "github_repo": "https://github.com/lab/a"},
    {"title": "Analytical engines for graph search", "abstract": "An engine that searches graphs analytically.",
     "authors": ["Lovelace, A."], "published": "2025-01-10"},
    {"title": "Notes on the analytical engine", "abstract": "Notes on an engine that computes numbers.",
     "authors": ["Ada Lovelace"]},
    {"title": "Difference engines for contrastive learning", "abstract": "Difference engines learn graph representations by contrasting many examples.",
     "authors": ["Charles Babbage"], "published": "2024-05-05"},
]


def paperscout(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).with_name("paperscout")), *args], capture_output=True, text=True,
                          env={**os.environ, "PAPERSCOUT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}, timeout=300)


def test_search_by_author_lists_newest_first_and_filters_a_query(tmp_path: Path, shipped_data_dir: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(shipped_data_dir, data_dir)
    (tmp_path / "new.jsonl").write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
    ingested = paperscout(data_dir, "ingest", str(tmp_path / "new.jsonl"))
    assert ingested.returncode == 0 and "added 4," in ingested.stdout + ingested.stderr, ingested.stderr

    listed = paperscout(data_dir, "search", "--author", "Ada Lovelace", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [h["title"] for h in json.loads(listed.stdout)] == [
        "Analytical engines for graph search", "Contrastive graph learning for molecules", "Notes on the analytical engine",
    ]
    coded = json.loads(paperscout(data_dir, "search", "--author", "lovelace", "--has-code", "--json").stdout)
    assert [h["title"] for h in coded] == ["Contrastive graph learning for molecules"]
    text = paperscout(data_dir, "search", "--author", "A. Lovelace", "-k", "2")
    assert text.stdout.startswith("(Papers by A. Lovelace, newest first: 2 of 3)")

    query = json.loads(paperscout(data_dir, "search", "graph learning", "--author", "Charles Babbage", "-k", "10", "--json").stdout)
    assert {h["title"] for h in query} == {"Contrastive graph learning for molecules", "Difference engines for contrastive learning"}
    inline = json.loads(paperscout(data_dir, "search", 'graph author:"Babbage, C." ', "-k", "10", "--json").stdout)
    assert {h["title"] for h in inline} == {h["title"] for h in query}

    unknown = paperscout(data_dir, "search", "--author", "Grace Hopper")
    assert unknown.returncode == 1 and unknown.stderr.count("\n") == 1 and "I know no papers by" in unknown.stderr
    nothing = paperscout(data_dir, "search")
    assert nothing.returncode == 2 and "give a QUERY, or --author NAME" in nothing.stderr
    twice = paperscout(data_dir, "search", "author:Babbage graphs", "--author", "Ada Lovelace")
    assert twice.returncode == 2 and "give the author once" in twice.stderr
