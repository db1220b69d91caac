use std::collections::HashMap;

use serde::Deserialize;

use super::*;

#[derive(Deserialize)]
struct Labelled {
    findings: Vec<LabelledFinding>,
}

#[derive(Deserialize)]
struct LabelledFinding {
    gap: String,
    area: String,
    org: String,
    worker: String,
    narrative: String,
    threshold: Option<LabelledThreshold>,
    tags: Vec<String>,
    figures: Vec<LabelledFigure>,
}

#[derive(Deserialize)]
struct LabelledThreshold {
    benefit: String,
    kind: String,
    value: String,
}

#[derive(Deserialize)]
struct LabelledFigure {
    name: String,
}

/// The labelled set: findings with the gap each describes, written independently of
/// the method (see tests/data/recurring_gaps.json).
fn labelled() -> (Vec<GapDoc>, Vec<String>) {
    parse_labelled(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/recurring_gaps.json"
    )))
}

/// A second labelled set, written later by someone who never saw the method or the
/// first set, and never used to tune anything: how the method does on findings it was
/// not shaped around.
fn held_out() -> (Vec<GapDoc>, Vec<String>) {
    parse_labelled(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/recurring_gaps_heldout.json"
    )))
}

fn parse_labelled(json: &str) -> (Vec<GapDoc>, Vec<String>) {
    let data: Labelled = serde_json::from_str(json).unwrap();
    let mut areas: HashMap<String, i64> = HashMap::new();
    let num = |s: &str| s[1..].parse::<i64>().unwrap();
    let mut docs = Vec::new();
    let mut labels = Vec::new();
    for (i, f) in data.findings.into_iter().enumerate() {
        let n = areas.len() as i64;
        let area_id = *areas.entry(f.area.clone()).or_insert(n);
        let mut text = f.narrative.clone();
        for t in &f.tags {
            text.push(' ');
            text.push_str(t);
        }
        for fig in &f.figures {
            text.push(' ');
            text.push_str(&fig.name);
        }
        if let Some(t) = &f.threshold {
            text.push(' ');
            text.push_str(&t.benefit);
        }
        docs.push(GapDoc {
            id: i as i64 + 1,
            org_id: num(&f.org),
            worker_id: num(&f.worker),
            area_id,
            text,
            threshold: f.threshold.map(|t| (t.benefit, t.kind, t.value)),
        });
        labels.push(f.gap);
    }
    (docs, labels)
}

/// Pairwise precision and recall of candidates against the labels: a pair of findings
/// is predicted together when one candidate holds both, truly together when the labels
/// agree.
fn pairwise(docs: &[GapDoc], labels: &[String], found: &[Candidate]) -> (f64, f64) {
    let index: HashMap<i64, usize> = docs.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
    let mut predicted = vec![usize::MAX; docs.len()];
    for (c, cand) in found.iter().enumerate() {
        for id in &cand.finding_ids {
            predicted[index[id]] = c;
        }
    }
    let (mut tp, mut fp, mut fn_) = (0u64, 0u64, 0u64);
    for i in 0..docs.len() {
        for j in i + 1..docs.len() {
            let together = predicted[i] != usize::MAX && predicted[i] == predicted[j];
            let truth = labels[i] == labels[j];
            match (together, truth) {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, true) => fn_ += 1,
                _ => {}
            }
        }
    }
    (
        tp as f64 / (tp + fp).max(1) as f64,
        tp as f64 / (tp + fn_).max(1) as f64,
    )
}

#[test]
fn the_labelled_set_is_big_enough_and_bilingual() {
    let (docs, labels) = labelled();
    assert!(docs.len() >= 300);
    let mut sizes: HashMap<&str, usize> = HashMap::new();
    for l in &labels {
        *sizes.entry(l.as_str()).or_default() += 1;
    }
    assert!(sizes.values().filter(|n| **n >= 5).count() >= 25);
    let chinese = docs.iter().filter(|d| d.text.chars().any(is_han)).count();
    let english = docs
        .iter()
        .filter(|d| d.text.chars().filter(|c| c.is_ascii_alphabetic()).count() > 40)
        .count();
    assert!(chinese >= 100 && english >= 100, "{chinese} / {english}");
}

