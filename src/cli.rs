//! The `klaim` command line. Parses arguments, streams, reports; the work is
//! done by the library. [`run`] returns an exit code and never exits the
//! process, so the Python console script can call it in-process:
//! 0 ok, 1 some input failed, 2 usage error, 130 interrupted.

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::classify::{classify_text, Options, SentenceResult};
use crate::corpus::{self, Example};
use crate::error::KlaimError;
use crate::features::FeatureConfig;
use crate::input::{decode, ChunkReader};
use crate::metrics::{evaluate, Report};
use crate::model::{Model, FORMAT_VERSION};
use crate::train::{train, Algorithm, TrainParams};
use linfa::ParamGuard;

#[derive(Parser, Debug)]
#[command(name = "klaim", version, about = "Label every sentence of diplomatic news: demand, denial, warning, procedural, other")]
struct Cli {
    /// No progress bar.
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train a model on labelled sentences (TSV, CSV or JSON Lines with `text` and `label`).
    Train(TrainArgs),
    /// Split raw text into sentences and label each one.
    Classify(ClassifyArgs),
    /// Score a model on labelled sentences.
    Eval(EvalArgs),
    /// Show what a model is: labels, features, algorithm, training data, metrics.
    Info(InfoArgs),
    /// Show the sentences klaim sees in raw text, with byte offsets.
    Segment(SegmentArgs),
}

#[derive(Args, Debug)]
struct TrainArgs {
    /// Labelled data files.
    #[arg(required = true)]
    data: Vec<PathBuf>,
    /// Where to write the model (written atomically).
    #[arg(short, long)]
    output: PathBuf,
    /// Learning algorithm.
    #[arg(long, value_enum, default_value_t = AlgoArg::Logistic)]
    algo: AlgoArg,
    /// L2 penalty.
    #[arg(long, default_value_t = TrainParams::default().alpha)]
    alpha: f32,
    /// Feature columns kept after chi-squared selection.
    #[arg(long, default_value_t = TrainParams::default().max_features)]
    max_features: usize,
    /// Minimum number of sentences a feature must occur in.
    #[arg(long, default_value_t = TrainParams::default().min_df)]
    min_df: u32,
    /// L-BFGS iteration limit.
    #[arg(long, default_value_t = TrainParams::default().max_iter)]
    max_iter: u64,
    /// Longest word n-gram.
    #[arg(long, default_value_t = FeatureConfig::default().word_ngrams)]
    word_ngrams: u8,
    /// Shortest character n-gram.
    #[arg(long, default_value_t = FeatureConfig::default().char_min)]
    char_min: u8,
    /// Longest character n-gram (0: none).
    #[arg(long, default_value_t = FeatureConfig::default().char_max)]
    char_max: u8,
    /// No word stems.
    #[arg(long)]
    no_stems: bool,
    /// No cue-lexicon features.
    #[arg(long)]
    no_cues: bool,
    /// No shape features.
    #[arg(long)]
    no_shape: bool,
    /// Labelled data to score the model on after training (recorded in the model).
    #[arg(long)]
    valid: Vec<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum AlgoArg {
    Logistic,
    OneVsRest,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq)]
enum OutputFormat {
    Jsonl,
    Csv,
    Tsv,
}

#[derive(Args, Debug)]
struct ClassifyArgs {
    /// Files or directories to read; `-` or nothing reads standard input. `.gz` is decompressed.
    inputs: Vec<PathBuf>,
    /// Model file [default: the embedded model].
    #[arg(short, long)]
    model: Option<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Jsonl)]
    format: OutputFormat,
    /// Output file [default: standard output].
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Only files matching this glob when walking directories (e.g. '*.txt').
    #[arg(long)]
    glob: Option<String>,
    /// Inputs are JSON Lines records, one document each, with an id and a text field.
    #[arg(long)]
    jsonl_input: bool,
    /// Field holding the document id in --jsonl-input records.
    #[arg(long, default_value = "id", requires = "jsonl_input")]
    id_field: String,
    /// Field holding the document text in --jsonl-input records.
    #[arg(long, default_value = "text", requires = "jsonl_input")]
    text_field: String,
    /// Leave page furniture out of the output (it is still counted in --summary).
    #[arg(long)]
    skip_boilerplate: bool,
    /// Add one record per document with its counts per label.
    #[arg(long)]
    summary: bool,
    /// Label sentences whose confidence is below this `other` (and say so in the record).
    #[arg(long)]
    min_confidence: Option<f32>,
    /// Stop at the first unreadable file or bad record.
    #[arg(long)]
    strict: bool,
    /// Worker threads [default: all cores].
    #[arg(short = 'j', long)]
    threads: Option<usize>,
}

