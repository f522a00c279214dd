//! Criterion benches for the hot paths: segmentation, featurisation, prediction.
//! Run with `cargo bench`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use klaim::features::{FeatureConfig, Featurizer};
use klaim::model::Model;

fn page() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    ["001_656384d799c66d7f.txt", "004_c19800768b089a88.txt"]
        .iter()
        .map(|n| std::fs::read_to_string(format!("{dir}/{n}")).expect("bundled sample"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn sentences(page: &str) -> Vec<String> {
    klaim::segment::segment(page).iter().map(|s| s.text(page).to_string()).collect()
}

fn bench(c: &mut Criterion) {
    let page = page();
    let sents = sentences(&page);

    let mut g = c.benchmark_group("segment");
    g.throughput(Throughput::Bytes(page.len() as u64));
    g.bench_function("sample pages", |b| b.iter(|| klaim::segment::segment(&page)));
    g.finish();

    let mut g = c.benchmark_group("features");
    g.throughput(Throughput::Elements(sents.len() as u64));
    for (name, config) in [
        ("default", FeatureConfig::default()),
        ("words only", FeatureConfig { char_max: 0, stems: false, cues: false, shape: false, ..Default::default() }),
    ] {
        let f = Featurizer::new(config);
        let mut out = Vec::new();
        g.bench_function(BenchmarkId::new("sentences", name), |b| {
            b.iter(|| sents.iter().for_each(|s| f.features_into(s, &mut out)))
        });
    }
    g.finish();

    let model = Model::default_model();
    let mut g = c.benchmark_group("predict");
    g.throughput(Throughput::Elements(sents.len() as u64));
    let mut probs = vec![0.0; model.labels().len()];
    g.bench_function("one thread", |b| b.iter(|| sents.iter().for_each(|s| model.predict_proba_into(s, &mut probs))));
    let many: Vec<&String> = sents.iter().cycle().take(20_000).collect();
    g.throughput(Throughput::Elements(many.len() as u64));
    g.bench_function("batch, all cores", |b| b.iter(|| model.predict_proba_batch(&many)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