/// The target is 0.85 for both. Measured with the defaults: precision 0.782, recall
/// 0.808 — not there yet. The errors are near misses joined to the gap they resemble
/// (emergency-call buttons that are missing vs. installed but dead; the same school
/// bus, for a special school): a bag of words cannot tell them apart. The floors below
/// stop the method from getting worse while it is improved.
#[test]
fn recurring_gaps_are_found_with_measured_precision_and_recall() {
    let (docs, labels) = labelled();
    let found = candidates(&docs, &Settings::default());
    let (precision, recall) = pairwise(&docs, &labels, &found);
    println!(
        "pairwise precision {precision:.3}, recall {recall:.3}, {} candidates",
        found.len()
    );
    if std::env::var("RECURRENCE_DEBUG").is_ok() {
        let index: HashMap<i64, usize> = docs.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
        for c in &found {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for id in &c.finding_ids {
                *counts.entry(labels[index[id]].as_str()).or_default() += 1;
            }
            println!("{:?} {:?}", counts, c.shared_terms);
        }
    }
    assert!(precision >= 0.78, "precision {precision:.3}");
    assert!(recall >= 0.80, "recall {recall:.3}");
}

#[test]
fn held_out_gaps_are_found_too() {
    let (docs, labels) = held_out();
    let found = candidates(&docs, &Settings::default());
    let (precision, recall) = pairwise(&docs, &labels, &found);
    println!(
        "held out: pairwise precision {precision:.3}, recall {recall:.3}, {} candidates",
        found.len()
    );
    assert!(precision >= 0.0 && recall >= 0.0);
}

#[test]
fn chinese_and_english_findings_of_one_gap_meet() {
    let doc = |id, worker, text: &str| GapDoc {
        id,
        org_id: worker,
        worker_id: worker,
        area_id: 1,
        text: text.into(),
        threshold: None,
    };
    let docs = vec![
        doc(
            1,
            1,
            "孤独症儿童康复补贴到14岁就停止了，家长只能自费康复训练。",
        ),
        doc(
            2,
            2,
            "The autism rehabilitation subsidy stops when the child turns 14; the parents now pay for therapy themselves.",
        ),
        doc(3, 3, "独居老人家里没有紧急呼叫设备，跌倒后两天才被发现。"),
    ];
    let corpus = Corpus::build(&docs, &Settings::default());
    let zh_en = cosine(&corpus.vectors[0], &corpus.vectors[1]);
    let unrelated = cosine(&corpus.vectors[0], &corpus.vectors[2]);
    assert!(
        zh_en > 0.2 && zh_en > 3.0 * unrelated,
        "{zh_en} vs {unrelated}"
    );
}

#[test]
fn one_worker_alone_is_not_a_candidate() {
    let doc = |id, worker| GapDoc {
        id,
        org_id: 1,
        worker_id: worker,
        area_id: 1,
        text: "残疾儿童康复补贴14岁停止发放".into(),
        threshold: Some(("康复补贴".into(), "age".into(), "14".into())),
    };
    assert!(candidates(&[doc(1, 1), doc(2, 1)], &Settings::default()).is_empty());
    let found = candidates(&[doc(1, 1), doc(2, 2)], &Settings::default());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].finding_ids, vec![1, 2]);
    assert_eq!(found[0].threshold, Some(("age".into(), "14".into(), 2)));
    assert!(
        found[0].shared_terms.iter().any(|t| t == "@rehab"),
        "{:?}",
        found[0].shared_terms
    );
}

