//! Python bindings. The only file that imports pyo3: it converts types and
//! errors and releases the GIL around batch work; everything else is the core.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyFileNotFoundError, PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

use rayon::prelude::*;

use crate::classify::{classify_text, Options, SentenceResult};
use crate::corpus::Example;
use crate::error::KlaimError as CoreError;
use crate::features::FeatureConfig;
use crate::metrics::evaluate;
use crate::model::Model;
use crate::train::{train, Algorithm, TrainParams};

create_exception!(klaim, KlaimError, PyException, "Base class of klaim's errors.");
create_exception!(klaim, ModelFormatError, KlaimError, "A model file is truncated, corrupt, foreign or from another format version.");
create_exception!(klaim, DataError, KlaimError, "Labelled data is malformed (the message names file, line and problem).");
create_exception!(klaim, TrainingError, KlaimError, "Training could not produce a model.");

/// The one place where core errors become Python exceptions.
fn to_py(e: CoreError) -> PyErr {
    let msg = e.to_string();
    match e {
        CoreError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(msg),
        CoreError::Io { .. } => PyOSError::new_err(msg),
        CoreError::InvalidParams(_) | CoreError::InvalidInput(_) => PyValueError::new_err(msg),
        CoreError::BadModel { .. } => ModelFormatError::new_err(msg),
        CoreError::Data { .. } | CoreError::Dataset { .. } => DataError::new_err(msg),
        CoreError::Training(_) => TrainingError::new_err(msg),
    }
}

/// Set in a child process after `fork`: rayon's pool threads do not survive a
/// fork, so a child that inherited a used pool computes on its own thread.
static FORKED: AtomicBool = AtomicBool::new(false);
static POOL_USED: AtomicBool = AtomicBool::new(false);

fn parallel() -> bool {
    if FORKED.load(Ordering::Relaxed) {
        return false;
    }
    POOL_USED.store(true, Ordering::Relaxed);
    true
}

#[pyfunction]
fn _after_fork_in_child() {
    if POOL_USED.load(Ordering::Relaxed) {
        FORKED.store(true, Ordering::Relaxed);
    }
}

/// Runs `work` on a thread of its own and waits without the GIL, checking for
/// Ctrl-C every 100 ms. linfa's solver cannot be stopped part-way, so on
/// KeyboardInterrupt the call returns at once and the work's result is
/// dropped when it ends.
fn interruptible<T: Send + 'static>(py: Python<'_>, work: impl FnOnce() -> T + Send + 'static) -> PyResult<T> {
    use std::sync::mpsc::RecvTimeoutError;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(work());
    });
    let mut rx = rx;
    loop {
        // the receiver moves into the GIL-free closure and back (it is Send, not Sync)
        let (received, back) = py.detach(move || (rx.recv_timeout(std::time::Duration::from_millis(100)), rx));
        rx = back;
        match received {
            Ok(result) => return Ok(result),
            Err(RecvTimeoutError::Timeout) => py.check_signals()?,
            Err(RecvTimeoutError::Disconnected) => {
                return Err(pyo3::exceptions::PyRuntimeError::new_err("klaim's training thread panicked"))
            }
        }
    }
}

/// A `UserWarning` at the caller's line (an error if warnings are errors).
fn warn(py: Python<'_>, message: String) -> PyResult<()> {
    let message = std::ffi::CString::new(message.replace('\0', " ")).expect("NUL bytes were replaced");
    PyErr::warn(py, &py.get_type::<pyo3::exceptions::PyUserWarning>(), &message, 1)
}

/// Turns the core's byte offsets into `text` into the code-point offsets that
/// Python's str indexing uses. Offsets mostly come in increasing order, so it
/// counts on from the last one instead of from the start.
struct CharOffsets<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
}

impl<'a> CharOffsets<'a> {
    fn new(text: &'a str) -> Self {
        CharOffsets { text, byte: 0, chars: 0 }
    }

