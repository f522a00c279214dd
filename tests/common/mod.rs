//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn example(name: &str) -> PathBuf {
    repo().join("examples").join(name)
}

pub const SAMPLES: [&str; 2] = ["001_656384d799c66d7f.txt", "004_c19800768b089a88.txt"];

pub fn klaim() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("klaim").expect("the klaim binary is built for tests")
}

pub fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

pub fn jsonl(stdout: &[u8]) -> Vec<serde_json::Value> {
    std::str::from_utf8(stdout)
        .expect("output is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each output line is JSON"))
        .collect()
}

/// A small labelled training set in LABELS.md's TSV layout (45 sentences),
/// shared with the Python tests.
pub fn tiny_training_tsv() -> String {
    std::fs::read_to_string(repo().join("tests/data/tiny_train.tsv")).unwrap()
}
