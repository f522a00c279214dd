//! A trained classifier: vocabulary, linear weights over it, and its file format.
//!
//! Both training algorithms (multinomial logistic regression and one-vs-rest
//! binary logistic regressions) end as one linear map from a sentence's feature vector to one
//! score per label, so prediction is the same code for both: featurise, look up
//! each id's column, add that column's weights, softmax. Its cost is
//! proportional to the sentence's length; no dense matrix is built.
//!
//! File format: 8 magic bytes, u16 format version, u32 CRC-32 and u64 length of
//! the payload, then the payload: [`ModelData`] encoded with postcard. The
//! struct is klaim's own, never a library's internals, so model files outlive
//! dependency upgrades.

use std::cell::RefCell;
use std::io::Write;
use std::path::Path;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::{KlaimError, Result};
use crate::features::{FeatureConfig, Featurizer};
use crate::metrics::Report;
use crate::train::TrainParams;

pub const MAGIC: &[u8; 8] = b"KLAIM\0MD";
pub const FORMAT_VERSION: u16 = 1;
const HEADER_LEN: usize = 8 + 2 + 4 + 8;

/// What a model records of the data it was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    pub n_records: usize,
    /// xxh3-128 of the training records (text, tab, label, newline), hex.
    pub data_hash: String,
    pub label_counts: Vec<(String, usize)>,
    /// Scores on the validation data given at training time, if any.
    pub validation: Option<Report>,
}

/// Everything a model file holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelData {
    pub klaim_version: String,
    pub labels: Vec<String>,
    pub params: TrainParams,
    pub training: TrainingInfo,
    /// Selected feature ids, ascending.
    pub columns: Vec<u64>,
    /// Inverse document frequency of each column.
    pub idf: Vec<f32>,
    /// Row-major `columns.len() x labels.len()`.
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
}

/// The selected features and their weighting; shared by training (to build the
/// design matrix) and prediction, so both see identical vectors.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    index: FxHashMap<u64, u32>,
    idf: Vec<f32>,
}

impl Vocabulary {
    pub fn new(columns: &[u64], idf: Vec<f32>) -> Self {
        let index = columns.iter().enumerate().map(|(i, &id)| (id, i as u32)).collect();
        Vocabulary { index, idf }
    }

    pub fn len(&self) -> usize {
        self.idf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.idf.is_empty()
    }

    /// Sparse TF-IDF vector of a bag of feature ids: sublinear term frequency
    /// times idf, L2-normalised. `out` is cleared first.
    pub fn vectorize(&self, ids: &[u64], out: &mut Vec<(u32, f32)>) {
        out.clear();
        out.extend(ids.iter().filter_map(|id| self.index.get(id).map(|&c| (c, 1.0f32))));
        out.sort_unstable_by_key(|&(c, _)| c);
        out.dedup_by(|next, kept| {
            let same = next.0 == kept.0;
            if same {
                kept.1 += 1.0;
            }
            same
        });
        let mut norm = 0.0f32;
        for (c, v) in out.iter_mut() {
            *v = (1.0 + v.ln()) * self.idf[*c as usize];
            norm += *v * *v;
        }
        if norm > 0.0 {
            let inv = norm.sqrt().recip();
            out.iter_mut().for_each(|(_, v)| *v *= inv);
        }
    }
}

/// A trained classifier, ready to predict. Immutable, so it can be shared
/// between threads freely.
#[derive(Debug, Clone)]
pub struct Model {
    data: ModelData,
    vocab: Vocabulary,
    featurizer: Featurizer,
}

/// One sentence's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub label: usize,
    pub confidence: f32,
    pub probabilities: Vec<f32>,
}

/// Per-thread buffers for prediction: feature ids, then their sparse vector.
type Scratch = (Vec<u64>, Vec<(u32, f32)>);

thread_local! {
    static SCRATCH: RefCell<Scratch> = const { RefCell::new((Vec::new(), Vec::new())) };
}

impl Model {
    pub fn from_data(data: ModelData) -> Result<Model> {
        let k = data.labels.len();
        let n = data.columns.len();
        if k < 2 || data.idf.len() != n || data.weights.len() != n * k || data.bias.len() != k {
            return Err(KlaimError::InvalidInput("model arrays have inconsistent sizes".into()));
        }
        data.params.features.check()?;
        let vocab = Vocabulary::new(&data.columns, data.idf.clone());
        let featurizer = Featurizer::new(data.params.features.clone());
        Ok(Model { data, vocab, featurizer })
    }

    /// Records scores on validation data in the model (shown by `klaim info`).
    pub fn set_validation(&mut self, report: Report) {
        self.data.training.validation = Some(report);
    }

    pub fn data(&self) -> &ModelData {
        &self.data
    }

    pub fn labels(&self) -> &[String] {
        &self.data.labels
    }

    pub fn feature_config(&self) -> &FeatureConfig {
        &self.data.params.features
    }

    /// Class probabilities of one sentence, in the order of [`Model::labels`].
    pub fn predict_proba_into(&self, text: &str, out: &mut [f32]) {
        let k = self.data.labels.len();
        assert_eq!(out.len(), k, "output slice must have one slot per label");
        out.copy_from_slice(&self.data.bias);
        SCRATCH.with(|s| {
            let (ids, vec) = &mut *s.borrow_mut();
            self.featurizer.features_into(text, ids);
            self.vocab.vectorize(ids, vec);
            for &(c, v) in vec.iter() {
                let row = &self.data.weights[c as usize * k..(c as usize + 1) * k];
                out.iter_mut().zip(row).for_each(|(o, w)| *o += v * w);
            }
        });
        softmax(out);
    }