    fn at(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            (self.byte, self.chars) = (0, 0);
        }
        self.chars += self.text[self.byte..byte].chars().count();
        self.byte = byte;
        self.chars
    }
}

/// A str, or any iterable of str (list, tuple, generator, numpy array, pandas Series).
fn texts_of(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<String>> {
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!("{what} must be an iterable of str, not a single str; wrap it in a list")));
    }
    let iter = obj
        .try_iter()
        .map_err(|_| PyTypeError::new_err(format!("{what} must be an iterable of str, got {}", type_name(obj))))?;
    iter.enumerate()
        .map(|(i, item)| {
            let item = item?;
            item.extract::<String>().map_err(|e| {
                let missing = item.is_none() || item.extract::<f64>().is_ok_and(f64::is_nan) || type_name(&item) == "NAType";
                if missing {
                    // a pandas Series is indexed by label; name it too
                    let label = obj.getattr("index").and_then(|ix| ix.get_item(i)).and_then(|l| l.str());
                    let label = label.map(|l| format!(" (index {l})")).unwrap_or_default();
                    PyValueError::new_err(format!(
                        "{what}[{i}]{label} is missing ({}); drop or fill missing values first, e.g. .fillna(\"\")",
                        item.repr().map(|r| r.to_string()).unwrap_or_default()
                    ))
                } else if item.is_instance_of::<PyString>() {
                    // a str that is not valid Unicode, e.g. from errors="surrogateescape"
                    PyValueError::new_err(format!("{what}[{i}] is not valid Unicode: {}", e.value(item.py())))
                } else {
                    PyTypeError::new_err(format!("{what}[{i}] is {}, expected str", type_name(&item)))
                }
            })
        })
        .collect()
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into())
}

/// A sentence classifier for diplomatic news (see klaim's LABELS.md).
///
/// Immutable: one instance can be shared by many threads.
#[pyclass(frozen, module = "klaim", name = "Classifier")]
struct PyClassifier {
    model: Arc<Model>,
}

impl PyClassifier {
    fn wrap(model: Model) -> Self {
        PyClassifier { model: Arc::new(model) }
    }

    /// The dicts `classify` returns for the sentences of `text`.
    fn sentence_dicts<'py>(&self, py: Python<'py>, text: &str, results: Vec<SentenceResult>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let labels = self.model.labels();
        let mut offsets = CharOffsets::new(text);
        results
            .into_iter()
            .map(|r| {
                let d = PyDict::new(py);
                d.set_item("start", offsets.at(r.start))?;
                d.set_item("end", offsets.at(r.end))?;
                d.set_item("text", r.text)?;
                d.set_item("label", &labels[r.label])?;
                d.set_item("confidence", r.confidence)?;
                let probs = PyDict::new(py);
                for (l, p) in labels.iter().zip(&r.probabilities) {
                    probs.set_item(l, p)?;
                }
                d.set_item("probabilities", probs)?;
                d.set_item("boilerplate", r.boilerplate)?;
                d.set_item("low_confidence", r.low_confidence)?;
                d.set_item("model_label", r.replaced_label.map(|i| labels[i].as_str()))?;
                Ok(d)
            })
            .collect()
    }

    /// Probabilities of `texts`, row after row. Works in slices, checking for
    /// Ctrl-C between them, so a notebook's "interrupt kernel" stops a long call.
    fn proba(&self, py: Python<'_>, texts: Vec<String>) -> PyResult<Vec<f32>> {
        const SLICE: usize = 1 << 16;
        let mut out = Vec::with_capacity(texts.len() * self.model.labels().len());
        for slice in texts.chunks(SLICE) {
            let model = &*self.model;
            out.extend(py.detach(move || {
                if parallel() {
                    model.predict_proba_batch(slice)
                } else {
                    let k = model.labels().len();
                    let mut rows = vec![0.0; slice.len() * k];
                    for (row, t) in rows.chunks_mut(k).zip(slice) {
                        model.predict_proba_into(t, row);
                    }
                    rows
                }
            }));
            py.check_signals()?;
        }
        Ok(out)
    }
}

