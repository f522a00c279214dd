//! The real `klaim` binary on real files.

mod common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use common::*;
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

fn sentence_records(records: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    records.iter().filter(|r| r["record"] == "sentence").collect()
}

#[test]
fn classify_emits_exactly_one_record_per_sentence_of_the_samples() {
    for name in SAMPLES {
        let path = example(name);
        let source = std::fs::read(&path).unwrap();
        let out = klaim().arg("classify").arg(&path).assert().success().get_output().stdout.clone();
        let records = jsonl(&out);
        let segmented = klaim().arg("segment").arg(&path).assert().success().get_output().stdout.clone();
        let sentences = jsonl(&segmented);
        assert_eq!(records.len(), sentences.len(), "{name}: one record per segmented sentence");
        assert!(records.len() > 20, "{name}: the samples hold more than 20 sentences");
        for (i, (r, s)) in records.iter().zip(&sentences).enumerate() {
            assert_eq!(r["index"], i);
            assert_eq!(r["text"], s["text"]);
            let (start, end) = (r["start"].as_u64().unwrap() as usize, r["end"].as_u64().unwrap() as usize);
            assert_eq!(std::str::from_utf8(&source[start..end]).unwrap(), r["text"].as_str().unwrap());
            let probs = r["probabilities"].as_object().unwrap();
            assert_eq!(probs.len(), 5);
            let sum: f64 = probs.values().map(|v| v.as_f64().unwrap()).sum();
            assert!((sum - 1.0).abs() < 1e-3, "probabilities sum to 1, got {sum}");
            assert!(probs.contains_key(r["label"].as_str().unwrap()));
        }
        // every non-space byte of the page is inside some sentence
        let covered: usize = records.iter().map(|r| {
            let t = r["text"].as_str().unwrap();
            t.chars().filter(|c| !c.is_whitespace()).count()
        }).sum();
        let total = String::from_utf8_lossy(&source).chars().filter(|c| !c.is_whitespace()).count();
        assert_eq!(covered, total, "{name}: no text is lost");
    }
}

#[test]
fn classify_writes_csv_and_tsv_with_a_header() {
    let path = example(SAMPLES[1]);
    for (fmt, sep) in [("csv", ','), ("tsv", '\t')] {
        let out = klaim().args(["classify", "--format", fmt]).arg(&path).assert().success().get_output().stdout.clone();
        let text = String::from_utf8(out).unwrap();
        let header = text.lines().next().unwrap();
        assert!(header.starts_with(&format!("source{sep}doc_id{sep}index{sep}start{sep}end{sep}label")), "{header}");
        assert!(header.contains("p_demand") && header.ends_with("text"));
        let mut reader = csv::ReaderBuilder::new().delimiter(sep as u8).from_reader(text.as_bytes());
        assert_eq!(reader.records().count(), 24);
    }
}

