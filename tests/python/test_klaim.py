"""The Python API as a notebook user meets it."""
import concurrent.futures
import multiprocessing
import os
import pathlib
import pickle
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import klaim

REPO = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "001_656384d799c66d7f.txt"
LABELS = ["demand", "denial", "other", "procedural", "warning"]

# 45 labelled sentences, shared with the Rust tests
TRAIN = [tuple(line.rstrip("\n").split("\t")) for line in
         (REPO / "tests" / "data" / "tiny_train.tsv").read_text(encoding="utf-8").splitlines()[1:]]


@pytest.fixture(scope="module")
def clf():
    return klaim.Classifier.default()


@pytest.fixture(scope="module")
def small():
    texts, labels = zip(*TRAIN)
    return klaim.Classifier.fit(list(texts), list(labels), min_df=1)


def test_default_model_labels_clear_claims(clf):
    assert clf.labels == LABELS
    assert clf.predict(["Rusia menuntut NATO menghentikan ekspansi."]) == ["demand"]
    got = clf.predict([
        "Kementerian Pertahanan membantah laporan bahwa pasukannya telah melintasi perbatasan.",
        "Washington memperingatkan bahwa setiap serangan akan dibalas dengan sanksi ekonomi yang berat.",
        "Putaran ketiga perundingan dijadwalkan berlangsung di Jakarta pada Kamis pekan depan.",
        "Copyright © 2024 All Rights Reserved",
    ])
    assert got == ["denial", "warning", "procedural", "other"]


def test_predict_proba_is_a_float_array_whose_rows_sum_to_one(clf):
    texts = ["Seoul menolak usulan itu.", "The envoys will meet in Doha on Monday.", "Hujan turun sejak pagi."]
    p = clf.predict_proba(texts)
    assert isinstance(p, np.ndarray) and p.dtype == np.float32
    assert p.shape == (3, len(clf.labels))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    assert [clf.labels[i] for i in p.argmax(axis=1)] == clf.predict(texts)
    assert clf.predict_proba([]).shape == (0, 5)


def test_accepts_any_iterable_of_str(clf):
    texts = ["Jakarta mendesak dialog.", "Talks resume in Geneva.", "Harga beras naik."]
    expected = clf.predict(texts)
    assert clf.predict(tuple(texts)) == expected
    assert clf.predict(t for t in texts) == expected
    assert clf.predict(np.array(texts)) == expected
    assert clf.predict(np.array(texts, dtype=object)) == expected


def test_pandas_series_column(clf):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"text": ["Jakarta mendesak dialog.", "Talks resume in Geneva."]})
    df["label"] = clf.predict(df["text"])
    assert list(df["label"]) == clf.predict(list(df["text"]))
    proba = pd.DataFrame(clf.predict_proba(df["text"]), columns=clf.labels, index=df.index)
    assert list(proba.columns) == LABELS
    gaps = pd.Series(["Jakarta mendesak dialog.", np.nan], index=[10, 20])
    with pytest.raises(ValueError, match=r"texts\[1\] \(index 20\) is missing \(nan\); drop or fill"):
        clf.predict(gaps)
    with pytest.raises(ValueError, match=r"texts\[0\] is missing \(None\)"):
        clf.predict([None])


def test_bad_arguments_raise_type_and_value_errors(clf):
    with pytest.raises(TypeError, match="single str"):
        clf.predict("Jakarta mendesak dialog.")
    with pytest.raises(TypeError, match=r"texts\[1\] is int"):
        clf.predict(["ok", 3])
    with pytest.raises(TypeError, match="iterable"):
        clf.predict(42)
    texts, labels = zip(*TRAIN)
    with pytest.raises(ValueError, match="45 texts but 44 labels"):
        klaim.Classifier.fit(texts, labels[:-1])
    with pytest.raises(ValueError, match="alpha"):
        klaim.Classifier.fit(texts, labels, alpha=-1.0)
    with pytest.raises(ValueError, match="unknown algorithm"):
        klaim.Classifier.fit(texts, labels, algorithm="svm-deluxe")
    with pytest.raises(ValueError, match="one label only"):
        klaim.Classifier.fit(["a b", "c d", "e f"], ["other", "other", "other"])
    with pytest.raises(ValueError, match=r"texts\[1\] is empty"):
        klaim.Classifier.fit(["a b", "  "], ["other", "demand"])
    with pytest.raises(ValueError, match=r"labels\[2\] `Demand` differs from labels\[0\] `demand` only in case"):
        klaim.Classifier.fit(["a b", "c d", "e f"], ["demand", "other", "Demand"])
    with pytest.raises(ValueError, match=r"texts\[0\] is not valid Unicode"):
        clf.predict(["bad \udc80 text"])
    with pytest.raises(ValueError, match="nothing to evaluate"):
        clf.evaluate([], [])
    for bad in (2.0, -0.1, float("nan")):
        with pytest.raises(ValueError, match="min_confidence must be between 0 and 1"):
            clf.classify("Iran denies it.", min_confidence=bad)