    pub fn predict_one(&self, text: &str) -> Prediction {
        let mut probabilities = vec![0.0; self.data.labels.len()];
        self.predict_proba_into(text, &mut probabilities);
        let (label, confidence) = argmax(&probabilities);
        Prediction { label, confidence, probabilities }
    }

    /// Probabilities of many sentences, row-major `texts.len() x labels.len()`,
    /// computed on all cores of the current rayon pool.
    pub fn predict_proba_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<f32> {
        let k = self.data.labels.len();
        let mut out = vec![0.0f32; texts.len() * k];
        out.par_chunks_mut(k)
            .zip(texts.par_iter())
            .with_min_len(64)
            .for_each(|(row, t)| self.predict_proba_into(t.as_ref(), row));
        out
    }

    /// Predicted label of many sentences (indices into [`Model::labels`]).
    pub fn predict_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<usize> {
        let k = self.data.labels.len();
        self.predict_proba_batch(texts).chunks(k).map(|row| argmax(row).0).collect()
    }

    /// The model file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let payload = postcard::to_allocvec(&self.data).expect("serialising plain data cannot fail");
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&payload);
        out
    }

    /// Parses model bytes; `origin` names the source in errors.
    pub fn from_bytes(bytes: &[u8], origin: &Path) -> Result<Model> {
        let bad = |message: String| KlaimError::BadModel { path: origin.into(), message };
        if bytes.len() < 8 || &bytes[..8] != MAGIC {
            return Err(bad("the file does not start with klaim's magic bytes".into()));
        }
        if bytes.len() < HEADER_LEN {
            return Err(bad(format!("truncated: {} bytes, shorter than the header", bytes.len())));
        }
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        if version != FORMAT_VERSION {
            return Err(bad(format!(
                "format version {version}; this klaim ({}) reads version {FORMAT_VERSION}: retrain the model or use a matching klaim",
                env!("CARGO_PKG_VERSION")
            )));
        }
        let crc = u32::from_le_bytes(bytes[10..14].try_into().expect("4 bytes"));
        let len = u64::from_le_bytes(bytes[14..22].try_into().expect("8 bytes"));
        let payload = &bytes[HEADER_LEN..];
        if (payload.len() as u64) < len {
            return Err(bad(format!("truncated: payload has {} of {len} bytes", payload.len())));
        }
        if payload.len() as u64 > len {
            return Err(bad(format!("{} unexpected bytes after the payload", payload.len() as u64 - len)));
        }
        if crc32fast::hash(payload) != crc {
            return Err(bad("corrupt: checksum mismatch".into()));
        }
        let data: ModelData = postcard::from_bytes(payload).map_err(|e| bad(format!("corrupt payload: {e}")))?;
        Model::from_data(data).map_err(|e| bad(e.to_string()))
    }

    pub fn load(path: &Path) -> Result<Model> {
        let bytes = std::fs::read(path).map_err(|e| KlaimError::io(path, e))?;
        Model::from_bytes(&bytes, path)
    }

    /// Writes the model atomically: to a temporary file beside `path`, synced,
    /// then renamed over it, so a crash never leaves a half-written model.
    ///
    /// The file gets the permissions of the model it replaces, or else the
    /// usual ones for a new file (0666 less the umask); a temporary file alone
    /// would make it readable by its owner only.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut tmp = temp_file_beside(path)?;
        if let Ok(meta) = std::fs::metadata(path) {
            tmp.as_file().set_permissions(meta.permissions()).map_err(|e| KlaimError::io(path, e))?;
        }
        tmp.write_all(&self.to_bytes()).map_err(|e| KlaimError::io(path, e))?;
        tmp.as_file().sync_all().map_err(|e| KlaimError::io(path, e))?;
        tmp.persist(path).map_err(|e| KlaimError::io(path, e.error))?;
        Ok(())
    }

    /// Fails the way [`Model::save`] would if `path` cannot be written, without
    /// writing anything: the CLI calls it before a long training run.
    pub fn check_writable(path: &Path) -> Result<()> {
        if path.is_dir() {
            return Err(KlaimError::io(path, std::io::Error::other("is a directory; give a file name for the model")));
        }
        temp_file_beside(path).map(drop)
    }

    /// The model compiled into klaim, trained from the corpus in `data/`.
    pub fn default_model() -> &'static Model {
        static DEFAULT: std::sync::OnceLock<Model> = std::sync::OnceLock::new();
        DEFAULT.get_or_init(|| {
            Model::from_bytes(DEFAULT_MODEL_BYTES, Path::new("<embedded default model>"))
                .expect("the embedded default model is checked by the test suite")
        })
    }
}

/// Bytes of `models/default.klaim`, embedded at compile time.
pub static DEFAULT_MODEL_BYTES: &[u8] = include_bytes!("../models/default.klaim");

pub(crate) fn softmax(v: &mut [f32]) {
    let max = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    v.iter_mut().for_each(|x| *x /= sum);
}

fn temp_file_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".klaim-").suffix(".tmp");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    builder.tempfile_in(dir).map_err(|e| {
        // The temporary file's name means nothing to the user; the OS reason does.
        let text = e.to_string();
        let reason = text.split(" at path ").next().unwrap_or(&text);
        KlaimError::io(path, std::io::Error::new(e.kind(), format!("cannot write in {}: {reason}", dir.display())))
    })
}

pub fn argmax(v: &[f32]) -> (usize, f32) {
    v.iter().copied().enumerate().fold((0, f32::NEG_INFINITY), |best, (i, x)| if x > best.1 { (i, x) } else { best })
}