#[test]
#[ignore = "exploration: cargo test --lib recurrence_sweep -- --ignored --nocapture"]
fn recurrence_sweep() {
    let (docs, labels) = labelled();
    let corpus = Corpus::build(&docs, &Settings::default());
    // Within-gap vs between-gap similarity in one area.
    let (mut win, mut nwin, mut btw, mut nbtw) = (0.0, 0, 0.0, 0);
    for i in 0..docs.len() {
        for j in i + 1..docs.len() {
            if docs[i].area_id != docs[j].area_id {
                continue;
            }
            let s = cosine(&corpus.vectors[i], &corpus.vectors[j]) as f64;
            if labels[i] == labels[j] {
                win += s;
                nwin += 1
            } else {
                btw += s;
                nbtw += 1
            }
        }
    }
    if let Ok(debug) = std::env::var("DEBUG_JOIN") {
        let s = Settings {
            join_at: debug.parse().unwrap(),
            ..Settings::default()
        };
        let found = candidates(&docs, &s);
        let index: HashMap<i64, usize> = docs.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
        for c in &found {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for id in &c.finding_ids {
                *counts.entry(labels[index[id]].as_str()).or_default() += 1;
            }
            println!("{:?} {:?}", counts, c.shared_terms);
        }
    }
    println!(
        "mean within {:.3} between {:.3}",
        win / nwin as f64,
        btw / nbtw as f64
    );
    let grid: Vec<Vec<f32>> = std::env::var("GRID")
        .map(|g| {
            g.split(';')
                .map(|t| t.split(',').map(|x| x.parse().unwrap()).collect())
                .collect()
        })
        .unwrap_or(vec![vec![3.0, 2.0, 1.0, 1.0]]);
    let joins: Vec<f64> = std::env::var("JOINS")
        .map(|g| g.split(',').map(|x| x.parse().unwrap()).collect())
        .unwrap_or(vec![0.12, 0.16, 0.20, 0.25, 0.30]);
    for v in grid {
        let (cb, tb, tw, ip, tm, cs) = (v[0], v[1], v[2], v[3], v[4], v[5]);
        let em = v.get(6).copied().unwrap_or(0.1) as f64;
        for &join_at in &joins {
            let s = Settings {
                join_at,
                edge_min: em,
                concept_boost: cb,
                threshold_boost: tb,
                text_weight: tw,
                idf_power: ip,
                threshold_mismatch: tm,
                cross_language_scale: cs,
                ..Settings::default()
            };
            let found = candidates(&docs, &s);
            let (p, r) = pairwise(&docs, &labels, &found);
            println!(
                "{cb} {tb} {tw} {ip} {tm} {cs} join_at {join_at}: P {p:.3} R {r:.3} ({} candidates)",
                found.len()
            );
        }
    }
}

#[test]
#[ignore = "exploration"]
fn recurrence_confusions() {
    let (docs, labels) = labelled();
    let s = Settings::default();
    let corpus = Corpus::build(&docs, &s);
    let mut fps: Vec<(f32, usize, usize)> = Vec::new();
    let mut fns: Vec<(f32, usize, usize)> = Vec::new();
    for i in 0..docs.len() {
        for j in i + 1..docs.len() {
            if docs[i].area_id != docs[j].area_id {
                continue;
            }
            let sim = corpus.similarity(i, j);
            if labels[i] != labels[j] && sim > 0.3 {
                fps.push((sim, i, j));
            }
            if labels[i] == labels[j] && sim < 0.08 {
                fns.push((sim, i, j));
            }
        }
    }
    fps.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
    println!(
        "{} confusable pairs above 0.3, {} same-gap pairs below 0.08",
        fps.len(),
        fns.len()
    );
    for (sim, i, j) in fps.iter().take(12).chain(fns.iter().take(12)) {
        println!(
            "{sim:.2} [{}] {}\n     [{}] {}",
            labels[*i], docs[*i].text, labels[*j], docs[*j].text
        );
    }
}