#[test]
fn summary_and_skip_boilerplate_account_for_every_sentence() {
    let path = example(SAMPLES[0]);
    let all = jsonl(&klaim().arg("classify").arg(&path).assert().success().get_output().stdout);
    let out = klaim().args(["classify", "--summary", "--skip-boilerplate"]).arg(&path).assert().success();
    let records = jsonl(&out.get_output().stdout);
    let kept = sentence_records(&records);
    let doc = records.iter().find(|r| r["record"] == "document").expect("a summary record");
    let skipped = doc["skipped"].as_u64().unwrap() as usize;
    assert!(skipped > 0, "the sample has furniture");
    assert_eq!(kept.len() + skipped, all.len());
    assert_eq!(doc["sentences"].as_u64().unwrap() as usize, all.len());
    let counted: u64 = doc["labels"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(counted as usize, all.len());
    assert!(kept.iter().all(|r| r["boilerplate"] == false));
    assert!(all.iter().any(|r| r["text"] == "Copyright © 2024 SINDOnews.com" && r["boilerplate"] == true));
}

#[test]
fn min_confidence_relabels_and_says_so() {
    let path = example(SAMPLES[0]);
    let records = jsonl(&klaim().args(["classify", "--min-confidence", "0.999"]).arg(&path).assert().success().get_output().stdout);
    let replaced: Vec<_> = records.iter().filter(|r| r["low_confidence"] == true).collect();
    assert!(!replaced.is_empty());
    for r in replaced {
        assert_eq!(r["label"], "other");
        assert_ne!(r["model_label"], "other");
        assert!(r["confidence"].as_f64().unwrap() < 0.999);
    }
    klaim().args(["classify", "--min-confidence", "2"]).arg(&path).assert().code(2);
}

#[test]
fn reads_stdin_gzip_directories_with_glob() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read(example(SAMPLES[1])).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&text).unwrap();
    write(dir.path(), "page.txt.gz", &gz.finish().unwrap());
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    write(&dir.path().join("sub"), "page.txt", &text);
    write(dir.path(), "notes.md", b"Not a page.");

    let plain = jsonl(&klaim().arg("classify").arg(example(SAMPLES[1])).assert().success().get_output().stdout);
    let from_stdin = jsonl(&klaim().arg("classify").write_stdin(text.clone()).assert().success().get_output().stdout);
    assert_eq!(from_stdin.len(), plain.len());
    assert_eq!(from_stdin[3]["source"], "<stdin>");

    let walked = jsonl(&klaim().args(["classify", "--glob", "*.txt*"]).arg(dir.path()).assert().success().get_output().stdout);
    assert_eq!(walked.len(), 2 * plain.len(), "gz and plain pages, not the .md file");
    let sources: std::collections::BTreeSet<&str> = walked.iter().map(|r| r["source"].as_str().unwrap()).collect();
    assert_eq!(sources.len(), 2);
    assert_eq!(walked[0]["label"], plain[0]["label"]);
}

#[test]
fn a_truncated_gzip_keeps_what_was_read_and_closes_its_document() {
    let dir = tempfile::tempdir().unwrap();
    let page = std::fs::read(example(SAMPLES[1])).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    while gz.get_ref().len() < 200_000 {
        gz.write_all(&page).unwrap(); // several MB of text, so whole chunks come out before the cut
        gz.write_all(format!("\nHalaman {}\n", gz.get_ref().len()).as_bytes()).unwrap();
    }
    let whole = gz.finish().unwrap();
    let cut = write(dir.path(), "cut.txt.gz", &whole[..whole.len() * 3 / 4]);

    let out = klaim().args(["classify", "--summary"]).arg(&cut).arg(example(SAMPLES[0])).assert().code(1);
    let out = out.stderr(contains("cut.txt.gz")).get_output().stdout.clone();
    let records = jsonl(&out);
    let docs: Vec<&serde_json::Value> = records.iter().filter(|r| r["record"] == "document").collect();
    assert_eq!(docs.len(), 2, "the cut file still gets its summary record");
    assert_eq!(docs[0]["complete"], false);
    assert_eq!(docs[1]["complete"], true);
    let from_cut = records.iter().filter(|r| r["record"] == "sentence" && r["source"] == docs[0]["source"]).count();
    assert!(from_cut > 1000, "sentences read before the cut are kept: {from_cut}");
    assert_eq!(docs[0]["sentences"], from_cut);
    let next = sentence_records(&records).into_iter().find(|r| r["source"] == docs[1]["source"]).unwrap();
    assert_eq!(next["index"], 0, "the next file numbers its sentences from 0");

    // a small file cut inside its first chunk keeps its sentences too, also under --strict
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&page).unwrap();
    let whole = gz.finish().unwrap();
    let small = write(dir.path(), "small.txt.gz", &whole[..whole.len() - 12]);
    for strict in [false, true] {
        let mut cmd = klaim();
        cmd.args(["classify", "--summary"]).arg(&small);
        if strict {
            cmd.arg("--strict");
        }
        let records = jsonl(&cmd.assert().code(1).get_output().stdout);
        let doc = records.last().unwrap();
        assert_eq!((&doc["record"], &doc["complete"]), (&"document".into(), &false.into()), "strict {strict}");
        assert!(doc["sentences"].as_u64().unwrap() > 10, "strict {strict}: {doc}");
    }
}

#[test]
fn a_failed_write_names_the_output_and_segment_warns_of_invalid_utf8() {
    klaim().args(["classify", "-o", "/dev/full"]).arg(example(SAMPLES[0])).assert().code(1).stderr(contains("cannot write /dev/full"));
    let out = klaim().arg("segment").write_stdin(&b"Iran menolak.\xff Delegasi tiba.\n"[..]).assert().success();
    out.stderr(contains("<stdin>: byte 13: invalid UTF-8, 1 byte replaced"));
}

