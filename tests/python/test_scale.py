"""`klaim classify` on large input: flat memory, nothing lost, clean interruption."""
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
PAGES = [REPO / "examples" / n for n in ("001_656384d799c66d7f.txt", "004_c19800768b089a88.txt")]


def cli():
    return [sys.executable, "-m", "klaim"]


def big_input(tmp_path, megabytes):
    page = "\n".join(p.read_text(encoding="utf-8") for p in PAGES) + "\n"
    repeats = megabytes * 2**20 // len(page.encode("utf-8")) + 1
    path = tmp_path / "big.txt"
    with open(path, "w", encoding="utf-8") as fh:
        for _ in range(repeats):
            fh.write(page)
    return path, page, repeats


def test_large_input_keeps_memory_flat_and_loses_no_sentence(tmp_path):
    path, page, repeats = big_input(tmp_path, 150)
    (tmp_path / "page.txt").write_text(page, encoding="utf-8")
    per_page = len(subprocess.run(cli() + ["segment", str(tmp_path / "page.txt")], capture_output=True, text=True, check=True).stdout.splitlines())
    out = tmp_path / "out.tsv"
    # wait4 gives this child's own peak; RUSAGE_CHILDREN would include every
    # earlier child of the test process (a training run peaks above 300 MB)
    with subprocess.Popen(cli() + ["classify", "-q", "--format", "tsv", "-o", str(out), str(path)], stderr=subprocess.PIPE) as p:
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        assert p.returncode == 0, p.stderr.read()
    peak_mb = usage.ru_maxrss / 1024
    print(f"150 MB input: peak RSS {peak_mb:.0f} MB")
    assert peak_mb < 300
    with open(out, encoding="utf-8") as fh:
        rows = sum(1 for _ in fh) - 1
    assert rows == per_page * repeats


def test_interrupt_leaves_only_complete_records(tmp_path):
    path, _, _ = big_input(tmp_path, 60)
    out = tmp_path / "out.jsonl"
    p = subprocess.Popen(cli() + ["classify", "-q", "-o", str(out), str(path)], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while (not out.exists() or out.stat().st_size < 2**20) and time.time() < deadline and p.poll() is None:
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert "interrupted" in err
    lines = out.read_bytes().split(b"\n")
    assert lines[-1] == b"", "the file ends with a complete line"
    records = [json.loads(l) for l in lines[:-1]]
    assert len(records) > 1000
    assert [r["index"] for r in records[:5]] == [0, 1, 2, 3, 4]
