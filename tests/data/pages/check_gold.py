#!/usr/bin/env python3
"""Verify the gold segmentation files in this directory.

For every <stem>.gold.jsonl next to a raw page <stem>.txt, check that:
  * every line is a JSON object with "text" (str) and "boilerplate" (bool), and
    "label" (one of the LABELS.md labels) when present -- required for page*.gold.jsonl;
  * each text is non-empty, has no surrounding whitespace and no line break;
  * the texts are exact substrings of the raw file, in file order, without overlap;
  * every non-whitespace character of the raw file belongs to exactly one text
    (only whitespace lies before, between and after the texts).

Usage: python3 check_gold.py [DIR]   (default: the directory of this script)
Exit code 0 when every file passes, 1 otherwise.
"""
import json
import pathlib
import sys

LABELS = {"demand", "denial", "warning", "procedural", "other"}


def skip_ws(raw: str, pos: int) -> int:
    while pos < len(raw) and raw[pos].isspace():
        pos += 1
    return pos


def check(gold_path: pathlib.Path) -> list[str]:
    stem = gold_path.name[: -len(".gold.jsonl")]
    raw_path = gold_path.with_name(stem + ".txt")
    if not raw_path.exists():
        return [f"missing raw file {raw_path.name}"]
    try:
        raw = raw_path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        return [f"{raw_path.name} is not UTF-8: {e}"]
    need_label = stem.startswith("page")
    errors: list[str] = []
    pos = 0
    with open(gold_path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            where = f"line {n}"
            if not line.strip():
                errors.append(f"{where}: empty line")
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"{where}: invalid JSON: {e}")
                continue
            if not isinstance(rec, dict):
                errors.append(f"{where}: not a JSON object")
                continue
            text, bp = rec.get("text"), rec.get("boilerplate")
            if not isinstance(text, str) or not text:
                errors.append(f"{where}: 'text' missing or empty")
                continue
            if not isinstance(bp, bool):
                errors.append(f"{where}: 'boilerplate' must be true/false")
            if "label" in rec or need_label:
                if rec.get("label") not in LABELS:
                    errors.append(f"{where}: bad or missing label {rec.get('label')!r}")
            if text != text.strip():
                errors.append(f"{where}: text has surrounding whitespace: {text!r}")
            if "\n" in text or "\r" in text:
                errors.append(f"{where}: text spans a line break: {text!r}")
            start = skip_ws(raw, pos)
            if raw.startswith(text, start):
                pos = start + len(text)
                continue
            found = raw.find(text, pos)
            if found < 0:
                hint = "earlier in the file (out of order/overlap)" if text in raw else "nowhere"
                errors.append(f"{where}: text not found after offset {pos} (found {hint}): {text[:60]!r}")
            else:
                errors.append(
                    f"{where}: uncovered text before it at offset {start}: "
                    f"{raw[start:found].strip()[:60]!r}"
                )
                pos = found + len(text)
    rest = raw[pos:].strip()
    if rest:
        errors.append(f"uncovered text at end of file (offset {pos}): {rest[:60]!r}")
    return errors


def main(argv: list[str]) -> int:
    root = pathlib.Path(argv[1]) if len(argv) > 1 else pathlib.Path(__file__).resolve().parent
    golds = sorted(root.glob("*.gold.jsonl"))
    if not golds:
        print(f"no *.gold.jsonl files in {root}", file=sys.stderr)
        return 1
    failed = 0
    for g in golds:
        errs = check(g)
        if errs:
            failed += 1
            print(f"FAIL {g.name}")
            for e in errs[:20]:
                print(f"  {e}")
            if len(errs) > 20:
                print(f"  ... {len(errs) - 20} more")
        else:
            n = sum(1 for line in open(g, encoding="utf-8") if line.strip())
            print(f"ok   {g.name}: {n} sentences")
    print(f"{len(golds) - failed}/{len(golds)} files pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