#[test]
fn directories_skip_hidden_and_binary_files_and_say_when_nothing_matched() {
    let dir = tempfile::tempdir().unwrap();
    let page = std::fs::read(example(SAMPLES[1])).unwrap();
    write(dir.path(), "page.txt", &page);
    write(dir.path(), ".page.txt.swp", &page);
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    write(&dir.path().join(".git"), "page.txt", &page);
    write(dir.path(), "logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR Rusia menolak.\n");
    let out = klaim().args(["classify", "--summary"]).arg(dir.path()).assert().success();
    let out = out.stderr(contains("logo.png: byte 8: a NUL byte in the first megabyte, so a binary or UTF-16 file; skipped"));
    let records = jsonl(&out.get_output().stdout);
    let sources: std::collections::BTreeSet<&str> = records.iter().map(|r| r["source"].as_str().unwrap()).collect();
    assert_eq!(sources.len(), 1, "only page.txt: {sources:?}");
    assert!(sources.iter().next().unwrap().ends_with("page.txt"));

    let empty = tempfile::tempdir().unwrap();
    klaim().arg("classify").arg(empty.path()).assert().code(1).stderr(contains(": no files"));
    klaim().args(["classify", "--glob", "*.TXT"]).arg(dir.path()).assert().code(1).stderr(contains("no files matching --glob \"*.TXT\""));
}

#[test]
fn a_jsonl_file_without_jsonl_input_gets_a_hint_and_strict_says_it_stops() {
    let dir = tempfile::tempdir().unwrap();
    let crawl = write(dir.path(), "crawl.jsonl", b"{\"url\": \"a\", \"text\": \"Iran menolak tuduhan itu.\"}\n{\"url\": \"b\"}\n");
    klaim().arg("classify").arg(&crawl).assert().success().stderr(contains("pass --jsonl-input"));
    let strict = klaim().args(["classify", "--jsonl-input", "--strict"]).arg(&crawl).assert().code(1);
    strict.stderr(contains("crawl.jsonl:2: no string field \"text\"; stopping (--strict)"));
}

#[test]
fn jsonl_input_carries_ids_and_reports_bad_records() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "crawl.jsonl",
        "{\"id\": \"a1\", \"text\": \"Jakarta menolak tuduhan itu. Perundingan dilanjutkan besok.\"}\n\
         not json\n\
         {\"id\": \"a3\", \"body\": \"no text field\"}\n\
         {\"id\": 4, \"text\": \"Seoul warned of consequences.\"}\n"
            .as_bytes(),
    );
    let out = klaim().args(["classify", "--jsonl-input"]).arg(&input).assert().code(1).stderr(contains("crawl.jsonl:2")).stderr(contains("crawl.jsonl:3"));
    let records = jsonl(&out.get_output().stdout);
    let ids: Vec<&str> = records.iter().map(|r| r["doc_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a1", "a1", "4"]);
    assert_eq!(records[1]["index"], 1);
    assert_eq!(records[2]["index"], 0);

    // strict mode stops at the first bad record
    let out = klaim().args(["classify", "--jsonl-input", "--strict"]).arg(&input).assert().code(1);
    assert_eq!(jsonl(&out.get_output().stdout).len(), 2);

    // a misspelt --id-field is said once, and documents are still told apart by line
    let out = klaim().args(["classify", "--jsonl-input", "--id-field", "nosuch"]).arg(&input).assert().code(1)
        .stderr(contains("crawl.jsonl:1: no \"nosuch\" field"));
    let ids: Vec<String> = jsonl(&out.get_output().stdout).iter().map(|r| r["doc_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids, ["line 1", "line 1", "line 4"]);
}

#[test]
fn unreadable_files_are_reported_and_the_rest_classified() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.txt");
    let out = klaim().arg("classify").arg(&missing).arg(example(SAMPLES[1])).assert().code(1).stderr(contains("missing.txt"));
    assert_eq!(jsonl(&out.get_output().stdout).len(), 24);
}