#[pymethods]
impl PyClassifier {
    /// The model compiled into klaim, trained on its bundled corpus.
    #[staticmethod]
    fn default() -> Self {
        PyClassifier { model: Arc::new(Model::default_model().clone()) }
    }

    /// Loads a model file written by `save` or `klaim train`.
    #[staticmethod]
    fn load(path: PathBuf) -> PyResult<Self> {
        Model::load(&path).map(Self::wrap).map_err(to_py)
    }

    /// Trains a new classifier on sentences and their labels.
    ///
    /// algorithm: "logistic" (multinomial) or "one-vs-rest". Options left at
    /// None take the defaults of `klaim train`: alpha 0.5 (L2 strength),
    /// max_features 4096, min_df 2, max_iter 60, word_ngrams 2, character
    /// n-grams off (char_max 0; char_min 3 when turned on). Labels that differ
    /// only in case raise ValueError; a label seen once or twice warns. Ctrl-C
    /// returns at once; the solver finishes on a background thread.
    #[staticmethod]
    #[pyo3(signature = (texts, labels, *, algorithm="logistic", alpha=None, max_features=None, min_df=None,
                        max_iter=None, word_ngrams=None, char_min=None, char_max=None, stems=true, cues=true, shape=true))]
    #[allow(clippy::too_many_arguments)]
    fn fit(
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        labels: &Bound<'_, PyAny>,
        algorithm: &str,
        alpha: Option<f32>,
        max_features: Option<usize>,
        min_df: Option<u32>,
        max_iter: Option<u64>,
        word_ngrams: Option<u8>,
        char_min: Option<u8>,
        char_max: Option<u8>,
        stems: bool,
        cues: bool,
        shape: bool,
    ) -> PyResult<Self> {
        let texts = texts_of(texts, "texts")?;
        let labels = texts_of(labels, "labels")?;
        if texts.len() != labels.len() {
            return Err(PyValueError::new_err(format!("{} texts but {} labels", texts.len(), labels.len())));
        }
        let algorithm: Algorithm = algorithm.parse().map_err(to_py)?;
        let d = TrainParams::default();
        let fd = FeatureConfig::default();
        let params = TrainParams {
            algorithm,
            features: FeatureConfig {
                word_ngrams: word_ngrams.unwrap_or(fd.word_ngrams),
                char_min: char_min.unwrap_or(fd.char_min),
                char_max: char_max.unwrap_or(fd.char_max),
                stems,
                cues,
                shape,
            },
            max_features: max_features.unwrap_or(d.max_features),
            min_df: min_df.unwrap_or(d.min_df),
            alpha: alpha.unwrap_or(d.alpha),
            max_iter: max_iter.unwrap_or(d.max_iter),
        };
        let mut examples = Vec::with_capacity(texts.len());
        for (i, (text, label)) in texts.into_iter().zip(labels).enumerate() {
            if text.trim().is_empty() {
                return Err(PyValueError::new_err(format!("texts[{i}] is empty")));
            }
            if label.trim().is_empty() {
                return Err(PyValueError::new_err(format!("labels[{i}] is empty")));
            }
            examples.push(Example { text, label: label.trim().to_string(), lang: None, source: None });
        }
        let labels = || examples.iter().map(|e| e.label.as_str());
        if let Some((first, clash)) = crate::corpus::case_clash(labels()) {
            return Err(PyValueError::new_err(format!(
                "labels[{clash}] `{}` differs from labels[{first}] `{}` only in case; labels are case-sensitive",
                examples[clash].label, examples[first].label
            )));
        }
        for message in crate::corpus::rare_label_warnings(labels()) {
            warn(py, message)?;
        }
        let fit = move || {
            if !parallel() {
                // rayon's global pool did not survive the fork; a pool of our own does the work
                let pool = rayon::ThreadPoolBuilder::new().build().map_err(|e| CoreError::Training(e.to_string()))?;
                return pool.install(|| train(&examples, &params));
            }
            train(&examples, &params)
        };
        interruptible(py, fit)?.map(Self::wrap).map_err(to_py)
    }

    /// Writes the model to a file (atomically).
    fn save(&self, path: PathBuf) -> PyResult<()> {
        self.model.save(&path).map_err(to_py)
    }

    /// Label names, in the column order of `predict_proba`.
    #[getter]
    fn labels(&self) -> Vec<String> {
        self.model.labels().to_vec()
    }

    /// The label of each text.
    fn predict(&self, py: Python<'_>, texts: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
        let texts = texts_of(texts, "texts")?;
        let k = self.model.labels().len();
        let probs = self.proba(py, texts)?;
        Ok(probs.chunks(k).map(|row| self.model.labels()[crate::model::argmax(row).0].clone()).collect())
    }

    /// Probabilities, a float32 array of shape (len(texts), len(labels)); rows sum to 1.
    fn predict_proba<'py>(&self, py: Python<'py>, texts: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let texts = texts_of(texts, "texts")?;
        let n = texts.len();
        let k = self.model.labels().len();
        let probs = self.proba(py, texts)?;
        PyArray1::from_vec(py, probs).reshape([n, k])
    }

    /// The sentences klaim sees in raw page text: dicts with `start`, `end`
    /// (str indices: `text[start:end]`), the `text` and the `boilerplate` flag.
    fn segment<'py>(&self, py: Python<'py>, text: &str) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let mut offsets = CharOffsets::new(text);
        crate::classify::page_sentences(text)
            .into_iter()
            .map(|(s, boilerplate)| {
                let d = PyDict::new(py);
                let sentence = s.text(text);
                d.set_item("start", offsets.at(s.start))?;
                d.set_item("end", offsets.at(s.end))?;
                d.set_item("text", sentence)?;
                d.set_item("boilerplate", boilerplate)?;
                Ok(d)
            })
            .collect()
    }

    /// Segments raw page text and labels every sentence: a list of dicts with
    /// start, end (str indices: `text[start:end]`), text, label, confidence,
    /// probabilities, boilerplate, low_confidence and model_label. Below
    /// `min_confidence` the label becomes "other" and model_label keeps the
    /// model's own; confidence stays the probability of model_label.
    #[pyo3(signature = (text, *, min_confidence=None))]
    fn classify<'py>(&self, py: Python<'py>, text: &str, min_confidence: Option<f32>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let options = Options { min_confidence };
        options.check().map_err(to_py)?;
        let model = &*self.model;
        let results = py.detach(|| classify_text(model, text, 0, &options));
        self.sentence_dicts(py, text, results)
    }

    /// `classify` for many pages (a list or a pandas column of raw pages),
    /// pages in parallel: one list of sentence dicts per page, in order.
    #[pyo3(signature = (pages, *, min_confidence=None))]
    fn classify_pages<'py>(
        &self,
        py: Python<'py>,
        pages: &Bound<'py, PyAny>,
        min_confidence: Option<f32>,
    ) -> PyResult<Vec<Vec<Bound<'py, PyDict>>>> {
        const SLICE: usize = 1024; // pages between checks for Ctrl-C
        let options = Options { min_confidence };
        options.check().map_err(to_py)?;
        let pages = texts_of(pages, "pages")?;
        let mut out = Vec::with_capacity(pages.len());
        for slice in pages.chunks(SLICE) {
            let (model, options) = (&*self.model, &options);
            let results: Vec<Vec<SentenceResult>> = py.detach(move || {
                let one = |page: &String| classify_text(model, page, 0, options);
                if parallel() {
                    slice.par_iter().map(one).collect()
                } else {
                    slice.iter().map(one).collect()
                }
            });
            for (page, sentences) in slice.iter().zip(results) {
                out.push(self.sentence_dicts(py, page, sentences)?);
            }
            py.check_signals()?;
        }
        Ok(out)
    }

    /// Scores the classifier on labelled sentences: accuracy, macro_f1,
    /// per-class metrics and the confusion matrix, as a dict.
    fn evaluate<'py>(&self, py: Python<'py>, texts: &Bound<'py, PyAny>, labels: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let predicted = self.predict(py, texts)?;
        let gold = texts_of(labels, "labels")?;
        if gold.len() != predicted.len() {
            return Err(PyValueError::new_err(format!("{} texts but {} labels", predicted.len(), gold.len())));
        }
        if gold.is_empty() {
            return Err(PyValueError::new_err("nothing to evaluate: texts and labels are empty"));
        }
        let gold_ref: Vec<&str> = gold.iter().map(String::as_str).collect();
        if let Some(message) = crate::metrics::unknown_labels_warning(gold_ref.iter().copied(), self.model.labels()) {
            warn(py, message)?;
        }
        let pred_ref: Vec<&str> = predicted.iter().map(String::as_str).collect();
        let report = evaluate(&gold_ref, &pred_ref, self.model.labels());
        json_to_py(py, &serde_json::to_value(report).expect("report serialises"))
    }

    /// What the model is: labels, algorithm, hyperparameters, training data, metrics.
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let d = self.model.data();
        let v = serde_json::json!({
            "klaim_version": d.klaim_version, "format_version": crate::model::FORMAT_VERSION,
            "labels": d.labels, "algorithm": d.params.algorithm.to_string(), "params": d.params,
            "n_features": d.columns.len(), "training": d.training,
        });
        json_to_py(py, &v)
    }

    /// The model file's bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.model.to_bytes())
    }

    /// Any bytes-like object: bytes, bytearray, memoryview, mmap.
    #[staticmethod]
    fn from_bytes(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let origin = std::path::Path::new("<bytes>");
        if let Ok(b) = data.cast::<PyBytes>() {
            return Model::from_bytes(b.as_bytes(), origin).map(Self::wrap).map_err(to_py);
        }
        let buffer = pyo3::buffer::PyBuffer::<u8>::get(data)
            .map_err(|_| PyTypeError::new_err(format!("data must be bytes-like, got {}", type_name(data))))?;
        Model::from_bytes(&buffer.to_vec(data.py())?, origin).map(Self::wrap).map_err(to_py)
    }

    /// Pickles through the model file format.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let py = slf.py();
        let ctor = slf.get_type().getattr("from_bytes")?;
        Ok((ctor, (slf.get().to_bytes(py),)))
    }

    fn __repr__(&self) -> String {
        let d = self.model.data();
        format!(
            "Classifier(labels={:?}, algorithm='{}', features={}, trained_on={})",
            d.labels, d.params.algorithm, d.columns.len(), d.training.n_records
        )
    }
}

fn json_to_py<'py>(py: Python<'py>, v: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    let json = py.import("json")?;
    json.call_method1("loads", (v.to_string(),))
}

/// Runs the `klaim` command line with `argv` (program name first); returns the exit code.
#[pyfunction]
fn run_cli(py: Python<'_>, argv: Vec<String>) -> i32 {
    py.detach(move || crate::cli::run(argv))
}

#[pymodule]
fn _klaim(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyClassifier>()?;
    m.add("KlaimError", m.py().get_type::<KlaimError>())?;
    m.add("ModelFormatError", m.py().get_type::<ModelFormatError>())?;
    m.add("DataError", m.py().get_type::<DataError>())?;
    m.add("TrainingError", m.py().get_type::<TrainingError>())?;
    m.add_function(wrap_pyfunction!(run_cli, m)?)?;
    m.add_function(wrap_pyfunction!(_after_fork_in_child, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
