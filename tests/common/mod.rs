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

/// A small labelled training set in LABELS.md's TSV layout.
pub fn tiny_training_tsv() -> String {
    let mut s = String::from("text\tlabel\n");
    let rows = [
        ("Pemerintah menuntut kapal asing segera meninggalkan perairan", "demand"),
        ("Menlu mendesak kedua pihak kembali ke meja perundingan", "demand"),
        ("The minister urged Seoul to release the detained sailors", "demand"),
        ("Juru bicara membantah laporan pengerahan pasukan", "denial"),
        ("Kemlu menolak tuduhan itu sebagai tidak berdasar", "denial"),
        ("Tokyo denied any plan to deploy missiles", "denial"),
        ("Beijing memperingatkan konsekuensi berat bila provokasi berlanjut", "warning"),
        ("Washington mengancam sanksi baru terhadap perusahaan itu", "warning"),
        ("Moscow warned of retaliation if the convoy crossed", "warning"),
        ("Perundingan putaran kedua dijadwalkan berlangsung di Jakarta", "procedural"),
        ("Kedua delegasi bertemu selama tiga jam di Jenewa", "procedural"),
        ("The talks will resume in Vienna next week", "procedural"),
        ("Harga minyak naik dua persen pada perdagangan pagi", "other"),
        ("Ribuan warga mengungsi akibat banjir di pesisir", "other"),
        ("Copyright 2024 All Rights Reserved", "other"),
    ];
    for round in 0..3 {
        for (t, l) in rows {
            s.push_str(&format!("{t} {}\t{l}\n", ["", "hari ini", "kemarin"][round]));
        }
    }
    s
}
