//! Raw text -> one labelled record per sentence.

use crate::boilerplate::flag_sentences;
use crate::error::{KlaimError, Result};
use crate::segment::{segment, Span};
use crate::model::{argmax, Model};

/// Settings of a classification run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Below this confidence a sentence is labelled `other` and marked
    /// `low_confidence` (only if the model has an `other` label). Furniture
    /// is labelled `other` in any case.
    pub min_confidence: Option<f32>,
}

impl Options {
    /// Checked by every caller (CLI and Python) before a run.
    pub fn check(&self) -> Result<()> {
        match self.min_confidence {
            Some(m) if !(0.0..=1.0).contains(&m) => {
                Err(KlaimError::InvalidInput(format!("min_confidence must be between 0 and 1, got {m}")))
            }
            _ => Ok(()),
        }
    }
}

/// One sentence of a document and what klaim made of it.
#[derive(Debug, Clone, PartialEq)]
pub struct SentenceResult {
    /// Byte offsets into the document.
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// Index into the model's labels.
    pub label: usize,
    pub confidence: f32,
    pub probabilities: Vec<f32>,
    pub boilerplate: bool,
    /// The confidence was below `min_confidence`, so the label became `other`.
    pub low_confidence: bool,
    /// The model's own label, when furniture or low confidence made it `other`.
    pub replaced_label: Option<usize>,
}

/// The sentences of raw page text, each with its furniture flag: what the
/// CLI's `segment`, Python's `Classifier.segment` and [`classify_text`] see.
pub fn page_sentences(text: &str) -> Vec<(Span, bool)> {
    let spans = segment(text);
    let texts: Vec<&str> = spans.iter().map(|s| s.text(text)).collect();
    let furniture = flag_sentences(&texts);
    spans.into_iter().zip(furniture).collect()
}

/// Segments `text` (which starts at byte `base` of its document) and
/// classifies every sentence, in order. Runs on the calling thread: callers
/// parallelise over chunks or documents.
pub fn classify_text(model: &Model, text: &str, base: usize, options: &Options) -> Vec<SentenceResult> {
    let other = model.labels().iter().position(|l| l == "other");
    page_sentences(text)
        .into_iter()
        .map(|(span, boilerplate)| {
            let sentence = span.text(text);
            let mut probabilities = vec![0.0; model.labels().len()];
            model.predict_proba_into(sentence, &mut probabilities);
            let (model_label, confidence) = argmax(&probabilities);
            let low_confidence = options.min_confidence.is_some_and(|min| confidence < min);
            // LABELS.md: page furniture is `other`, whatever its words say
            // ("Baca juga: Iran Tolak Tuntutan IAEA" is a link, not a denial).
            let label = match other {
                Some(other) if boilerplate || low_confidence => other,
                _ => model_label,
            };
            SentenceResult {
                start: base + span.start,
                end: base + span.end,
                text: sentence.to_string(),
                label,
                confidence,
                probabilities,
                boilerplate,
                low_confidence: low_confidence && label != model_label,
                replaced_label: (label != model_label).then_some(model_label),
            }
        })
        .collect()
}
