#!/usr/bin/env python3
"""Splits data/corpus/*.jsonl into data/train.jsonl and data/heldout.jsonl.

The split is by a hash of each sentence's text, so it is stable: adding
sentences never moves old ones between sides. About 15% go to heldout, which
training never sees. Run after changing the corpus, then retrain (README).
"""
import glob
import hashlib
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
HELDOUT_PERCENT = 15


def side(text: str) -> str:
    h = int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16)
    return "heldout" if h % 100 < HELDOUT_PERCENT else "train"


def main():
    out = {"train": [], "heldout": []}
    for path in sorted(glob.glob(str(ROOT / "data" / "corpus" / "*.jsonl"))):
        for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                out[side(rec["text"])].append(rec)
    for name, recs in out.items():
        with open(ROOT / "data" / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            for r in recs:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"data/{name}.jsonl: {len(recs)} records")


if __name__ == "__main__":
    main()
