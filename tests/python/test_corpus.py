"""The labelled corpus follows the rules of LABELS.md and issue #3."""
import json
import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

import check_corpus  # noqa: E402
import split_corpus  # noqa: E402


def corpus_files():
    return sorted((REPO / "data" / "corpus").glob("*.jsonl"))


def test_corpus_passes_every_check():
    problems, stats = check_corpus.check(corpus_files())
    assert stats["records"] >= 6000
    assert not problems, "\n".join(problems[:30])


def test_checker_catches_near_duplicates_and_missing_tags(tmp_path):
    f = tmp_path / "x.jsonl"
    rows = [
        {"text": "Beijing menuntut Manila segera menarik kapal patrolinya dari perairan sengketa itu.", "label": "demand", "lang": "id", "topic": "a", "style": "portal"},
        {"text": "Beijing menuntut Manila segera menarik kapal patrolinya dari perairan sengketa ini.", "label": "demand", "lang": "id", "topic": "a", "style": "portal"},
        {"text": "Talks resume on Monday.", "label": "procedural", "lang": "en", "style": "wire"},
        {"text": "Kedua menlu berjabat tangan sebelum pertemuan di Jakarta. (ANTARA FOTO)", "label": "procedural", "lang": "id", "topic": "b", "style": "caption"},
    ]
    f.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    problems, _ = check_corpus.check([f], shares=True)
    text = "\n".join(problems)
    assert "near duplicate" in text
    assert "missing or empty `topic`" in text
    assert "label denial is 0.0% of records" in text
    assert "a caption must be labelled other, not 'procedural'" in text


def test_train_and_heldout_are_the_committed_split_of_the_corpus():
    recs = [json.loads(l) for f in corpus_files() for l in open(f, encoding="utf-8") if l.strip()]
    train = [json.loads(l) for l in open(REPO / "data" / "train.jsonl", encoding="utf-8")]
    heldout = [json.loads(l) for l in open(REPO / "data" / "heldout.jsonl", encoding="utf-8")]
    assert len(train) + len(heldout) == len(recs), "run scripts/split_corpus.py after editing data/corpus"
    assert {r["text"] for r in train}.isdisjoint({r["text"] for r in heldout})
    assert all(split_corpus.side(r["text"]) == "heldout" for r in heldout)
    assert 0.10 < len(heldout) / len(recs) < 0.20
