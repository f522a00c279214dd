#!/usr/bin/env python3
"""Benchmark klaim against scikit-learn and fastText on one machine, in one run.

    python3 bench/run.py            # full run: 1,000,000 sentences for throughput, training up to 100k
    python3 bench/run.py --quick    # 100,000 sentences for throughput, training up to 10k

Every measurement runs in its own fresh subprocess (this file, re-invoked with --worker), so that
peak RSS (os.wait4 -> ru_maxrss of that one child) and wall time belong to that measurement alone.
Writes bench/results.md, bench/scaling.png, and bench/out/ (raw JSON, scaling table, plot, models).
See bench/README.md for what is measured and how.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
TRAIN = ROOT / "data" / "train.jsonl"
HELDOUT = ROOT / "data" / "heldout.jsonl"
PLOVER = ROOT.parent / "shared" / "data" / "external" / "plover_gsr.jsonl"
KLAIM_BIN = ROOT / "target" / "release" / "klaim"

PEERS = ("klaim", "sklearn", "fasttext")
PEER_NAMES = {"klaim": "klaim", "sklearn": "scikit-learn", "fasttext": "fastText"}
FASTTEXT_PARAMS = dict(wordNgrams=2, minn=2, maxn=5, epoch=25)
SKLEARN_CHUNK = 20_000  # sklearn predict_proba is called on chunks of this many sentences
SMALL_REPS = 3  # throughput on <= 10k sentences: median of this many timed calls


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------

def load_jsonl(path):
    texts, labels = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                texts.append(r["text"])
                labels.append(r["label"])
    return texts, labels


def make_train(n, seed=0):
    """n training sentences: a seeded shuffle of train.jsonl, cut to n; beyond the corpus size the
    shuffled corpus is cycled and copy k>0 gets the suffix token ' s<k>' so sentences differ."""
    texts, labels = load_jsonl(TRAIN)
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    L = len(order)
    out_t, out_l = [], []
    for i in range(n):
        j = order[i % L]
        copy = i // L
        out_t.append(texts[j] if copy == 0 else f"{texts[j]} s{copy}")
        out_l.append(labels[j])
    return out_t, out_l


def make_predict(n):
    """n sentences made by cycling the heldout texts."""
    texts, _ = load_jsonl(HELDOUT)
    return [texts[i % len(texts)] for i in range(n)]


def rss_now_mb():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


# --------------------------------------------------------------------------------------------
# peers: train / load / predict
# --------------------------------------------------------------------------------------------

def ft_clean(texts):
    return [t.replace("\n", " ") for t in texts]


def train_peer(peer, texts, labels, workdir):
    if peer == "klaim":
        import klaim
        return klaim.Classifier.fit(texts, labels)
    if peer == "sklearn":
        from sklearn.linear_model import LogisticRegression
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion, Pipeline
        pipe = Pipeline([
            ("features", FeatureUnion([
                ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)),
                ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
            ])),
            ("clf", LogisticRegression(max_iter=1000)),
        ])
        return pipe.fit(texts, labels)
    if peer == "fasttext":
        import fasttext
        fd, path = tempfile.mkstemp(prefix="ft-train-", suffix=".txt", dir=workdir)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for t, l in zip(ft_clean(texts), labels):
                f.write(f"__label__{l} {t}\n")
        try:
            return fasttext.train_supervised(input=path, thread=os.cpu_count() or 1, verbose=0,
                                             **FASTTEXT_PARAMS)
        finally:
            os.unlink(path)
    raise ValueError(peer)


def save_peer(peer, model, path):
    if peer == "klaim":
        model.save(str(path))
    elif peer == "sklearn":
        import joblib
        joblib.dump(model, path)
    elif peer == "fasttext":
        model.save_model(str(path))


def load_peer(peer, path):
    if peer == "klaim":
        import klaim
        return klaim.Classifier.default() if path == "default" else klaim.Classifier.load(str(path))
    if peer == "sklearn":
        import joblib
        return joblib.load(path)
    if peer == "fasttext":
        import fasttext
        return fasttext.load_model(str(path))
    raise ValueError(peer)


def predict_labels(peer, model, texts):
    if peer == "klaim":
        return list(model.predict(texts))
    if peer == "sklearn":
        return list(model.predict(texts))
    if peer == "fasttext":
        labels, _ = model.predict(ft_clean(texts), k=1)
        return [ls[0][len("__label__"):] if ls else "" for ls in labels]
    raise ValueError(peer)


def predict_scores(peer, model, texts):
    """The throughput operation: scores for every class, featurisation included."""
    if peer == "klaim":
        return model.predict_proba(texts)
    if peer == "sklearn":
        parts = [model.predict_proba(texts[i:i + SKLEARN_CHUNK])
                 for i in range(0, len(texts), SKLEARN_CHUNK)]
        return parts
    if peer == "fasttext":
        return model.predict(ft_clean(texts), k=-1)
    raise ValueError(peer)


def macro_f1(gold, pred):
    from sklearn.metrics import f1_score
    return float(f1_score(gold, pred, average="macro"))


# --------------------------------------------------------------------------------------------
# worker (runs in a fresh subprocess)
# --------------------------------------------------------------------------------------------

def worker(spec):
    task = spec["task"]
    res = {"task": task}
    if task == "train":
        peer, n = spec["peer"], spec["n"]
        texts, labels = make_train(n)
        res["rss_before_mb"] = rss_now_mb()
        t0 = time.perf_counter()
        model = train_peer(peer, texts, labels, spec["workdir"])
        res["train_s"] = time.perf_counter() - t0
        del texts, labels
        if peer == "fasttext" and spec.get("save"):
            # fasttext(-wheel) 0.9.2 under numpy 2: are predict(list)'s probabilities usable?
            gt, _ = load_jsonl(HELDOUT)
            _, probs = model.predict(ft_clean(gt[:50]), k=-1)
            res["ft_list_probs_constant_rows"] = sum(1 for p in probs if len(set(p.tolist())) == 1)
        if spec.get("save"):
            save_peer(peer, model, spec["save"])
            res["model_bytes"] = os.path.getsize(spec["save"])
        for name, path in spec.get("eval", {}).items():
            gt, gl = load_jsonl(path)
            res[f"f1_{name}"] = macro_f1(gl, predict_labels(peer, model, gt))
    elif task == "eval":
        peer = spec["peer"]
        model = load_peer(peer, spec["model"])
        for name, path in spec["eval"].items():
            gt, gl = load_jsonl(path)
            res[f"f1_{name}"] = macro_f1(gl, predict_labels(peer, model, gt))
    elif task == "predict":
        peer, n = spec["peer"], spec["n"]
        texts = make_predict(n)
        model = load_peer(peer, spec["model"])
        predict_scores(peer, model, texts[:10])  # warm-up: thread pool, lazy init
        res["rss_before_mb"] = rss_now_mb()
        times = []
        for _ in range(SMALL_REPS if n <= 10_000 else 1):
            t0 = time.perf_counter()
            out = predict_scores(peer, model, texts)
            times.append(time.perf_counter() - t0)
            del out
        res["times_s"] = times
        res["predict_s"] = statistics.median(times)
        res["sent_per_s"] = n / res["predict_s"]
    elif task == "baseline":
        texts = make_predict(spec["n"])
        import numpy  # noqa: F401  (every peer imports it)
        res["n"] = len(texts)
    else:
        raise ValueError(task)
    print("RESULT " + json.dumps(res), flush=True)


# --------------------------------------------------------------------------------------------
# subprocess runner: wall time + peak RSS of exactly one child
# --------------------------------------------------------------------------------------------

GNU_TIME = "/usr/bin/time"


def run_child(cmd, env=None, stdin_path=None, timeout=None):
    """Run cmd, return dict(rc, wall_s, maxrss_mb, stdout, stderr).

    Peak RSS comes from GNU time (`/usr/bin/time -f %M`), which forks the command from its own
    ~1 MB process. Reading ru_maxrss of a child forked straight from this Python process would
    not do: Linux carries the RSS high-water mark of the forked copy of the parent across exec(),
    so every figure would be at least this process's own RSS. Without GNU time the script falls
    back to os.wait4 and says so in the results."""
    timef = None
    if os.path.exists(GNU_TIME):
        fd, timef = tempfile.mkstemp(prefix="time-", suffix=".txt")
        os.close(fd)
        cmd = [GNU_TIME, "-f", "%M", "-o", timef] + list(cmd)
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        fin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        try:
            t0 = time.perf_counter()
            p = subprocess.Popen(cmd, stdin=fin, stdout=fo, stderr=fe, env=env,
                                 start_new_session=True)
            timer = None
            if timeout:
                timer = threading.Timer(timeout, lambda: os.killpg(p.pid, 9))
                timer.start()
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
            if timer:
                timer.cancel()
            p.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if fin is not subprocess.DEVNULL:
                fin.close()
        maxrss_kb = ru.ru_maxrss
        if timef:
            try:
                vals = [l.strip() for l in open(timef) if l.strip()]
                maxrss_kb = int(vals[-1])
            except (OSError, ValueError, IndexError):
                pass
            finally:
                os.unlink(timef)
        fo.seek(0)
        fe.seek(0)
        return {"rc": p.returncode, "wall_s": wall, "maxrss_mb": maxrss_kb / 1024,
                "stdout": fo.read().decode("utf-8", "replace"),
                "stderr": fe.read().decode("utf-8", "replace")}


def child_env(threads1=False):
    env = dict(os.environ)
    env.pop("RAYON_NUM_THREADS", None)
    if threads1:
        env["RAYON_NUM_THREADS"] = "1"
    return env


class Bench:
    def __init__(self, args):
        self.args = args
        self.results = {"errors": [], "notes": []}
        self.available = {}

    # ---- bookkeeping -----------------------------------------------------------------------
    def log(self, msg):
        print(msg, flush=True)

    def error(self, what, msg):
        msg = msg.strip()
        tail = "\n".join(msg.splitlines()[-6:])
        self.results["errors"].append(f"{what}: {tail}")
        self.log(f"  !! {what} FAILED: {tail}")

    def save_raw(self):
        (OUT / "results.json").write_text(json.dumps(self.results, indent=1, default=str))

    def run_worker(self, what, spec, threads1=False):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]
        try:
            r = run_child(cmd, env=child_env(threads1), timeout=self.args.timeout)
        except Exception:
            self.error(what, traceback.format_exc())
            return None
        lines = [l for l in r["stdout"].splitlines() if l.startswith("RESULT ")]
        if r["rc"] != 0 or not lines:
            self.error(what, f"exit code {r['rc']}\n{r['stderr'] or r['stdout']}")
            return None
        res = json.loads(lines[-1][len("RESULT "):])
        res["wall_s"] = r["wall_s"]
        res["maxrss_mb"] = r["maxrss_mb"]
        return res

    # ---- steps -----------------------------------------------------------------------------
    def machine_info(self):
        from importlib import metadata

        def ver(*dists):
            for d in dists:
                try:
                    return f"{metadata.version(d)} ({d})" if len(dists) > 1 else metadata.version(d)
                except metadata.PackageNotFoundError:
                    continue
            return "not installed"

        cpu = "unknown"
        try:
            for line in open("/proc/cpuinfo"):
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        try:
            nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
        except OSError:
            nproc = str(len(os.sched_getaffinity(0)))
        mem = "unknown"
        try:
            for line in open("/proc/meminfo"):
                if line.startswith("MemTotal"):
                    mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
        except OSError:
            pass
        binver = "missing"
        if KLAIM_BIN.exists():
            binver = subprocess.run([str(KLAIM_BIN), "--version"], capture_output=True,
                                    text=True).stdout.strip()
        self.results["machine"] = {
            "nproc": nproc, "cpu": cpu, "memory": mem,
            "kernel": platform.release(), "python": platform.python_version(),
            "numpy": ver("numpy"), "scikit-learn": ver("scikit-learn"), "scipy": ver("scipy"),
            "fastText": ver("fasttext", "fasttext-wheel", "fasttext-numpy2-wheel", "fasttext-numpy2"),
            "klaim (python)": ver("klaim"), "klaim (release binary)": binver,
            "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "unset"),
            "peak RSS from": ("GNU time %M (/usr/bin/time)" if os.path.exists(GNU_TIME) else
                              "os.wait4 ru_maxrss (GNU time missing: figures include the "
                              "parent's own RSS as a floor)"),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "mode": "quick" if self.args.quick else "full",
        }
        for k, v in self.results["machine"].items():
            self.log(f"  {k}: {v}")

    def preflight(self):
        imports = {"klaim": "import klaim", "sklearn": "import sklearn, joblib",
                   "fasttext": "import fasttext"}
        for peer in self.args.peers:
            r = run_child([sys.executable, "-c", imports[peer]], env=child_env())
            ok = r["rc"] == 0
            self.available[peer] = ok
            if ok:
                self.log(f"  {PEER_NAMES[peer]}: available")
            else:
                self.error(f"{PEER_NAMES[peer]} import", r["stderr"] +
                           ("\n(pip install fasttext-wheel  or  pip install fasttext)"
                            if peer == "fasttext" else ""))
        for peer in PEERS:
            if peer not in self.args.peers:
                self.available[peer] = False
                self.results["notes"].append(f"{PEER_NAMES[peer]} skipped by --peers")
        if not PLOVER.exists():
            self.error("PLOVER data", f"{PLOVER} not found; its F1 is left out")

    def peers(self):
        return [p for p in PEERS if self.available.get(p)]

    def model_path(self, peer):
        return OUT / {"klaim": "model.klaim", "sklearn": "sklearn.joblib",
                      "fasttext": "fasttext.bin"}[peer]

    def eval_sets(self):
        sets = {"heldout": str(HELDOUT)}
        if PLOVER.exists():
            sets["plover"] = str(PLOVER)
        return sets

    def step_train_full(self):
        n = len(load_jsonl(TRAIN)[0])
        self.results["n_train"] = n
        self.results["train_full"] = {}
        for peer in self.peers():
            self.log(f"  training {PEER_NAMES[peer]} on {n:,} sentences ...")
            res = self.run_worker(f"train {PEER_NAMES[peer]} (full)",
                                  {"task": "train", "peer": peer, "n": n, "workdir": str(OUT),
                                   "save": str(self.model_path(peer)), "eval": self.eval_sets()})
            if res:
                self.results["train_full"][peer] = res
                bad = res.get("ft_list_probs_constant_rows")
                if bad:
                    self.results["notes"].append(
                        f"fastText: predict(list, k=-1) returned {bad}/50 probability rows whose "
                        "values are all equal (a fasttext 0.9.2 binding bug under numpy 2); its "
                        "labels are right, so F1 and throughput are unaffected, but its "
                        "probabilities are unusable. predict(str) raises under numpy 2, so the "
                        "cold start uses predict(['x']).")
                self.log(f"    {res['train_s']:.2f} s, peak RSS {res['maxrss_mb']:.0f} MB, "
                         f"F1 heldout {res.get('f1_heldout', float('nan')):.4f}, "
                         f"PLOVER {res.get('f1_plover', float('nan')):.4f}")
            else:
                self.available[peer + "_model"] = False
            self.save_raw()
        if self.available.get("klaim"):
            self.log("  evaluating the embedded default klaim model ...")
            res = self.run_worker("klaim default model eval",
                                  {"task": "eval", "peer": "klaim", "model": "default",
                                   "eval": self.eval_sets()})
            if res:
                self.results["klaim_default"] = res
                self.log(f"    F1 heldout {res.get('f1_heldout', float('nan')):.4f}, "
                         f"PLOVER {res.get('f1_plover', float('nan')):.4f}")
        self.save_raw()

    def has_model(self, peer):
        return peer in self.results.get("train_full", {})

    def cli_file(self, n):
        path = OUT / f"heldout_x{n}.txt"
        if not path.exists() or path.stat().st_size == 0:
            texts, _ = load_jsonl(HELDOUT)
            texts = [t.replace("\n", " ") for t in texts]
            with open(path, "w", encoding="utf-8") as f:
                for i in range(n):
                    f.write(texts[i % len(texts)])
                    f.write("\n")
        return path

    def tp_configs(self):
        """(key, label, runner) for every throughput configuration."""
        cfgs = []
        if self.has_model("klaim"):
            cfgs.append(("klaim_py", "klaim Python predict_proba, all cores", "py:klaim:0"))
            cfgs.append(("klaim_py_1t", "klaim Python predict_proba, RAYON_NUM_THREADS=1", "py:klaim:1"))
            if KLAIM_BIN.exists():
                cfgs.append(("klaim_cli", "klaim CLI (release binary), all cores", "cli:"))
                cfgs.append(("klaim_cli_1t", "klaim CLI (release binary), -j 1", "cli:1"))
        if self.has_model("sklearn"):
            cfgs.append(("sklearn", "scikit-learn predict_proba (1 thread)", "py:sklearn:0"))
        if self.has_model("fasttext"):
            cfgs.append(("fasttext", "fastText predict(list, k=-1) (1 thread)", "py:fasttext:0"))
        return cfgs

    def step_throughput(self):
        sizes = self.args.tp_sizes
        self.results["throughput"] = {}
        self.results["throughput_labels"] = {k: lab for k, lab, _ in self.tp_configs()}
        if KLAIM_BIN.exists() and self.has_model("klaim"):
            # the CLI segments every line into sentences: count records per input line once
            path = self.cli_file(len(load_jsonl(HELDOUT)[0]))
            outp = OUT / "cli_check.jsonl"
            r = run_child([str(KLAIM_BIN), "classify", str(path), "-q", "-m",
                           str(self.model_path("klaim")), "-o", str(outp)], env=child_env())
            if r["rc"] == 0:
                nrec = sum(1 for _ in open(outp))
                nlines = sum(1 for _ in open(path))
                self.results["cli_records_per_line"] = nrec / nlines
                self.log(f"  CLI check: {nrec} records for {nlines} input lines")
            else:
                self.error("klaim CLI check", r["stderr"])
        elif not KLAIM_BIN.exists():
            self.error("klaim CLI", f"{KLAIM_BIN} not found (cargo build --release); CLI rows left out")
        for n in sizes:
            self.log(f"  throughput on {n:,} sentences")
            row = {}
            base = self.run_worker(f"baseline n={n}", {"task": "baseline", "n": n})
            if base:
                row["baseline"] = {"maxrss_mb": base["maxrss_mb"]}
            for key, label, runner in self.tp_configs():
                kind, _, rest = runner.partition(":")
                if kind == "py":
                    peer, t1 = rest.split(":")
                    res = self.run_worker(f"throughput {label} n={n}",
                                          {"task": "predict", "peer": peer, "n": n,
                                           "model": str(self.model_path(peer))},
                                          threads1=(t1 == "1"))
                    if res:
                        row[key] = {"sent_per_s": res["sent_per_s"], "predict_s": res["predict_s"],
                                    "maxrss_mb": res["maxrss_mb"], "times_s": res["times_s"]}
                else:
                    path = self.cli_file(n)
                    cmd = [str(KLAIM_BIN), "classify", str(path), "-q", "-o", "/dev/null",
                           "-m", str(self.model_path("klaim"))]
                    if rest:
                        cmd += ["-j", rest]
                    times, rss = [], 0.0
                    for _ in range(SMALL_REPS if n <= 10_000 else 1):
                        r = run_child(cmd, env=child_env(), timeout=self.args.timeout)
                        if r["rc"] != 0:
                            self.error(f"throughput {label} n={n}", r["stderr"])
                            times = []
                            break
                        times.append(r["wall_s"])
                        rss = max(rss, r["maxrss_mb"])
                    if times:
                        t = statistics.median(times)
                        row[key] = {"sent_per_s": n / t, "predict_s": t, "maxrss_mb": rss,
                                    "times_s": times}
                if key in row:
                    self.log(f"    {label}: {row[key]['sent_per_s']:,.0f} sent/s, "
                             f"peak RSS {row[key]['maxrss_mb']:.0f} MB")
            self.results["throughput"][str(n)] = row
            self.save_raw()
        for n in sizes:  # the large text files are only inputs
            p = OUT / f"heldout_x{n}.txt"
            if p.exists() and n > 100_000:
                p.unlink()

    def step_cold_start(self):
        self.log("  cold start (median of 5 runs, after 1 discarded warm-up run)")
        one = OUT / "one_line.txt"
        one.write_text("Rusia menuntut NATO menghentikan ekspansi.\n", encoding="utf-8")
        py = sys.executable
        cases = [("python", "python3 -c pass (interpreter alone, reference)",
                  [py, "-c", "pass"], None)]
        if self.available.get("klaim"):
            cases.append(("klaim_py", "klaim: import + Classifier.default() + predict 1",
                          [py, "-c", "import klaim; klaim.Classifier.default().predict(['x'])"], None))
            if KLAIM_BIN.exists():
                cases.append(("klaim_cli", "klaim classify (release binary), 1-line stdin",
                              [str(KLAIM_BIN), "classify", "-q"], one))
            script = Path(sys.executable).parent / "klaim"
            if script.exists():
                cases.append(("klaim_script", "klaim classify (pip console script), 1-line stdin",
                              [str(script), "classify", "-q"], one))
        if self.has_model("sklearn"):
            cases.append(("sklearn", "scikit-learn: import + joblib.load + predict 1",
                          [py, "-c", "import joblib; m = joblib.load(%r); m.predict(['x'])"
                           % str(self.model_path("sklearn"))], None))
        if self.has_model("fasttext"):
            cases.append(("fasttext", "fastText: import + load_model + predict 1",
                          [py, "-c", "import fasttext; m = fasttext.load_model(%r); m.predict(['x'])"
                           % str(self.model_path("fasttext"))], None))
        self.results["cold_start"] = {}
        self.results["cold_start_labels"] = {k: lab for k, lab, _, _ in cases}
        for key, label, cmd, stdin in cases:
            walls, rss, failed = [], 0.0, False
            for i in range(6):
                r = run_child(cmd, env=child_env(), stdin_path=stdin, timeout=300)
                if r["rc"] != 0:
                    self.error(f"cold start {label}", r["stderr"])
                    failed = True
                    break
                if i > 0:
                    walls.append(r["wall_s"])
                rss = max(rss, r["maxrss_mb"])
            if not failed:
                self.results["cold_start"][key] = {"median_s": statistics.median(walls),
                                                   "runs_s": walls, "maxrss_mb": rss}
                self.log(f"    {label}: {statistics.median(walls) * 1000:.0f} ms, "
                         f"peak RSS {rss:.0f} MB")
        self.save_raw()

    def step_train_scaling(self):
        self.results["train_scaling"] = {}
        for n in self.args.train_sizes:
            self.log(f"  training on {n:,} sentences")
            row = {}
            for peer in self.peers():
                res = self.run_worker(f"train {PEER_NAMES[peer]} n={n}",
                                      {"task": "train", "peer": peer, "n": n, "workdir": str(OUT),
                                       "eval": {"heldout": str(HELDOUT)}})
                if res:
                    row[peer] = {k: res[k] for k in ("train_s", "maxrss_mb", "f1_heldout")}
                    self.log(f"    {PEER_NAMES[peer]}: {res['train_s']:.2f} s, "
                             f"peak RSS {res['maxrss_mb']:.0f} MB, F1 heldout {res['f1_heldout']:.4f}")
            self.results["train_scaling"][str(n)] = row
            self.save_raw()

    # ---- reporting -------------------------------------------------------------------------
    def report(self):
        R = self.results
        R["machine"]["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        R["total_wall_s"] = time.perf_counter() - self.t_start
        md = []
        tf = R.get("train_full", {})
        tp = R.get("throughput", {})
        N = str(self.args.n)
        tpN = tp.get(N, {})
        cs = R.get("cold_start", {})

        def fmt(x, kind):
            if x is None:
                return "—"
            if kind == "f1":
                return f"{x:.4f}"
            if kind == "s":
                return f"{x:.2f}" if x < 100 else f"{x:.0f}"
            if kind == "ms":
                return f"{x * 1000:.0f}"
            if kind == "mb":
                return f"{x:.0f}"
            if kind == "tp":
                return f"{x:,.0f}"
            return str(x)

        def ratio(a, b):
            if a is None or b is None or b == 0:
                return "—"
            r = a / b
            return f"{r:.2f}" if r >= 0.1 else f"{r:.2g}"

        def g(d, *ks):
            for k in ks:
                if not isinstance(d, dict) or k not in d:
                    return None
                d = d[k]
            return d

        rows = []  # (metric, better, klaim, sklearn, fasttext, kind)
        ntr = R.get("n_train", 0)
        rows.append((f"training wall time, {ntr:,} sentences (s)", "lower",
                     g(tf, "klaim", "train_s"), g(tf, "sklearn", "train_s"),
                     g(tf, "fasttext", "train_s"), "s"))
        rows.append(("training peak RSS (MB)", "lower", g(tf, "klaim", "maxrss_mb"),
                     g(tf, "sklearn", "maxrss_mb"), g(tf, "fasttext", "maxrss_mb"), "mb"))
        rows.append(("model file size (MB)", "lower",
                     *[(g(tf, p, "model_bytes") or 0) / 1e6 or None for p in PEERS], "s"))
        rows.append((f"macro-F1, heldout ({len(load_jsonl(HELDOUT)[0])} sentences)", "higher",
                     g(tf, "klaim", "f1_heldout"), g(tf, "sklearn", "f1_heldout"),
                     g(tf, "fasttext", "f1_heldout"), "f1"))
        rows.append(("macro-F1, heldout — klaim embedded default model", "higher",
                     g(R, "klaim_default", "f1_heldout"), g(tf, "sklearn", "f1_heldout"),
                     g(tf, "fasttext", "f1_heldout"), "f1"))
        if PLOVER.exists():
            npl = len(load_jsonl(PLOVER)[0])
            rows.append((f"macro-F1, PLOVER GSR ({npl} sentences, external)", "higher",
                         g(tf, "klaim", "f1_plover"), g(tf, "sklearn", "f1_plover"),
                         g(tf, "fasttext", "f1_plover"), "f1"))
            rows.append(("macro-F1, PLOVER GSR — klaim embedded default model", "higher",
                         g(R, "klaim_default", "f1_plover"), g(tf, "sklearn", "f1_plover"),
                         g(tf, "fasttext", "f1_plover"), "f1"))
        sk_tp, ft_tp = g(tpN, "sklearn", "sent_per_s"), g(tpN, "fasttext", "sent_per_s")
        for key, label in (("klaim_py", "Python API, all cores"),
                           ("klaim_py_1t", "Python API, 1 thread"),
                           ("klaim_cli", "CLI, all cores"), ("klaim_cli_1t", "CLI, -j 1")):
            rows.append((f"throughput, {int(N):,} sentences (sent/s): klaim {label}", "higher",
                         g(tpN, key, "sent_per_s"), sk_tp, ft_tp, "tp"))
        sk_m, ft_m = g(tpN, "sklearn", "maxrss_mb"), g(tpN, "fasttext", "maxrss_mb")
        for key, label in (("klaim_py", "Python API, all cores"), ("klaim_cli", "CLI, all cores")):
            rows.append((f"throughput peak RSS (MB): klaim {label}", "lower",
                         g(tpN, key, "maxrss_mb"), sk_m, ft_m, "mb"))
        sk_c, ft_c = g(cs, "sklearn", "median_s"), g(cs, "fasttext", "median_s")
        for key, label in (("klaim_py", "Python import+default()+predict"),
                           ("klaim_cli", "CLI binary, 1-line stdin"),
                           ("klaim_script", "pip console script, 1-line stdin")):
            rows.append((f"cold start, median of 5 (ms): klaim {label}", "lower",
                         g(cs, key, "median_s"), sk_c, ft_c, "ms"))
        sk_cm, ft_cm = g(cs, "sklearn", "maxrss_mb"), g(cs, "fasttext", "maxrss_mb")
        for key, label in (("klaim_py", "Python"), ("klaim_cli", "CLI binary")):
            rows.append((f"cold start peak RSS (MB): klaim {label}", "lower",
                         g(cs, key, "maxrss_mb"), sk_cm, ft_cm, "mb"))

        md.append(f"# klaim benchmark results ({R['machine']['mode']} run)\n")
        md.append("Generated by `python3 bench/run.py" + (" --quick" if self.args.quick else "")
                  + "`; every figure below is this run's output. Ratios are klaim ÷ peer: above 1 "
                  "means klaim's number is larger (better where higher is better, worse where "
                  "lower is better).\n")
        table_start = len(md)
        md.append("| metric | better | klaim | scikit-learn | fastText | klaim ÷ sklearn | klaim ÷ fastText |")
        md.append("|---|---|---:|---:|---:|---:|---:|")
        for metric, better, k, s, f, kind in rows:
            md.append(f"| {metric} | {better} | {fmt(k, kind)} | {fmt(s, kind)} | {fmt(f, kind)} "
                      f"| {ratio(k, s)} | {ratio(k, f)} |")
        table = md[table_start:]
        py_c = g(cs, "python", "median_s")
        if py_c is not None:
            md.append(f"\nReference: `python3 -c pass` alone starts in {py_c * 1000:.0f} ms "
                      f"(peak RSS {g(cs, 'python', 'maxrss_mb'):.0f} MB).")
        base = g(tpN, "baseline", "maxrss_mb")
        if base is not None:
            md.append(f"The throughput harness alone (Python + numpy + the {int(N):,}-sentence list) "
                      f"peaks at {base:.0f} MB; the Python rows above include it, the CLI rows do not.")
        if "cli_records_per_line" in R:
            md.append(f"The CLI emitted {R['cli_records_per_line']:.3f} sentence records per input "
                      "line on the heldout text (its own segmenter may split a line); CLI "
                      "throughput counts input lines.")
        md.append("")
        md.append("## Machine\n")
        md.append("| | |\n|---|---|")
        for k, v in R["machine"].items():
            md.append(f"| {k} | {v} |")
        md.append(f"| total benchmark wall time | {R['total_wall_s'] / 60:.1f} min |")
        md.append("")
        md.append("## Scaling\n")
        md.append(self.scaling_md())
        md.append("![scaling](scaling.png)\n")
        md.append("## Setup\n")
        md.append(
            f"- klaim: `klaim.Classifier.fit(texts, labels)` with defaults; throughput with the model "
            "trained in this run (`Classifier.load`, CLI `-m`).\n"
            "- scikit-learn: Pipeline(FeatureUnion(TfidfVectorizer(word, 1-2, sublinear_tf), "
            "TfidfVectorizer(char_wb, 2-5, sublinear_tf)), LogisticRegression(max_iter=1000)); "
            f"predict_proba on chunks of {SKLEARN_CHUNK:,} sentences (one call on 1M sentences "
            "would hold a multi-GB sparse matrix); single-threaded.\n"
            f"- fastText: train_supervised({', '.join(f'{k}={v}' for k, v in FASTTEXT_PARAMS.items())}, "
            f"thread={os.cpu_count()}), other parameters default (dim 100, bucket 2,000,000); "
            "raw text, no lowercasing; F1 from predict(k=1), throughput from predict(list, k=-1), "
            "which is single-threaded.\n"
            "- Throughput: one fresh subprocess per measurement, model loaded and warmed up on 10 "
            "sentences before timing; median of 3 timed calls at ≤10k sentences, one call above. "
            "CLI throughput is the wall time of the whole process (`klaim classify FILE -q -o "
            "/dev/null`), startup included.\n"
            "- Peak RSS: maximum resident set of that one subprocess, from GNU time's %M (its "
            "ru_maxrss; see the machine table).\n"
            "- Training sets: a seeded shuffle of data/train.jsonl cut to n; beyond its size the "
            "corpus is cycled with a suffix token ` s<k>` on copy k so sentences differ. "
            "Training time excludes evaluation and model saving.\n")
        if R["notes"]:
            md.append("## Notes\n")
            md.extend(f"- {n}" for n in R["notes"])
            md.append("")
        md.append("## Failures\n")
        if R["errors"]:
            md.extend(f"- {e}" for e in R["errors"])
        else:
            md.append("None.")
        text = "\n".join(md) + "\n"
        (HERE / "results.md").write_text(text, encoding="utf-8")
        (OUT / "results.md").write_text(text, encoding="utf-8")
        self.write_readme(table, R["machine"])
        self.save_raw()
        print("\n" + text)

    @staticmethod
    def write_readme(table, machine):
        """Puts the headline table, with the machine, into README.md between its bench markers."""
        readme = HERE.parent / "README.md"
        text = readme.read_text(encoding="utf-8")
        start, end = "<!-- bench:start -->\n", "<!-- bench:end -->"
        if start not in text or end not in text:
            return
        about = ", ".join(f"{k} {v}" for k, v in machine.items())
        block = "\n".join(table) + f"\n\nMachine and versions: {about}.\n"
        head, rest = text.split(start, 1)
        readme.write_text(head + start + block + end + rest.split(end, 1)[1], encoding="utf-8")

    def scaling_md(self):
        R = self.results
        lines = []
        ts = R.get("train_scaling", {})
        if ts:
            lines.append("Training (wall time s / peak RSS MB / macro-F1 heldout):\n")
            ps = [p for p in PEERS if any(p in row for row in ts.values())]
            lines.append("| sentences | " + " | ".join(PEER_NAMES[p] for p in ps) + " |")
            lines.append("|---:|" + "---:|" * len(ps))
            for n, row in ts.items():
                cells = []
                for p in ps:
                    r = row.get(p)
                    cells.append(f"{r['train_s']:.2f} s / {r['maxrss_mb']:.0f} MB / "
                                 f"{r['f1_heldout']:.4f}" if r else "failed")
                lines.append(f"| {int(n):,} | " + " | ".join(cells) + " |")
            lines.append("")
        tp = R.get("throughput", {})
        if tp:
            labels = R.get("throughput_labels", {})
            keys = [k for k in labels if any(k in row for row in tp.values())]
            lines.append("Throughput (sentences/s / peak RSS MB):\n")
            lines.append("| sentences | harness RSS | " + " | ".join(labels[k] for k in keys) + " |")
            lines.append("|---:|---:|" + "---:|" * len(keys))
            for n, row in tp.items():
                cells = []
                for k in keys:
                    r = row.get(k)
                    cells.append(f"{r['sent_per_s']:,.0f} / {r['maxrss_mb']:.0f} MB" if r else "failed")
                b = row.get("baseline", {}).get("maxrss_mb")
                lines.append(f"| {int(n):,} | {'%.0f MB' % b if b else '—'} | " + " | ".join(cells) + " |")
            lines.append("")
        return "\n".join(lines)

    def plot(self):
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except Exception:
            self.error("plot", "matplotlib is not installed (pip install matplotlib)")
            return
        R = self.results
        ts, tp = R.get("train_scaling", {}), R.get("throughput", {})
        colors = {"klaim": "tab:red", "sklearn": "tab:blue", "fasttext": "tab:green"}
        fig, ax = plt.subplots(2, 2, figsize=(12, 9))
        for p in PEERS:
            xs = [int(n) for n, row in ts.items() if p in row]
            if xs:
                ax[0, 0].plot(xs, [ts[str(n)][p]["train_s"] for n in xs], "o-",
                              color=colors[p], label=PEER_NAMES[p])
                ax[1, 0].plot(xs, [ts[str(n)][p]["maxrss_mb"] for n in xs], "o-",
                              color=colors[p], label=PEER_NAMES[p])
        styles = {"klaim_py": ("tab:red", "-"), "klaim_py_1t": ("tab:red", "--"),
                  "klaim_cli": ("darkred", "-"), "klaim_cli_1t": ("darkred", ":"),
                  "sklearn": ("tab:blue", "-"), "fasttext": ("tab:green", "-")}
        for k, lab in R.get("throughput_labels", {}).items():
            xs = [int(n) for n, row in tp.items() if k in row]
            if xs:
                c, ls = styles.get(k, ("gray", "-"))
                ax[0, 1].plot(xs, [tp[str(n)][k]["sent_per_s"] for n in xs], "o", ls=ls, color=c,
                              label=lab)
                ax[1, 1].plot(xs, [tp[str(n)][k]["maxrss_mb"] for n in xs], "o", ls=ls, color=c,
                              label=lab)
        titles = [["training wall time (s)", "throughput (sentences/s)"],
                  ["training peak RSS (MB)", "prediction peak RSS (MB)"]]
        for i in range(2):
            for j in range(2):
                a = ax[i, j]
                a.set_xscale("log")
                a.set_yscale("log")
                a.set_title(titles[i][j])
                a.set_xlabel("training sentences" if j == 0 else "input sentences")
                a.grid(True, which="both", alpha=0.3)
                if a.lines:
                    a.legend(fontsize=7)
        m = R.get("machine", {})
        fig.suptitle(f"klaim vs scikit-learn vs fastText — {m.get('nproc')} cores, {m.get('cpu')}, "
                     f"{m.get('mode')} run")
        fig.tight_layout()
        fig.savefig(OUT / "scaling.png", dpi=110)
        plt.close(fig)
        shutil.copyfile(OUT / "scaling.png", HERE / "scaling.png")
        (OUT / "scaling.md").write_text(self.scaling_md(), encoding="utf-8")
        self.log(f"  wrote {OUT / 'scaling.png'}, {HERE / 'scaling.png'}, {OUT / 'scaling.md'}")

    def run(self):
        self.t_start = time.perf_counter()
        OUT.mkdir(parents=True, exist_ok=True)
        steps = [("machine", self.machine_info), ("preflight", self.preflight),
                 ("1-2. training on the full training set, macro-F1", self.step_train_full),
                 ("3. throughput (and its scaling)", self.step_throughput),
                 ("4. cold start", self.step_cold_start),
                 ("6. training scaling", self.step_train_scaling),
                 ("plot", self.plot)]
        for name, fn in steps:
            self.log(f"== {name}")
            try:
                fn()
            except Exception:
                self.error(f"step {name}", traceback.format_exc())
            self.save_raw()
        self.report()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="100,000 sentences for throughput, training scaling up to 10k")
    ap.add_argument("--n", type=int, help="sentences for throughput (default 1,000,000; --quick 100,000)")
    ap.add_argument("--peers", default=",".join(PEERS), help="comma list of klaim,sklearn,fasttext")
    ap.add_argument("--timeout", type=float, default=4 * 3600, help="seconds per measurement")
    ap.add_argument("--train-sizes", help="comma list of training-set sizes for scaling "
                    "(default 1000,10000,100000; --quick 1000,10000)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return
    if args.n is None:
        args.n = 100_000 if args.quick else 1_000_000
    args.peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    bad = [p for p in args.peers if p not in PEERS]
    if bad:
        ap.error(f"unknown peers {bad}")
    args.tp_sizes = sorted({s for s in (1_000, 10_000, 100_000, 1_000_000) if s < args.n} | {args.n})
    if args.train_sizes:
        args.train_sizes = [int(x) for x in args.train_sizes.split(",") if x.strip()]
    else:
        args.train_sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    Bench(args).run()


if __name__ == "__main__":
    main()