#[test]
fn invalid_utf8_is_replaced_and_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "bad.txt", b"Kami menolak tuduhan itu.\nJakarta \xff\xfe mendesak dialog.\n");
    let out = klaim().arg("classify").arg(&p).assert().success().stderr(contains("invalid UTF-8"));
    let records = jsonl(&out.get_output().stdout);
    assert_eq!(records.len(), 2);
    assert_eq!(records[1]["text"], "Jakarta \u{1A}\u{1A} mendesak dialog.");
    assert_eq!(records[1]["start"], 26);
}

#[test]
fn a_ten_megabyte_line_is_classified_in_bounded_pieces() {
    let dir = tempfile::tempdir().unwrap();
    let line = "Pemerintah menuntut dialog segera dan menolak tekanan asing ".repeat(170_000);
    let p = write(dir.path(), "long.txt", line.as_bytes());
    let out = klaim().arg("classify").arg(&p).assert().success();
    let records = jsonl(&out.get_output().stdout);
    assert!(records.len() > 2000);
    let covered: usize = records.iter().map(|r| r["text"].as_str().unwrap().len()).sum();
    assert!(covered >= line.trim_end().len() - records.len(), "the whole line is covered");
    assert!(records.iter().all(|r| r["text"].as_str().unwrap().len() <= klaim::segment::MAX_SENTENCE_BYTES));
}

#[test]
fn a_line_longer_than_a_chunk_still_yields_whole_sentences() {
    let dir = tempfile::tempdir().unwrap();
    let sentence = "Rusia menuntut NATO menghentikan ekspansi ke timur.";
    let p = write(dir.path(), "oneline.txt", format!("{sentence} ").repeat(60_000).as_bytes());
    let out = klaim().arg("classify").arg(&p).assert().success();
    let records = jsonl(&out.get_output().stdout);
    assert_eq!(records.len(), 60_000);
    assert!(records.iter().all(|r| r["text"] == sentence));
}

#[test]
fn train_and_eval_warn_about_labels_that_look_like_typos() {
    let dir = tempfile::tempdir().unwrap();
    let data = format!("{}Iran menolak tuduhan itu.\tdenail\n", tiny_training_tsv());
    let data = write(dir.path(), "typo.tsv", data.as_bytes());
    let model = dir.path().join("m.klaim");
    klaim().args(["train", "--min-df", "1", "-q"]).arg(&data).arg("-o").arg(&model).assert().success()
        .stderr(contains("label `denail` has only 1 example(s)"));
    klaim().arg("eval").arg(&data).assert().success().stderr(contains("the model has no label `denail`"));
}

#[test]
fn an_unwritable_model_path_fails_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "train.tsv", tiny_training_tsv().as_bytes());
    let missing = dir.path().join("no-such-dir").join("m.klaim");
    klaim().arg("train").arg(&data).arg("-o").arg(&missing).assert().code(1).stderr(contains("m.klaim: cannot write in")).stderr(contains("training").not());
    klaim().arg("train").arg(&data).arg("-o").arg(dir.path()).assert().code(1).stderr(contains("is a directory"));
}

#[cfg(unix)]
#[test]
fn retraining_keeps_the_model_file_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "train.tsv", tiny_training_tsv().as_bytes());
    let model = dir.path().join("m.klaim");
    klaim().args(["train", "--min-df", "1", "-q"]).arg(&data).arg("-o").arg(&model).assert().success();
    std::fs::set_permissions(&model, std::fs::Permissions::from_mode(0o644)).unwrap();
    klaim().args(["train", "--min-df", "1", "-q"]).arg(&data).arg("-o").arg(&model).assert().success();
    assert_eq!(std::fs::metadata(&model).unwrap().permissions().mode() & 0o777, 0o644);
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    let big = std::fs::read_to_string(example(SAMPLES[0])).unwrap().repeat(3000);
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "big.txt", big.as_bytes());
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("klaim"))
        .arg("classify")
        .arg(&p)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 100];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert_eq!(status.code(), Some(0), "stderr: {err}");
    assert!(!err.contains("error"), "{err}");
}

