#!/usr/bin/env python3
"""Checks klaim's labelled corpus against the rules of issue #3 and LABELS.md.

Usage: python3 scripts/check_corpus.py [FILES...]   (default: data/corpus/*.jsonl)

Fails (exit 1) on: schema errors, exact or near duplicates (two records sharing
more than 70% of their word trigrams), label shares below their floors, less
than 60% Indonesian, one topic above 8%, and any evaluation sentence
(../shared/data) found in the corpus.
"""
from __future__ import annotations

import collections
import glob
import json
import pathlib
import re
import sys
import unicodedata

LABELS = ("demand", "denial", "warning", "procedural", "other")
STYLES = ("portal", "regional", "wire", "briefing", "un", "liveblog", "headline", "caption", "furniture")
FLOORS = {"demand": 0.12, "denial": 0.12, "warning": 0.12, "procedural": 0.12, "other": 0.25}
NEAR_DUPLICATE = 0.70
ROOT = pathlib.Path(__file__).resolve().parent.parent


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[\"'“”‘’]", "", text)
    return re.sub(r"\W+", " ", text).strip()


def trigrams(text: str) -> set[tuple[str, ...]]:
    w = norm(text).split()
    return {tuple(w[i : i + 3]) for i in range(len(w) - 2)}


def load(paths):
    records = []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    records.append((f"{path}:{n}", line))
    return records


def check(paths, shares=True, shared=ROOT.parent / "shared"):
    problems = []
    recs = []
    for where, line in load(paths):
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"{where}: not JSON: {e}")
            continue
        for key in ("text", "label", "lang", "topic", "style"):
            if not isinstance(r.get(key), str) or not r[key].strip():
                problems.append(f"{where}: missing or empty `{key}`")
        if r.get("label") not in LABELS:
            problems.append(f"{where}: unknown label {r.get('label')!r}")
        if r.get("lang") not in ("id", "en"):
            problems.append(f"{where}: lang must be id or en, got {r.get('lang')!r}")
        if r.get("style") not in STYLES:
            problems.append(f"{where}: unknown style {r.get('style')!r}")
        elif r.get("style") in ("caption", "furniture") and r.get("label") != "other":
            # LABELS.md puts captions and page furniture in the `other` row; only
            # headlines are labelled like any sentence (rule 5)
            problems.append(f"{where}: a {r['style']} must be labelled other, not {r.get('label')!r}")
        recs.append((where, r))

    # exact and near duplicates, through an inverted index of trigrams
    seen = {}
    grams = []
    index = collections.defaultdict(list)
    for i, (where, r) in enumerate(recs):
        key = norm(r.get("text", ""))
        if key in seen:
            problems.append(f"{where}: duplicate of {seen[key]}")
        seen.setdefault(key, where)
        g = trigrams(r.get("text", ""))
        grams.append(g)
        counts = collections.Counter(j for t in g for j in index[t])
        for j, shared_n in counts.items():
            smaller = min(len(g), len(grams[j]))
            if smaller and shared_n / smaller > NEAR_DUPLICATE and norm(recs[j][1]["text"]) != key:
                problems.append(f"{where}: near duplicate of {recs[j][0]} ({shared_n}/{smaller} trigrams)")
        for t in g:
            index[t].append(i)

    n = len(recs)
    stats = {"records": n}
    if n:
        labels = collections.Counter(r.get("label") for _, r in recs)
        langs = collections.Counter(r.get("lang") for _, r in recs)
        topics = collections.Counter(r.get("topic") for _, r in recs)
        stats.update(labels={k: round(v / n, 3) for k, v in labels.items()},
                     indonesian=round(langs["id"] / n, 3), topics=len(topics),
                     largest_topic=topics.most_common(1)[0])
        if shares:
            for label, floor in FLOORS.items():
                if labels[label] / n < floor:
                    problems.append(f"label {label} is {labels[label] / n:.1%} of records, below {floor:.0%}")
            if langs["id"] / n < 0.60:
                problems.append(f"Indonesian is {langs['id'] / n:.1%} of records, below 60%")
            topic, count = topics.most_common(1)[0]
            if count / n > 0.08:
                problems.append(f"topic {topic} is {count / n:.1%} of records, above 8%")

    # evaluation sentences must never be in training data
    evaluation = set()
    for p in (shared / "data" / "dev_seed.jsonl", shared / "data" / "external" / "plover_gsr.jsonl"):
        if p.exists():
            evaluation |= {norm(json.loads(l)["text"]) for l in p.read_text(encoding="utf-8").splitlines() if l.strip()}
        else:
            print(f"note: {p} not found; the evaluation-overlap check skips it", file=sys.stderr)
    for where, r in recs:
        if norm(r.get("text", "")) in evaluation:
            problems.append(f"{where}: sentence of the evaluation data")
    return problems, stats


def main(argv):
    paths = argv or sorted(glob.glob(str(ROOT / "data" / "corpus" / "*.jsonl")))
    problems, stats = check(paths)
    print(json.dumps(stats, ensure_ascii=False))
    for p in problems[:200]:
        print(p)
    if len(problems) > 200:
        print(f"... and {len(problems) - 200} more")
    print("OK" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
