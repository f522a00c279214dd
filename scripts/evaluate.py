#!/usr/bin/env python3
"""Scores the embedded default model beside scikit-learn's TF-IDF + LogisticRegression
trained on the same corpus (data/train.jsonl), on three sets: the held-out split,
../shared/data/dev_seed.jsonl and ../shared/data/external/plover_gsr.jsonl.

Prints a Markdown table and, with --readme, writes it into README.md between the
<!-- eval:start --> and <!-- eval:end --> markers. Needs scikit-learn.
"""
import json
import pathlib
import re
import sys

import klaim
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import FeatureUnion, make_pipeline

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
SETS = {
    "held-out split": ROOT / "data" / "heldout.jsonl",
    "dev_seed": SHARED / "dev_seed.jsonl",
    "plover_gsr": SHARED / "external" / "plover_gsr.jsonl",
}


def read(path):
    recs = [json.loads(l) for l in pathlib.Path(path).read_text(encoding="utf-8").splitlines() if l.strip()]
    return [r["text"] for r in recs], [r["label"] for r in recs]


def sklearn_model(texts, labels):
    features = FeatureUnion([
        ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
    ])
    return make_pipeline(features, LogisticRegression(max_iter=2000)).fit(texts, labels)


def main():
    train_texts, train_labels = read(ROOT / "data" / "train.jsonl")
    clf = klaim.Classifier.default()
    sk = sklearn_model(train_texts, train_labels)
    labels = clf.labels
    head = "| set | n | model | macro-F1 | " + " | ".join(f"F1 {l}" for l in labels) + " |"
    rows = [head, "|" + "---|" * (4 + len(labels))]
    for name, path in SETS.items():
        if not path.exists():
            continue
        texts, gold = read(path)
        for model_name, pred in (("klaim (default model)", clf.predict(texts)), ("scikit-learn TF-IDF + LR", list(sk.predict(texts)))):
            per = f1_score(gold, pred, labels=labels, average=None, zero_division=0)
            macro = f1_score(gold, pred, average="macro", zero_division=0)
            rows.append(f"| {name} | {len(texts)} | {model_name} | {macro:.3f} | " + " | ".join(f"{x:.3f}" for x in per) + " |")
    table = "\n".join(rows)
    print(table)
    if "--readme" in sys.argv:
        readme = ROOT / "README.md"
        text = readme.read_text(encoding="utf-8")
        new = re.sub(r"(<!-- eval:start -->\n).*?(<!-- eval:end -->)", lambda m: m.group(1) + table + "\n" + m.group(2), text, flags=re.S)
        readme.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