#[derive(Args, Debug)]
struct EvalArgs {
    /// Labelled data files.
    #[arg(required = true)]
    data: Vec<PathBuf>,
    /// Model file [default: the embedded model].
    #[arg(short, long)]
    model: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct InfoArgs {
    /// Model file [default: the embedded model].
    model: Option<PathBuf>,
    /// Print as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct SegmentArgs {
    /// A text file; `-` or nothing reads standard input.
    input: Option<PathBuf>,
}

/// A failure with its exit code.
struct Failure {
    code: i32,
    message: String,
}

impl From<KlaimError> for Failure {
    fn from(e: KlaimError) -> Self {
        let code = if matches!(e, KlaimError::InvalidParams(_)) { 2 } else { 1 };
        Failure { code, message: e.to_string() }
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure { code: 1, message: e.to_string() }
    }
}

/// Runs the CLI on `argv` (including the program name); returns the exit code.
pub fn run<I, T>(argv: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let quiet = cli.quiet;
    let result = match cli.command {
        Command::Train(a) => cmd_train(a, quiet),
        Command::Classify(a) => cmd_classify(a, quiet),
        Command::Eval(a) => cmd_eval(a),
        Command::Info(a) => cmd_info(a),
        Command::Segment(a) => cmd_segment(a),
    };
    match result {
        Ok(code) => code,
        Err(f) if f.message.is_empty() => f.code,
        Err(f) => {
            eprintln!("klaim: error: {}", f.message);
            f.code
        }
    }
}

fn progress(quiet: bool, len: Option<u64>) -> ProgressBar {
    let bar = match len {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} {msg} eta {eta}")
                .expect("valid template"),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} {bytes} {binary_bytes_per_sec} {msg}").expect("valid template"),
        ),
    };
    if quiet || !io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn load_model(path: &Option<PathBuf>) -> Result<Arc<Model>, Failure> {
    Ok(match path {
        Some(p) => Arc::new(Model::load(p)?),
        None => Arc::new(Model::default_model().clone()),
    })
}

fn cmd_train(a: TrainArgs, quiet: bool) -> Result<i32, Failure> {
    let algorithm = match a.algo {
        AlgoArg::Logistic => Algorithm::Logistic,
        AlgoArg::OneVsRest => Algorithm::OneVsRest,
    };
    let params = TrainParams {
        algorithm,
        features: FeatureConfig {
            word_ngrams: a.word_ngrams,
            char_min: a.char_min,
            char_max: a.char_max,
            stems: !a.no_stems,
            cues: !a.no_cues,
            shape: !a.no_shape,
        },
        max_features: a.max_features,
        min_df: a.min_df,
        alpha: a.alpha,
        max_iter: a.max_iter,
    };
    params.check_ref()?;
    Model::check_writable(&a.output)?;
    let examples = corpus::read_all(&a.data)?;
    warn_rare_labels(&examples);
    let valid = if a.valid.is_empty() { None } else { Some(corpus::read_all(&a.valid)?) };
    let bar = progress(quiet, None);
    bar.set_message(format!("training {algorithm} on {} sentences", examples.len()));
    let mut model = train(&examples, &params)?;
    bar.finish_and_clear();
    if let Some(valid) = valid {
        let report = score(&model, &valid);
        eprintln!("validation ({} sentences):\n{report}", valid.len());
        model.set_validation(report);
    }
    model.save(&a.output)?;
    eprintln!(
        "wrote {} ({} labels, {} features, trained on {} sentences)",
        a.output.display(),
        model.labels().len(),
        model.data().columns.len(),
        examples.len()
    );
    Ok(0)
}