#[test]
fn train_eval_info_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "train.tsv", tiny_training_tsv().as_bytes());
    let model = dir.path().join("m.klaim");
    klaim().args(["train", "--min-df", "1"]).arg(&data).arg("-o").arg(&model).arg("--valid").arg(&data).assert().success().stderr(contains("macro-F1"));
    let out = klaim().arg("eval").arg(&data).arg("--model").arg(&model).arg("--json").assert().success();
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(report["accuracy"].as_f64().unwrap() > 0.9);
    assert_eq!(report["confusion"].as_array().unwrap().len(), 5);
    klaim().arg("info").arg(&model).assert().success().stdout(contains("trained on     45 sentences")).stdout(contains("validation     sentences 45"));
    let out = klaim().args(["train", "--algo", "one-vs-rest", "--min-df", "1"]).arg(&data).arg("-o").arg(dir.path().join("ovr.klaim")).assert().success();
    drop(out);
    klaim().arg("info").arg(dir.path().join("ovr.klaim")).arg("--json").assert().success().stdout(contains("\"algorithm\": \"one-vs-rest\""));
}

#[test]
fn bad_training_data_names_file_line_and_problem_and_writes_no_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.klaim");
    let cases: [(&str, &[u8], &str); 8] = [
        ("empty.tsv", b"", "empty.tsv: the file is empty"),
        ("nolabel.csv", b"text,category\nhello,other\n", "nolabel.csv:1: the CSV header `text,category` has no `label` column"),
        ("notext.jsonl", b"{\"text\": \"ok\", \"label\": \"other\"}\n{\"label\": \"demand\"}\n", "notext.jsonl:2: the record has no `text` field"),
        ("blank.tsv", b"text\tlabel\nok\tother\n \tdemand\n", "blank.tsv:3: the record has an empty `text`"),
        ("oneclass.tsv", b"text\tlabel\na b\tother\nc d\tother\n", "one label only"),
        ("latin1.tsv", b"text\tlabel\nJenewa \xe9t\xe9\tother\n", "latin1.tsv:2: invalid UTF-8"),
        ("comma.csv", b"text,label\r\nIran denies it.,denial\r\nRussia, in a statement, demands talks.,demand\r\n", "comma.csv:3: 4 fields, but the header has 2"),
        ("case.tsv", b"text\tlabel\na b\tdemand\nc d\tother\ne f\tDemand\n", "case.tsv:4: label `Demand` differs from `demand` (line 2)"),
    ];
    for (name, content, message) in cases {
        let data = write(dir.path(), name, content);
        klaim().arg("train").arg(&data).arg("-o").arg(&model).assert().code(1).stderr(contains(message));
        assert!(!model.exists(), "{name}: no model written");
    }
    // a failed run leaves an existing model untouched
    let good = write(dir.path(), "good.tsv", tiny_training_tsv().as_bytes());
    klaim().args(["train", "--min-df", "1"]).arg(&good).arg("-o").arg(&model).assert().success();
    let before = std::fs::read(&model).unwrap();
    klaim().arg("train").arg(dir.path().join("oneclass.tsv")).arg("-o").arg(&model).assert().code(1);
    assert_eq!(std::fs::read(&model).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().ends_with(".tmp")).collect();
    assert!(leftovers.is_empty());
}

#[test]
fn usage_errors_exit_with_2_and_help_with_0() {
    klaim().assert().code(2);
    klaim().args(["classify", "--format", "xml"]).assert().code(2);
    klaim().args(["train", "x.tsv"]).assert().code(2).stderr(contains("--output"));
    klaim().arg("--help").assert().success().stdout(contains("classify"));
    klaim().args(["train", "--alpha=-1", "-o", "m"]).arg(example(SAMPLES[0])).assert().code(2);
    // --id-field means nothing without --jsonl-input; say so rather than ignore it
    klaim().args(["classify", "--id-field", "url"]).arg(example(SAMPLES[0])).assert().code(2).stderr(contains("--jsonl-input"));
}

#[test]
fn foreign_and_truncated_model_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = write(dir.path(), "foreign.klaim", b"PK\x03\x04 this is a zip");
    klaim().arg("info").arg(&foreign).assert().code(1).stderr(contains("not a klaim model"));
    let bytes = klaim::model::DEFAULT_MODEL_BYTES;
    let cut = write(dir.path(), "cut.klaim", &bytes[..bytes.len() / 2]);
    klaim().arg("info").arg(&cut).assert().code(1).stderr(contains("truncated"));
}
