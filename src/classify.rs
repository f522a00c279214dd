//! Raw text -> one labelled record per sentence.

use crate::boilerplate::is_boilerplate;
use crate::model::{argmax, Model};
use crate::segment::segment_into;

/// Settings of a classification run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Below this confidence a sentence is labelled `other` and marked
    /// `low_confidence` (only if the model has an `other` label).
    pub min_confidence: Option<f32>,
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
    /// The model's own label, when `min_confidence` replaced it by `other`.
    pub replaced_label: Option<usize>,
}

/// Segments `text` (which starts at byte `base` of its document) and
/// classifies every sentence, in order. Runs on the calling thread: callers
/// parallelise over chunks or documents.
pub fn classify_text(model: &Model, text: &str, base: usize, options: &Options) -> Vec<SentenceResult> {
    let mut spans = Vec::new();
    segment_into(text, 0, &mut spans);
    let other = model.labels().iter().position(|l| l == "other");
    spans
        .into_iter()
        .map(|span| {
            let sentence = span.text(text);
            let mut probabilities = vec![0.0; model.labels().len()];
            model.predict_proba_into(sentence, &mut probabilities);
            let (mut label, confidence) = argmax(&probabilities);
            let mut replaced_label = None;
            if let (Some(min), Some(other)) = (options.min_confidence, other) {
                if confidence < min && label != other {
                    replaced_label = Some(label);
                    label = other;
                }
            }
            SentenceResult {
                start: base + span.start,
                end: base + span.end,
                text: sentence.to_string(),
                label,
                confidence,
                probabilities,
                boilerplate: is_boilerplate(sentence),
                replaced_label,
            }
        })
        .collect()
}