fn score(model: &Model, examples: &[Example]) -> Report {
    let texts: Vec<&str> = examples.iter().map(|e| e.text.as_str()).collect();
    let predicted: Vec<&str> = model.predict_batch(&texts).into_iter().map(|i| model.labels()[i].as_str()).collect();
    let gold: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
    evaluate(&gold, &predicted, model.labels())
}

fn warn_rare_labels(examples: &[Example]) {
    for message in corpus::rare_label_warnings(examples.iter().map(|e| e.label.as_str())) {
        eprintln!("klaim: warning: {message}");
    }
}

fn cmd_eval(a: EvalArgs) -> Result<i32, Failure> {
    let model = load_model(&a.model)?;
    let examples = corpus::read_all(&a.data)?;
    if let Some(message) = crate::metrics::unknown_labels_warning(examples.iter().map(|e| e.label.as_str()), model.labels()) {
        eprintln!("klaim: warning: {message}");
    }
    let report = score(&model, &examples);
    if a.json {
        emit(&format!("{}\n", serde_json::to_string_pretty(&report).expect("report serialises")))
    } else {
        emit(&report.to_string())
    }
}

fn cmd_info(a: InfoArgs) -> Result<i32, Failure> {
    let model = load_model(&a.model)?;
    let d = model.data();
    let source = a.model.as_ref().map_or("<embedded default model>".to_string(), |p| p.display().to_string());
    if a.json {
        let info = serde_json::json!({
            "model": source,
            "format_version": FORMAT_VERSION,
            "klaim_version": d.klaim_version,
            "labels": d.labels,
            "algorithm": d.params.algorithm.to_string(),
            "params": d.params,
            "n_features": d.columns.len(),
            "training": d.training,
        });
        return emit(&format!("{}\n", serde_json::to_string_pretty(&info).expect("info serialises")));
    }
    use std::fmt::Write as _;
    let mut o = String::new();
    let p = &d.params;
    let f = &p.features;
    let _ = writeln!(o, "model          {source}");
    let _ = writeln!(o, "format         version {FORMAT_VERSION}, written by klaim {}", d.klaim_version);
    let _ = writeln!(o, "labels         {}", d.labels.join(", "));
    let _ = writeln!(o, "algorithm      {} (alpha {}, max_iter {})", p.algorithm, p.alpha, p.max_iter);
    let _ = writeln!(o, 
        "features       {} columns (max {}, min_df {}); word 1-{}-grams, char {}, stems {}, cues {}, shape {}",
        d.columns.len(),
        p.max_features,
        p.min_df,
        f.word_ngrams,
        if f.char_max == 0 { "off".to_string() } else { format!("{}-{}-grams", f.char_min, f.char_max) },
        f.stems,
        f.cues,
        f.shape
    );
    let t = &d.training;
    let counts: Vec<String> = t.label_counts.iter().map(|(l, n)| format!("{l} {n}")).collect();
    let _ = writeln!(o, "trained on     {} sentences ({}), data xxh3-128 {}", t.n_records, counts.join(", "), t.data_hash);
    match &t.validation {
        Some(r) => { let _ = write!(o, "validation     {r}"); }
        None => { let _ = writeln!(o, "validation     none recorded"); }
    }
    emit(&o)
}

/// Said when klaim waits on a terminal, which otherwise looks like a hang.
fn stdin_hint() {
    eprintln!("klaim: reading standard input; end it with Ctrl-D, or name files (see --help)");
}

