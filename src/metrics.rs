//! Accuracy, per-class precision/recall/F1, macro-F1 and the confusion matrix.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub n: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub classes: Vec<ClassMetrics>,
    /// `confusion[gold][predicted]`, in the order of `labels`.
    pub labels: Vec<String>,
    pub confusion: Vec<Vec<usize>>,
}

/// A warning when gold labels include labels the model does not have: every
/// sentence carrying one counts as an error, and the cause is usually a typo
/// or another label set. Shared by `klaim eval` and Python's `evaluate`.
pub fn unknown_labels_warning<'a>(gold: impl IntoIterator<Item = &'a str>, labels: &[String]) -> Option<String> {
    let unknown: std::collections::BTreeSet<&str> = gold.into_iter().filter(|g| !labels.iter().any(|l| l == g)).collect();
    if unknown.is_empty() {
        return None;
    }
    let list: Vec<String> = unknown.iter().map(|l| format!("`{l}`")).collect();
    Some(format!(
        "the model has no label {}; those sentences count as errors (model labels: {})",
        list.join(", "),
        labels.join(", ")
    ))
}

/// Scores predictions against gold labels. Labels are the union of the given
/// label set and anything that occurs in `gold` or `predicted`; macro-F1
/// averages over labels that occur in gold or predictions.
pub fn evaluate(gold: &[&str], predicted: &[&str], labels: &[String]) -> Report {
    assert_eq!(gold.len(), predicted.len(), "gold and predicted differ in length");
    let mut labels: Vec<String> = labels.to_vec();
    for l in gold.iter().chain(predicted) {
        if !labels.iter().any(|x| x == l) {
            labels.push(l.to_string());
        }
    }
    let idx = |l: &str| labels.iter().position(|x| x == l).expect("label was added above");
    let k = labels.len();
    let mut confusion = vec![vec![0usize; k]; k];
    for (g, p) in gold.iter().zip(predicted) {
        confusion[idx(g)][idx(p)] += 1;
    }
    let correct: usize = (0..k).map(|i| confusion[i][i]).sum();
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let classes: Vec<ClassMetrics> = (0..k)
        .map(|i| {
            let tp = confusion[i][i];
            let support: usize = confusion[i].iter().sum();
            let predicted: usize = (0..k).map(|g| confusion[g][i]).sum();
            let (precision, recall) = (ratio(tp, predicted), ratio(tp, support));
            let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
            ClassMetrics { label: labels[i].clone(), precision, recall, f1, support }
        })
        .collect();
    let present: Vec<&ClassMetrics> = classes
        .iter()
        .enumerate()
        .filter(|(i, c)| c.support > 0 || (0..k).any(|g| confusion[g][*i] > 0))
        .map(|(_, c)| c)
        .collect();
    let macro_f1 = if present.is_empty() { 0.0 } else { present.iter().map(|c| c.f1).sum::<f64>() / present.len() as f64 };
    Report { n: gold.len(), accuracy: ratio(correct, gold.len()), macro_f1, classes, labels, confusion }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "sentences {}  accuracy {:.4}  macro-F1 {:.4}", self.n, self.accuracy, self.macro_f1)?;
        writeln!(f, "{:<12} {:>9} {:>9} {:>9} {:>8}", "label", "precision", "recall", "f1", "support")?;
        for c in &self.classes {
            writeln!(f, "{:<12} {:>9.4} {:>9.4} {:>9.4} {:>8}", c.label, c.precision, c.recall, c.f1, c.support)?;
        }
        writeln!(f, "confusion (rows gold, columns predicted):")?;
        write!(f, "{:<12}", "")?;
        for l in &self.labels {
            write!(f, " {:>10.10}", l)?;
        }
        writeln!(f)?;
        for (l, row) in self.labels.iter().zip(&self.confusion) {
            write!(f, "{:<12.12}", l)?;
            for v in row {
                write!(f, " {:>10}", v)?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_a_small_case_by_hand() {
        let labels = vec!["a".to_string(), "b".to_string()];
        let r = evaluate(&["a", "a", "b", "b"], &["a", "b", "b", "b"], &labels);
        assert_eq!(r.accuracy, 0.75);
        assert_eq!(r.confusion, vec![vec![1, 1], vec![0, 2]]);
        assert!((r.classes[0].f1 - 2.0 / 3.0).abs() < 1e-9);
        assert!((r.classes[1].f1 - 0.8).abs() < 1e-9);
        assert!((r.macro_f1 - (2.0 / 3.0 + 0.8) / 2.0).abs() < 1e-9);
    }
}