def test_fit_save_load_round_trip(small, tmp_path):
    assert small.labels == LABELS
    assert small.predict(["Kemlu membantah laporan itu"]) == ["denial"]
    path = tmp_path / "m.klaim"
    small.save(path)
    back = klaim.Classifier.load(str(path))
    texts = ["Kemlu membantah laporan itu", "Delegasi bertemu di Jenewa"]
    np.testing.assert_array_equal(back.predict_proba(texts), small.predict_proba(texts))
    info = back.info()
    assert info["training"]["n_records"] == 45 and info["algorithm"] == "logistic"
    nb = klaim.Classifier.fit(*zip(*TRAIN), algorithm="one-vs-rest", min_df=1)
    assert nb.info()["algorithm"] == nb.info()["params"]["algorithm"] == "one-vs-rest"


def test_model_file_errors_are_catchable_by_name(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.klaim"):
        klaim.Classifier.load(tmp_path / "nope.klaim")
    bad = tmp_path / "bad.klaim"
    bad.write_bytes(b"not a model at all")
    with pytest.raises(klaim.ModelFormatError, match="not a klaim model"):
        klaim.Classifier.load(bad)
    good = klaim.Classifier.default().to_bytes()
    bad.write_bytes(good[: len(good) // 3])
    with pytest.raises(klaim.KlaimError, match="truncated"):
        klaim.Classifier.load(bad)
    assert issubclass(klaim.ModelFormatError, klaim.KlaimError)
    assert issubclass(klaim.DataError, klaim.KlaimError)
    # errors cross process boundaries (multiprocessing pickles them)
    assert klaim.KlaimError.__name__ == "KlaimError"
    for cls in (klaim.KlaimError, klaim.DataError, klaim.ModelFormatError):
        back = pickle.loads(pickle.dumps(cls("bad.tsv:3: boom")))
        assert type(back) is cls and str(back) == "bad.tsv:3: boom"


def test_pickle_and_joblib(small, tmp_path):
    back = pickle.loads(pickle.dumps(small))
    texts = ["Kemlu membantah laporan itu"]
    raw = small.to_bytes()
    for data in (bytearray(raw), memoryview(raw)):
        assert klaim.Classifier.from_bytes(data).predict(texts) == small.predict(texts)
    with pytest.raises(TypeError, match="bytes-like"):
        klaim.Classifier.from_bytes("not bytes")
    np.testing.assert_array_equal(back.predict_proba(texts), small.predict_proba(texts))
    joblib = pytest.importorskip("joblib")
    joblib.dump(small, tmp_path / "m.joblib")
    assert joblib.load(tmp_path / "m.joblib").predict(texts) == small.predict(texts)


def test_segment_gives_str_offsets_into_the_page(clf):
    raw = SAMPLE.read_text(encoding="utf-8")
    assert not raw.isascii()
    sentences = clf.segment(raw)
    assert len(sentences) > 20
    for s in sentences:
        assert raw[s["start"]:s["end"]] == s["text"]
    assert any(s["boilerplate"] for s in sentences)
    assert sentences[0]["text"] == "Bulan Depan Rusia, AS dan NATO Duduk Satu Meja"


def test_classify_pages_matches_classify_page_by_page(clf):
    raw = SAMPLE.read_text(encoding="utf-8")
    pages = [raw, "", "Iran menolak tuduhan itu.\nDelegasi tiba di Jenewa.", raw[: len(raw) // 2]] * 300
    got = clf.classify_pages(pages, min_confidence=0.6)
    assert len(got) == len(pages)
    for page, records in zip(pages[:4], got[:4]):
        assert records == clf.classify(page, min_confidence=0.6)
    assert got[4:8] == got[:4]
    with pytest.raises(TypeError, match=r"pages\[1\] is int"):
        clf.classify_pages(["ok", 3])


def test_classify_a_raw_page(clf):
    raw = SAMPLE.read_text(encoding="utf-8")
    records = clf.classify(raw)
    assert [r["text"] for r in records] == [s["text"] for s in clf.segment(raw)]
    assert all(r["label"] == "other" for r in records if r["boilerplate"])
    assert all(abs(sum(r["probabilities"].values()) - 1) < 1e-4 for r in records)


def test_shared_between_threads(clf):
    texts = [f"Delegasi {i} dijadwalkan bertemu di Jenewa." for i in range(2000)]
    expected = clf.predict(texts)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: clf.predict(texts), range(16)))
    assert all(r == expected for r in results)


def _child_predict(q):
    texts, labels = zip(*TRAIN)
    retrained = klaim.Classifier.fit(list(texts), list(labels), min_df=1)  # training uses the pool too
    q.put(klaim.Classifier.default().predict(["Tokyo membantah laporan itu."] * 300) + retrained.labels)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_works_in_a_forked_child_after_the_pool_was_used(clf):
    clf.predict(["warm up the pool"] * 1000)
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child_predict, args=(q,))
    p.start()
    got = q.get(timeout=60)
    p.join(60)
    assert p.exitcode == 0 and got == ["denial"] * 300 + LABELS


def test_console_script_and_module_run_the_cli(tmp_path):
    exe = pathlib.Path(sys.executable).parent / "klaim"
    cmds = [[sys.executable, "-m", "klaim"]] + ([[str(exe)]] if exe.exists() else [])
    for cmd in cmds:
        r = subprocess.run(cmd + ["--help"], capture_output=True, text=True)
        assert r.returncode == 0 and "classify" in r.stdout
        r = subprocess.run(cmd + ["classify", str(SAMPLE), "--format", "tsv"], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines()[0].startswith("source\tdoc_id\tindex")
        r = subprocess.run(cmd + ["frobnicate"], capture_output=True, text=True)
        assert r.returncode == 2


def test_ctrl_c_stops_console_script_training_and_keeps_the_old_model(tmp_path):
    import signal
    import time
    model = tmp_path / "m.klaim"
    model.write_bytes(klaim.Classifier.default().to_bytes())
    before = model.read_bytes()
    # the full training split takes many seconds, so the interrupt lands mid-training
    with subprocess.Popen([sys.executable, "-m", "klaim", "train", str(REPO / "data" / "train.jsonl"),
                           "-o", str(model), "-q"], stderr=subprocess.PIPE) as proc:
        time.sleep(2.0)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGINT, err
    assert model.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]


def test_evaluate_warns_about_gold_labels_the_model_lacks(clf):
    with pytest.warns(UserWarning, match="the model has no label `demnd`"):
        report = clf.evaluate(["Iran menuntut jaminan.", "Hujan turun."], ["demnd", "other"])
    assert report["n"] == 2


def test_fit_warns_about_a_label_seen_once_or_twice():
    texts, labels = zip(*TRAIN)
    with pytest.warns(UserWarning, match="label `demmand` has only 1 example"):
        model = klaim.Classifier.fit(list(texts) + ["Iran menuntut jaminan."], list(labels) + ["demmand"], min_df=1)
    assert "demmand" in model.labels


def test_offsets_index_the_python_string_of_a_non_ascii_page(clf):
    page = "Menlu RI bertemu mitranya di Jenewa — “kami menolak tuduhan itu,” ujarnya.\nDelegasi tiba pukul 09.00 WIB. 🇮🇩 Baca juga: Harga cabai naik"
    for record in clf.segment(page) + clf.classify(page):
        assert page[record["start"]:record["end"]] == record["text"]
    assert clf.classify(page)[-1]["end"] == len(page)


def test_ctrl_c_stops_a_long_fit():
    # Many L-BFGS iterations on the bundled corpus take minutes; Ctrl-C must not wait for them.
    script = (
        "import json, klaim, sys\n"
        f"rows = [json.loads(l) for l in open({str(REPO / 'data' / 'train.jsonl')!r}, encoding='utf-8')]\n"
        "print('fitting', flush=True)\n"
        "try:\n"
        "    klaim.Classifier.fit([r['text'] for r in rows], [r['label'] for r in rows], max_iter=100000, max_features=16384)\n"
        "    print('finished')\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted')\n"
    )
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout.readline() == "fitting\n"
        time.sleep(3)  # let it get well into fit: a signal before the call proves nothing
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("fit went on for a minute after Ctrl-C")
    assert out == "interrupted\n"


def test_the_readme_python_example_runs_as_written(tmp_path):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    code = readme.split("```python\n", 1)[1].split("```", 1)[0]
    pytest.importorskip("pandas")
    for name in ("examples", "data"):
        (tmp_path / name).symlink_to(REPO / name)
    check = 'print(list(df["label"]), proba.shape)'
    # a fresh interpreter, as a user's notebook; it also keeps this process small for test_scale's memory check
    run = subprocess.run([sys.executable, "-c", code + check], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "['denial', 'procedural'] (2, 5)"
    assert (tmp_path / "my.klaim").exists()