fn cmd_segment(a: SegmentArgs) -> Result<i32, Failure> {
    let input = a.input.as_deref().unwrap_or(Path::new("-"));
    if input == Path::new("-") && io::stdin().is_terminal() {
        stdin_hint();
    }
    let (name, reader) = open_input(input)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut index = 0;
    for chunk in ChunkReader::new(reader, 1 << 20) {
        let chunk = chunk.map_err(|e| Failure { code: 1, message: format!("{name}: {e}") })?;
        if let Some(at) = chunk.first_invalid {
            eprintln!("klaim: warning: {}", invalid_utf8(&name, at, chunk.invalid_bytes));
        }
        for (span, boilerplate) in crate::classify::page_sentences(&chunk.text) {
            let text = span.text(&chunk.text);
            let rec = serde_json::json!({
                "index": index, "start": chunk.base + span.start, "end": chunk.base + span.end,
                "text": text, "boilerplate": boilerplate,
            });
            if let Err(e) = writeln!(out, "{rec}") {
                return quiet_on_broken_pipe(e);
            }
            index += 1;
        }
    }
    out.flush().or_else(|e| quiet_on_broken_pipe(e).map(|_| ()))?;
    Ok(0)
}

/// Writes a report to stdout; a closed pipe (`klaim info | head -1`) is not an error.
fn emit(text: &str) -> Result<i32, Failure> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(0),
        Err(e) => quiet_on_broken_pipe(e),
    }
}

fn quiet_on_broken_pipe(e: io::Error) -> Result<i32, Failure> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Ok(0)
    } else {
        Err(e.into())
    }
}

fn open_input(path: &Path) -> Result<(String, Box<dyn io::BufRead + Send>), Failure> {
    if path == Path::new("-") {
        Ok(("<stdin>".into(), Box::new(io::BufReader::new(io::stdin()))))
    } else {
        Ok((path.display().to_string(), corpus::open(path)?))
    }
}

// ---- classify: a reader thread feeds batches, rayon classifies, the main thread writes in order.

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Text of one document, or a chunk of a large one.
struct Unit {
    source: Arc<str>,
    doc_id: Option<String>,
    base: usize,
    text: String,
    /// Last unit of its document.
    last: bool,
    /// The document's input failed part-way; set on its last unit.
    cut: bool,
}

enum Msg {
    Batch(Vec<Unit>),
    /// A reported problem; `failed` when it counts as failed input.
    Problem { message: String, failed: bool },
    /// Bytes read so far, for the progress bar.
    Progress(u64),
}

const CHUNK_BYTES: usize = 1 << 20;
const BATCH_BYTES: usize = 2 << 20;

struct Feeder<'a> {
    tx: &'a SyncSender<Msg>,
    batch: Vec<Unit>,
    bytes: usize,
    total: u64,
    strict: bool,
}

impl Feeder<'_> {
    /// Queues a unit; false when the consumer has gone away or the run was interrupted.
    fn push(&mut self, unit: Unit) -> bool {
        self.bytes += unit.text.len();
        self.total += unit.text.len() as u64;
        self.batch.push(unit);
        if self.bytes >= BATCH_BYTES {
            return self.flush();
        }
        !INTERRUPTED.load(Ordering::Relaxed)
    }

    fn flush(&mut self) -> bool {
        if self.batch.is_empty() {
            return true;
        }
        self.bytes = 0;
        let ok = self.tx.send(Msg::Batch(std::mem::take(&mut self.batch))).is_ok()
            && self.tx.send(Msg::Progress(self.total)).is_ok();
        ok && !INTERRUPTED.load(Ordering::Relaxed)
    }

    /// Reports a problem; false when the run must stop (strict mode).
    fn problem(&mut self, message: String, failed: bool) -> bool {
        if !self.flush() {
            return false;
        }
        let stop = failed && self.strict;
        let message = if stop { format!("{message}; stopping (--strict)") } else { message };
        let sent = self.tx.send(Msg::Problem { message, failed }).is_ok();
        sent && !stop
    }
}

/// An input to read, or a problem found while listing inputs (reported in
/// order with the rest, so a bad directory does not end the run).
enum Source {
    Path(PathBuf),
    Problem(String),
}

