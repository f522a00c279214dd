//! The model file format and the embedded default model.

mod common;

use std::path::Path;

use klaim::model::{Model, DEFAULT_MODEL_BYTES, FORMAT_VERSION, MAGIC};
use klaim::{corpus, train, TrainParams};

#[test]
fn default_model_loads_and_knows_the_five_labels() {
    let m = Model::default_model();
    assert_eq!(m.labels(), ["demand", "denial", "other", "procedural", "warning"]);
    let label = |t: &str| m.labels()[m.predict_one(t).label].as_str();
    assert_eq!(label("Beijing menuntut Manila segera menarik kapal patrolinya dari perairan sengketa."), "demand");
    assert_eq!(label("Kementerian Pertahanan membantah laporan bahwa pasukannya telah melintasi perbatasan."), "denial");
    assert_eq!(label("Washington memperingatkan bahwa setiap serangan akan dibalas dengan sanksi ekonomi yang berat."), "warning");
    assert_eq!(label("Putaran ketiga perundingan dijadwalkan berlangsung di Jakarta pada Kamis pekan depan."), "procedural");
    assert_eq!(label("Copyright © 2024 All Rights Reserved"), "other");
}

#[test]
fn the_shipped_model_is_what_the_documented_training_command_produces() {
    // README: klaim train data/train.jsonl -o models/default.klaim
    let examples = corpus::read_labelled(&common::repo().join("data/train.jsonl")).unwrap();
    let trained = train(&examples, &TrainParams::default()).unwrap();
    let shipped = Model::from_bytes(DEFAULT_MODEL_BYTES, Path::new("default")).unwrap();
    assert_eq!(shipped.data().training.data_hash, trained.data().training.data_hash, "models/default.klaim was trained on other data: retrain it (README)");
    assert_eq!(shipped.data().params, trained.data().params, "models/default.klaim was trained with other settings");
    assert!(shipped.data().columns == trained.data().columns && shipped.data().weights == trained.data().weights,
        "models/default.klaim differs from a fresh training run: retrain it (README)");
}

#[test]
fn save_and_load_round_trip_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.klaim");
    let m = Model::default_model();
    m.save(&p).unwrap();
    let back = Model::load(&p).unwrap();
    assert_eq!(back.data(), m.data());
    let s = "Seoul menolak usulan itu.";
    assert_eq!(back.predict_one(s), m.predict_one(s));
}

#[test]
fn damaged_model_files_give_errors_not_panics() {
    let good = DEFAULT_MODEL_BYTES.to_vec();
    let origin = Path::new("x.klaim");
    let err = |bytes: &[u8]| Model::from_bytes(bytes, origin).unwrap_err().to_string();

    assert!(err(b"").contains("magic"));
    assert!(err(b"GIF89a....").contains("magic"));
    assert!(err(&good[..12]).contains("truncated"));
    assert!(err(&good[..good.len() - 1]).contains("truncated"));

    let mut other_version = good.clone();
    other_version[8..10].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    assert!(err(&other_version).contains(&format!("format version {}", FORMAT_VERSION + 1)));

    let mut flipped = good.clone();
    let last = flipped.len() - 3;
    flipped[last] ^= 0xff;
    assert!(err(&flipped).contains("checksum"));

    let mut extra = good.clone();
    extra.push(0);
    assert!(err(&extra).contains("unexpected bytes"));
    assert_eq!(&good[..8], MAGIC);
}

#[test]
fn batch_prediction_matches_one_by_one_and_rows_sum_to_one() {
    let m = Model::default_model();
    let texts: Vec<String> = (0..500).map(|i| format!("Delegasi {i} bertemu di Jenewa untuk membahas gencatan senjata.")).collect();
    let k = m.labels().len();
    let batch = m.predict_proba_batch(&texts);
    for (i, t) in texts.iter().enumerate() {
        let one = m.predict_one(t).probabilities;
        assert_eq!(&batch[i * k..(i + 1) * k], one.as_slice());
        assert!((one.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }
}