/// Files of the inputs, walking directories (hidden files and folders are
/// left out, as in ripgrep and fd) and keeping those `--glob` matches.
fn expand_inputs(inputs: &[PathBuf], glob: Option<&str>) -> Result<Vec<Source>, Failure> {
    let matcher = match glob {
        Some(g) => Some(
            globset::Glob::new(g)
                .map_err(|e| Failure { code: 2, message: format!("bad --glob {g:?}: {e}") })?
                .compile_matcher(),
        ),
        None => None,
    };
    let mut out = Vec::new();
    if inputs.is_empty() {
        out.push(Source::Path(PathBuf::from("-")));
    }
    for input in inputs {
        if !input.is_dir() {
            out.push(Source::Path(input.clone()));
            continue;
        }
        let mut files = Vec::new();
        let hidden = |e: &walkdir::DirEntry| e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.');
        for entry in walkdir::WalkDir::new(input).follow_links(true).sort_by_file_name().into_iter().filter_entry(|e| !hidden(e)) {
            match entry {
                Err(e) => out.push(Source::Problem(format!("{}: {e}", e.path().unwrap_or(input).display()))),
                Ok(e) if e.file_type().is_file() => {
                    let p = e.into_path();
                    if matcher.as_ref().is_none_or(|m| m.is_match(&p) || p.file_name().is_some_and(|n| m.is_match(n))) {
                        files.push(Source::Path(p));
                    }
                }
                Ok(_) => {}
            }
        }
        if files.is_empty() {
            let glob = glob.map(|g| format!(" matching --glob {g:?} (case-sensitive)")).unwrap_or_default();
            out.push(Source::Problem(format!("{}: no files{glob}", input.display())));
        }
        out.extend(files);
    }
    Ok(out)
}

fn read_sources(sources: Vec<Source>, a: &ClassifyArgs, feeder: &mut Feeder) {
    for source in sources {
        let path = match source {
            Source::Path(p) => p,
            Source::Problem(message) => {
                if !feeder.problem(message, true) {
                    return;
                }
                continue;
            }
        };
        let (name, reader) = match open_input(&path) {
            Ok(x) => x,
            Err(f) => {
                if !feeder.problem(f.message, true) {
                    return;
                }
                continue;
            }
        };
        let source: Arc<str> = name.into();
        if !a.jsonl_input && corpus::Format::from_name(&path) == Some(corpus::Format::JsonLines) {
            let msg = format!("{source}: a JSON Lines file read as plain text; pass --jsonl-input to classify its text field");
            if !feeder.problem(msg, false) {
                return;
            }
        }
        let go_on = if a.jsonl_input {
            read_jsonl_documents(&source, reader, a, feeder)
        } else {
            read_text_document(&source, reader, feeder)
        };
        if !go_on {
            // --strict: what was queued before the stop (a closing summary) still goes out
            feeder.flush();
            return;
        }
    }
    feeder.flush();
}

fn read_text_document(source: &Arc<str>, reader: Box<dyn io::BufRead + Send>, feeder: &mut Feeder) -> bool {
    let mut chunks = ChunkReader::new(reader, CHUNK_BYTES).peekable();
    if chunks.peek().is_none() {
        // an empty file is still a document, with no sentences
        return feeder.push(Unit { source: source.clone(), doc_id: None, base: 0, text: String::new(), last: true, cut: false });
    }
    let mut end = None;
    while let Some(chunk) = chunks.next() {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                let go_on = feeder.problem(format!("{source}: {e}"), true);
                // Close the document (a truncated .gz) so that its summary counts what was read
                // and the next file's sentence numbers start again at 0.
                let base = end.unwrap_or(0);
                let unit = Unit { source: source.clone(), doc_id: None, base, text: String::new(), last: true, cut: true };
                return feeder.push(unit) && go_on;
            }
        };
        if end.is_none() {
            if let Some(at) = chunk.text.find('\0') {
                let at = chunk.base + at;
                let msg = format!("{source}: byte {at}: a NUL byte in the first megabyte, so a binary or UTF-16 file; skipped");
                return feeder.problem(msg, false);
            }
        }
        if let Some(at) = chunk.first_invalid {
            if !feeder.problem(invalid_utf8(source, at, chunk.invalid_bytes), false) {
                return false;
            }
        }
        let last = chunks.peek().is_none();
        end = Some(chunk.base + chunk.text.len());
        let unit = Unit { source: source.clone(), doc_id: None, base: chunk.base, text: chunk.text, last, cut: false };
        if !feeder.push(unit) {
            return false;
        }
    }
    true
}

fn invalid_utf8(source: &str, at: usize, bytes: usize) -> String {
    format!("{source}: byte {at}: invalid UTF-8, {} replaced by U+001A", count(bytes, "byte"))
}

fn read_jsonl_documents(source: &Arc<str>, mut reader: Box<dyn io::BufRead + Send>, a: &ClassifyArgs, feeder: &mut Feeder) -> bool {
    let mut line = Vec::new();
    let mut n = 0;
    let mut warned_no_id = false;
    loop {
        line.clear();
        n += 1;
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) => return feeder.problem(format!("{source}:{n}: {e}"), true),
        }
        let chunk = decode(&line, 0);
        if chunk.text.trim().is_empty() {
            continue;
        }
        let record: serde_json::Value = match serde_json::from_str(&chunk.text) {
            Ok(v) => v,
            Err(e) => {
                if !feeder.problem(format!("{source}:{n}: not a JSON record: {e}"), true) {
                    return false;
                }
                continue;
            }
        };
        let text = match record.get(&a.text_field) {
            Some(serde_json::Value::String(t)) => t.clone(),
            _ => {
                let msg = format!("{source}:{n}: no string field {:?}", a.text_field);
                if !feeder.problem(msg, true) {
                    return false;
                }
                continue;
            }
        };
        let doc_id = match record.get(&a.id_field) {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Null) | None => {
                if !warned_no_id {
                    warned_no_id = true;
                    let msg = format!(
                        "{source}:{n}: no {:?} field; such documents are named by line (\"line {n}\"). See --id-field",
                        a.id_field
                    );
                    if !feeder.problem(msg, false) {
                        return false;
                    }
                }
                Some(format!("line {n}"))
            }
            Some(other) => Some(other.to_string()),
        };
        let unit = Unit { source: source.clone(), doc_id, base: 0, text, last: true, cut: false };
        if !feeder.push(unit) {
            return false;
        }
    }
}

/// Per-document state kept by the writer.
#[derive(Default)]
struct DocState {
    index: usize,
    counts: Vec<usize>,
    boilerplate: usize,
}

struct Writer<'a> {
    format: OutputFormat,
    labels: &'a [String],
    skip_boilerplate: bool,
    summary: bool,
    header_done: bool,
    doc: DocState,
}

impl Writer<'_> {
    fn header(&mut self, buf: &mut Vec<u8>) {
        if self.header_done || self.format == OutputFormat::Jsonl {
            return;
        }
        self.header_done = true;
        let mut cols: Vec<String> = ["source", "doc_id", "index", "start", "end", "label", "confidence", "boilerplate", "low_confidence", "model_label"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        cols.extend(self.labels.iter().map(|l| format!("p_{l}")));
        cols.push("text".into());
        self.delimited(buf, &cols);
    }

    fn delimited(&self, buf: &mut Vec<u8>, fields: &[String]) {
        let delimiter = if self.format == OutputFormat::Tsv { b'\t' } else { b',' };
        let mut w = csv::WriterBuilder::new().delimiter(delimiter).from_writer(buf);
        w.write_record(fields).expect("writing to memory cannot fail");
        w.flush().expect("writing to memory cannot fail");
    }

    fn sentence(&mut self, buf: &mut Vec<u8>, unit: &Unit, r: &SentenceResult) {
        let index = self.doc.index;
        self.doc.index += 1;
        self.doc.counts[r.label] += 1;
        if r.boilerplate {
            self.doc.boilerplate += 1;
            if self.skip_boilerplate {
                return;
            }
        }
        let label = &self.labels[r.label];
        let model_label = r.replaced_label.map(|i| self.labels[i].as_str());
        match self.format {
            OutputFormat::Jsonl => {
                let probs: serde_json::Map<String, serde_json::Value> =
                    self.labels.iter().zip(&r.probabilities).map(|(l, p)| (l.clone(), round(*p).into())).collect();
                let rec = serde_json::json!({
                    "record": "sentence", "source": &*unit.source, "doc_id": unit.doc_id, "index": index,
                    "start": r.start, "end": r.end, "text": r.text, "label": label,
                    "confidence": round(r.confidence), "probabilities": probs, "boilerplate": r.boilerplate,
                    "low_confidence": r.low_confidence, "model_label": model_label,
                });
                serde_json::to_writer(&mut *buf, &rec).expect("writing to memory cannot fail");
                buf.push(b'\n');
            }
            OutputFormat::Csv | OutputFormat::Tsv => {
                let mut f = vec![
                    unit.source.to_string(),
                    unit.doc_id.clone().unwrap_or_default(),
                    index.to_string(),
                    r.start.to_string(),
                    r.end.to_string(),
                    label.clone(),
                    format!("{:.4}", r.confidence),
                    r.boilerplate.to_string(),
                    r.low_confidence.to_string(),
                    model_label.unwrap_or("").to_string(),
                ];
                f.extend(r.probabilities.iter().map(|p| format!("{p:.4}")));
                f.push(r.text.clone());
                self.delimited(buf, &f);
            }
        }
    }

    fn end_document(&mut self, buf: &mut Vec<u8>, unit: &Unit, summaries: &mut Vec<String>) {
        let doc = std::mem::replace(&mut self.doc, DocState { counts: vec![0; self.labels.len()], ..Default::default() });
        if !self.summary {
            return;
        }
        let counts: serde_json::Map<String, serde_json::Value> =
            self.labels.iter().zip(&doc.counts).map(|(l, n)| (l.clone(), (*n).into())).collect();
        let rec = serde_json::json!({
            "record": "document", "source": &*unit.source, "doc_id": unit.doc_id, "sentences": doc.index,
            "boilerplate": doc.boilerplate, "skipped": if self.skip_boilerplate { doc.boilerplate } else { 0 },
            "labels": counts, "complete": !unit.cut,
        });
        if self.format == OutputFormat::Jsonl {
            serde_json::to_writer(&mut *buf, &rec).expect("writing to memory cannot fail");
            buf.push(b'\n');
        } else {
            summaries.push(rec.to_string());
        }
    }
}

fn round(x: f32) -> f64 {
    (x as f64 * 1e4).round() / 1e4
}

fn cmd_classify(a: ClassifyArgs, quiet: bool) -> Result<i32, Failure> {
    let options = Options { min_confidence: a.min_confidence };
    options.check().map_err(|e| Failure { code: 2, message: format!("--min-confidence: {e}") })?;
    let model = load_model(&a.model)?;
    let sources = expand_inputs(&a.inputs, a.glob.as_deref())?;
    let total: Option<u64> = sources
        .iter()
        .filter_map(|s| match s {
            Source::Path(p) => Some(p),
            Source::Problem(_) => None,
        })
        .map(|p| {
            let gz = p.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"));
            if p == Path::new("-") || gz || a.jsonl_input { None } else { std::fs::metadata(p).ok().map(|m| m.len()) }
        })
        .sum();
    let pool = {
        let mut b = rayon::ThreadPoolBuilder::new();
        if let Some(n) = a.threads {
            b = b.num_threads(n.max(1));
        }
        b.build().map_err(|e| Failure { code: 1, message: e.to_string() })?
    };
    // Ctrl-C stops reading and lets the writer finish its batch, so the output
    // ends with a complete record. Only one handler per process is allowed;
    // a second call fails harmlessly.
    // A second Ctrl-C ends the process at once. When stdin is a terminal the
    // reader blocks in a read that no flag can end, so Ctrl-C keeps its default.
    let typing = sources.iter().any(|s| matches!(s, Source::Path(p) if p == Path::new("-"))) && io::stdin().is_terminal();
    if typing {
        stdin_hint();
    } else {
        let _ = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
        });
    }
    INTERRUPTED.store(false, Ordering::SeqCst);

    let mut out: Box<dyn Write> = match &a.output {
        Some(p) => Box::new(std::fs::File::create(p).map_err(|e| KlaimError::Io { path: p.clone(), source: e })?),
        None => Box::new(io::stdout().lock()),
    };
    let (tx, rx) = sync_channel::<Msg>(2);
    let bar = progress(quiet, total);
    let labels = model.labels().to_vec();
    let mut writer = Writer {
        format: a.format,
        labels: &labels,
        skip_boilerplate: a.skip_boilerplate,
        summary: a.summary,
        header_done: false,
        doc: DocState { counts: vec![0; labels.len()], ..Default::default() },
    };
    let strict = a.strict;
    let outcome = std::thread::scope(|scope| {
        let a = &a;
        scope.spawn(move || {
            let mut feeder = Feeder { tx: &tx, batch: Vec::new(), bytes: 0, total: 0, strict };
            read_sources(sources, a, &mut feeder);
        });
        write_results(rx, &model, &options, &pool, &mut writer, &mut out, &bar)
    });
    let outcome = outcome.map_err(|e| {
        let name = a.output.as_ref().map_or("standard output".into(), |p| p.display().to_string());
        Failure { code: 1, message: format!("cannot write {name}: {e}") }
    });
    bar.finish_and_clear();
    let stats = outcome?;
    if INTERRUPTED.load(Ordering::SeqCst) {
        eprintln!("klaim: interrupted; the output holds {} complete sentence records", stats.sentences);
        return Ok(130);
    }
    if stats.stopped_by_pipe {
        return Ok(0);
    }
    if !quiet {
        eprintln!(
            "klaim: {} ({} boilerplate{}) from {}",
            count(stats.sentences, "sentence"),
            stats.boilerplate,
            if a.skip_boilerplate { ", skipped" } else { "" },
            count(stats.documents, "document")
        );
    }
    if stats.failed > 0 {
        eprintln!("klaim: {}; see above", count(stats.failed, "input problem"));
        return Ok(1);
    }
    Ok(0)
}

/// "1 document", "2 documents".
fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

#[derive(Default)]
struct RunStats {
    sentences: usize,
    boilerplate: usize,
    documents: usize,
    failed: usize,
    stopped_by_pipe: bool,
}

fn write_results(
    rx: Receiver<Msg>,
    model: &Model,
    options: &Options,
    pool: &rayon::ThreadPool,
    writer: &mut Writer,
    out: &mut Box<dyn Write>,
    bar: &ProgressBar,
) -> io::Result<RunStats> {
    let mut stats = RunStats::default();
    let started = std::time::Instant::now();
    let mut buf = Vec::with_capacity(BATCH_BYTES * 2);
    let mut summaries = Vec::new();
    for msg in rx {
        match msg {
            Msg::Progress(n) => bar.set_position(n),
            Msg::Problem { message, failed } => {
                bar.suspend(|| eprintln!("klaim: {}{message}", if failed { "error: " } else { "warning: " }));
                if failed {
                    stats.failed += 1;
                }
            }
            Msg::Batch(units) => {
                if INTERRUPTED.load(Ordering::SeqCst) {
                    break;
                }
                let results: Vec<Vec<SentenceResult>> =
                    pool.install(|| units.par_iter().map(|u| classify_text(model, &u.text, u.base, options)).collect());
                buf.clear();
                writer.header(&mut buf);
                for (unit, sentences) in units.iter().zip(&results) {
                    for r in sentences {
                        writer.sentence(&mut buf, unit, r);
                        stats.sentences += 1;
                        stats.boilerplate += r.boilerplate as usize;
                    }
                    if unit.last {
                        writer.end_document(&mut buf, unit, &mut summaries);
                        stats.documents += 1;
                    }
                }
                // One write per batch: an interrupted run ends on a whole record.
                if let Err(e) = out.write_all(&buf).and_then(|_| out.flush()) {
                    if e.kind() == io::ErrorKind::BrokenPipe {
                        stats.stopped_by_pipe = true;
                        break;
                    }
                    return Err(e);
                }
                let rate = stats.sentences as f64 / started.elapsed().as_secs_f64().max(1e-3);
                bar.set_message(format!("{} sentences, {rate:.0} sentences/s", stats.sentences));
            }
        }
    }
    for s in summaries {
        eprintln!("{s}");
    }
    Ok(stats)
}
