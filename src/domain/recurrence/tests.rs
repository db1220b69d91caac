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
    /// How the policy fails, picked for each finding by an annotator who saw neither
    /// the gap labels nor the method, standing in for the worker confirming it.
    failure_mode: Option<String>,
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

/// One labelled set from tests/data/, compiled in.
macro_rules! labelled_set {
    ($file:literal) => {
        parse_labelled(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/",
            $file
        )))
    };
}

/// The labelled set: findings with the gap each describes, written independently of
/// the method (see tests/data/recurring_gaps.json).
fn labelled() -> (Vec<GapDoc>, Vec<String>) {
    labelled_set!("recurring_gaps.json")
}

/// A second labelled set, written later by someone who never saw the method or the
/// first set. It was held out at first; the failure-mode facet was then tuned on both
/// sets together, so it is no longer a clean test: a third set, written without sight
/// of the method, measures that.
fn held_out() -> (Vec<GapDoc>, Vec<String>) {
    labelled_set!("recurring_gaps_heldout.json")
}

/// A third set (382 findings, 36 recurring gaps with 15 near-miss pairs, 37 one-off
/// distractors), written by someone who saw neither the method nor the other sets, and
/// measured once after the method was frozen. It must not be used to tune anything:
/// it is the honest figure of how the method does on findings it was not shaped on.
fn untouched() -> (Vec<GapDoc>, Vec<String>) {
    labelled_set!("recurring_gaps_fresh.json")
}

/// A fourth set (380 findings, 36 recurring gaps with 16 near-miss pairs, 37 one-off
/// distractors), written by two people who saw neither the method nor the other sets,
/// one for each half of the policy areas, and measured once with the method unchanged
/// since the third set was measured.
fn blind() -> (Vec<GapDoc>, Vec<String>) {
    labelled_set!("recurring_gaps_blind.json")
}

/// The same findings as if no worker had confirmed a failure mode.
fn unconfirmed((docs, labels): (Vec<GapDoc>, Vec<String>)) -> (Vec<GapDoc>, Vec<String>) {
    let docs = docs
        .into_iter()
        .map(|d| GapDoc {
            failure_mode: None,
            ..d
        })
        .collect();
    (docs, labels)
}

/// A fifth set (382 findings, 36 recurring gaps with 17 near-miss pairs, 36 one-off
/// distractors), written blind like the fourth and measured once after the
/// confirmed-mode settings were chosen on the two tuned sets.
fn blind_again() -> (Vec<GapDoc>, Vec<String>) {
    labelled_set!("recurring_gaps_blind2.json")
}

/// A sixth set (380 findings, 36 recurring gaps with 16 near-miss pairs, 36 one-off
/// distractors), written blind by two people, one for each half of the policy areas,
/// failure modes picked by two more who saw neither gap labels nor method, and
/// measured once after the age-limit and lone-finding settings were chosen on the two
/// tuned sets.
fn sixth() -> (Vec<GapDoc>, Vec<String>) {
    labelled_set!("recurring_gaps_sixth.json")
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
            failure_mode: f.failure_mode,
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
    let (docs, labels) = unconfirmed(labelled());
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

/// The target: pairwise precision and recall of at least 0.85 on the labelled set, with
/// each finding's failure mode confirmed as a worker confirms it on the form (here by
/// annotators who saw neither the gap labels nor the method). Measured with the
/// defaults: 0.915 / 0.869 on the first set and 0.910 / 0.888 on the second.
#[test]
fn recurring_gaps_are_found_with_measured_precision_and_recall() {
    for (name, set) in [("labelled", labelled()), ("held out", held_out())] {
        let (docs, labels) = set;
        let found = candidates(&docs, &Settings::default());
        let (precision, recall) = pairwise(&docs, &labels, &found);
        println!(
            "{name}: pairwise precision {precision:.3}, recall {recall:.3}, {} candidates",
            found.len()
        );
        if std::env::var("RECURRENCE_DEBUG").is_ok() {
            let index: HashMap<i64, usize> =
                docs.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
            for c in &found {
                let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
                for id in &c.finding_ids {
                    *counts.entry(labels[index[id]].as_str()).or_default() += 1;
                }
                println!("{:?} {:?}", counts, c.shared_terms);
            }
        }
        assert!(precision >= 0.85, "{name}: precision {precision:.3}");
        assert!(recall >= 0.85, "{name}: recall {recall:.3}");
    }
}

/// Pairwise precision and recall of the default method on one labelled set, printed.
fn measured(name: &str, (docs, labels): (Vec<GapDoc>, Vec<String>)) -> (f64, f64) {
    assert!(docs.len() >= 300);
    let found = candidates(&docs, &Settings::default());
    let (precision, recall) = pairwise(&docs, &labels, &found);
    println!(
        "{name}: pairwise precision {precision:.3}, recall {recall:.3}, {} candidates",
        found.len()
    );
    (precision, recall)
}

/// The four sets the method was not shaped on, failure modes confirmed: each written
/// blind, and the last measured once after the settings were chosen. Measured with the
/// defaults: 0.835 / 0.825, 0.986 / 0.930, 0.884 / 0.816 and 0.941 / 0.784. Precision
/// holds; recall falls short of 0.85 on three of them (independently written
/// paraphrases that share few words, and workers who name one gap's failure
/// differently). The floors stop the method getting worse.
#[test]
fn unseen_gaps_are_found_with_the_honest_figures() {
    let floors = [
        ("untouched", untouched(), 0.82, 0.81),
        ("blind", blind(), 0.97, 0.92),
        ("blind again", blind_again(), 0.87, 0.80),
        ("sixth", sixth(), 0.93, 0.77),
    ];
    for (name, set, p_floor, r_floor) in floors {
        at_least(&format!("{name}, modes confirmed"), set, p_floor, r_floor);
    }
}

/// Measures one set and fails when precision or recall is below its floor.
fn at_least(name: &str, set: (Vec<GapDoc>, Vec<String>), p_floor: f64, r_floor: f64) {
    let (precision, recall) = measured(name, set);
    assert!(precision >= p_floor, "{name}: precision {precision:.3}");
    assert!(recall >= r_floor, "{name}: recall {recall:.3}");
}

/// When no worker confirms a failure mode, the words, thresholds and the modes read
/// from the texts alone: 0.893 / 0.829 and 0.849 / 0.842 on the tuned sets; 0.601 /
/// 0.747, 0.886 / 0.669, 0.866 / 0.614 and 0.758 / 0.666 on the unseen ones. This is
/// why the form asks how the policy fails. The floors stop it getting worse.
#[test]
fn words_alone_group_with_the_honest_figures() {
    let floors = [
        ("labelled", labelled(), 0.88, 0.82),
        ("held out", held_out(), 0.84, 0.83),
        ("untouched", untouched(), 0.59, 0.73),
        ("blind", blind(), 0.87, 0.65),
        ("blind again", blind_again(), 0.85, 0.60),
        ("sixth", sixth(), 0.74, 0.65),
    ];
    for (name, set, p_floor, r_floor) in floors {
        at_least(
            &format!("{name}, words alone"),
            unconfirmed(set),
            p_floor,
            r_floor,
        );
    }
}

#[test]
fn confirmed_modes_decide_how_far_two_findings_agree() {
    let doc = |id, mode: Option<&str>| GapDoc {
        id,
        org_id: id,
        worker_id: id,
        area_id: 1,
        text: "孤独症儿童康复补贴到14岁就停止了，家长只能自费康复训练。".into(),
        threshold: None,
        failure_mode: mode.map(Into::into),
    };
    let s = Settings::default();
    let sim = |a: Option<&str>, b: Option<&str>| {
        Corpus::build(&[doc(1, a), doc(2, b), doc(3, None)], &s).similarity(0, 1)
    };
    let words = sim(None, None);
    assert!(words > 0.5);
    assert!(sim(Some("age"), Some("age")) >= words - 1e-3);
    let apart = sim(Some("age"), Some("digital"));
    assert!(
        (apart - words * s.mode_floor).abs() < 1e-3,
        "{apart} vs {words}"
    );
    // Related ways count partly (an age limit and support that ends).
    let related = sim(Some("age"), Some("ends"));
    assert!(related > apart && related < sim(Some("age"), Some("age")));
    // One confirmed, one not: the texts decide, as before.
    assert!((sim(Some("digital"), None) - words).abs() < 1e-3);
}

#[test]
fn age_limits_far_apart_are_different_limits() {
    let doc = |id, age: &str| GapDoc {
        id,
        org_id: id,
        worker_id: id,
        area_id: 1,
        text: "康复补贴到了年龄就停止了，家长只能自费康复训练。".into(),
        threshold: Some(("康复补贴".into(), "age".into(), age.into())),
        failure_mode: None,
    };
    assert_eq!(age_limit(&doc(1, "0-6岁")), Some(6.0));
    assert_eq!(age_limit(&doc(1, "14周岁")), Some(14.0));
    assert_eq!(age_limit(&doc(1, "学龄前")), None);
    let residence = GapDoc {
        threshold: Some(("低保".into(), "residence".into(), "3".into())),
        ..doc(1, "")
    };
    assert_eq!(age_limit(&residence), None);

    let s = Settings::default();
    let sim =
        |a: &str, b: &str| Corpus::build(&[doc(1, a), doc(2, b), doc(3, "")], &s).similarity(0, 1);
    let off = Settings {
        age_ratio: 0.0,
        ..s
    };
    let words = |a: &str, b: &str| {
        Corpus::build(&[doc(1, a), doc(2, b), doc(3, "")], &off).similarity(0, 1)
    };
    // Six and seven: cities draw one limit a year apart. Six and eighteen: two gaps.
    assert!((sim("6岁", "7周岁") - words("6岁", "7周岁")).abs() < 1e-6);
    let apart = sim("6", "18周岁");
    assert!(
        (apart - words("6", "18周岁") * s.threshold_mismatch).abs() < 1e-6,
        "{apart}"
    );
}

#[test]
fn a_finding_left_alone_joins_the_group_whose_failure_mode_its_worker_confirmed() {
    // Nodes 0–2 are a group; 3 and 4 are alone, each a little like the group.
    let mut groups = vec![vec![0, 1, 2], vec![3], vec![4]];
    let edges = [
        (0, 1, 0.5),
        (0, 2, 0.5),
        (1, 2, 0.5),
        (0, 3, 0.2),
        (1, 3, 0.15),
        (0, 4, 0.2),
        (1, 4, 0.15),
    ];
    let age = Some(0);
    let amount = Some(2);
    // 3 confirms the group's mode; 4 another one.
    let confirmed = [age, age, amount, age, amount];
    attach_loners(&mut groups, &edges, &confirmed, 0.1);
    assert_eq!(groups, vec![vec![0, 1, 2, 3], vec![4]]);

    // Too little alike on average (0.35 over three members is below 0.15): alone.
    let mut groups = vec![vec![0, 1, 2], vec![3]];
    attach_loners(&mut groups, &edges[..5], &confirmed, 0.15);
    assert_eq!(groups, vec![vec![0, 1, 2], vec![3]]);

    // No worker confirmed anything: nothing moves (words alone group as before).
    let mut groups = vec![vec![0, 1, 2], vec![3]];
    attach_loners(&mut groups, &edges[..5], &[None; 5], 0.1);
    assert_eq!(groups, vec![vec![0, 1, 2], vec![3]]);
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
        failure_mode: None,
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
fn failure_modes_are_read_in_either_language() {
    let doc = |text: &str, threshold: Option<(&str, &str, &str)>| GapDoc {
        id: 1,
        org_id: 1,
        worker_id: 1,
        area_id: 1,
        text: text.into(),
        threshold: threshold.map(|(b, k, v)| (b.into(), k.into(), v.into())),
        failure_mode: None,
    };
    let top = |d: &GapDoc| {
        let corpus = Corpus::build(std::slice::from_ref(d), &Settings::default());
        let m = corpus.modes[0]
            .iter()
            .max_by(|a, b| a.1.partial_cmp(&b.1).unwrap())
            .map(|(k, _)| modes::FAILURE_MODES[*k as usize].id);
        m.unwrap_or("none")
    };
    assert_eq!(top(&doc("孩子满14周岁后康复补贴就停发了", None)), "age");
    assert_eq!(
        top(&doc("The allowance stops when he turns 14.", None)),
        "age"
    );
    assert_eq!(top(&doc("补贴标准太低，只够上几节课", None)), "amount");
    assert_eq!(
        top(&doc("The subsidy covers a fraction of the fee.", None)),
        "amount"
    );
    assert_eq!(top(&doc("呼叫器已经坏了，按了也没人回应", None)), "broken");
    assert_eq!(
        top(&doc(
            "The alarm pendant is broken and nobody answers.",
            None
        )),
        "broken"
    );
    assert_eq!(top(&doc("公办养老院要排队轮候两三年", None)), "waiting");
    assert_eq!(
        top(&doc("Only local hukou holders can apply.", None)),
        "residence"
    );
    assert_eq!(top(&doc("补贴", Some(("补贴", "age", "80")))), "age");
    assert_eq!(top(&doc("今天天气很好", None)), "none");
}

/// Same benefit, different gap: an age cutoff and an amount too low share nearly all
/// their words, and the failure mode is what keeps them apart.
#[test]
fn near_misses_of_one_benefit_are_kept_apart() {
    let doc = |id, text: &str| GapDoc {
        id,
        org_id: id,
        worker_id: id,
        area_id: 1,
        text: text.into(),
        threshold: None,
        failure_mode: None,
    };
    let docs = vec![
        doc(
            1,
            "孤独症儿童康复补贴到14岁就停止了，家长只能自费康复训练。",
        ),
        doc(
            2,
            "孤独症孩子满14周岁后康复补贴停发，家长自费继续康复训练。",
        ),
        doc(
            3,
            "孤独症儿童康复补贴标准太低，只够康复训练费用的四分之一，家长自费。",
        ),
        doc(
            4,
            "孤独症儿童康复补贴远低于机构收费，康复训练费用差距很大，家长自费。",
        ),
    ];
    let corpus = Corpus::build(&docs, &Settings::default());
    let same = corpus.similarity(0, 1).min(corpus.similarity(2, 3));
    let across = corpus.similarity(0, 2).max(corpus.similarity(1, 3));
    assert!(same > 1.5 * across, "{same} vs {across}");
    let found = candidates(&docs, &Settings::default());
    let groups: Vec<Vec<i64>> = found.iter().map(|c| c.finding_ids.clone()).collect();
    assert!(
        groups.contains(&vec![1, 2]) && groups.contains(&vec![3, 4]),
        "{groups:?}"
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
        failure_mode: None,
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
        .unwrap_or(vec![vec![2.0, 2.0, 1.0, 1.0, 0.5, 1.0]]);
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

/// Both visible sets at once, with the label pairs that cost the most precision and
/// recall: `cargo test --lib recurrence_report -- --ignored --nocapture`.
#[test]
#[ignore = "exploration"]
fn recurrence_report() {
    let s = knobs();
    for (name, (docs, labels)) in [
        ("tuning", labelled()),
        ("held out", held_out()),
        ("untouched", untouched()),
        ("blind", blind()),
        ("blind again", blind_again()),
        ("sixth", sixth()),
    ] {
        let (docs, labels) = if std::env::var("CONFIRMED").as_deref() == Ok("0") {
            unconfirmed((docs, labels))
        } else {
            (docs, labels)
        };
        let found = candidates(&docs, &s);
        let (p, r) = pairwise(&docs, &labels, &found);
        println!("{name}: P {p:.3} R {r:.3} ({} candidates)", found.len());
        if std::env::var("RECURRENCE_DEBUG").is_err() {
            continue;
        }
        let index: HashMap<i64, usize> = docs.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
        for c in &found {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for id in &c.finding_ids {
                *counts.entry(labels[index[id]].as_str()).or_default() += 1;
            }
            if counts.len() > 1 {
                println!("  MIXED {:?} {:?}", counts, c.shared_terms);
                if std::env::var("RECURRENCE_DEBUG").as_deref() == Ok("2") {
                    let corpus = Corpus::build(&docs, &s);
                    let top = counts.iter().max_by_key(|(_, n)| **n).unwrap().0;
                    for id in &c.finding_ids {
                        let i = index[id];
                        let mut m = corpus.modes[i].clone();
                        m.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap());
                        let shown: Vec<String> = m
                            .iter()
                            .take(3)
                            .map(|(k, w)| {
                                format!("{}:{w:.2}", modes::FAILURE_MODES[*k as usize].id)
                            })
                            .collect();
                        let mark = if labels[i] == *top { " " } else { "*" };
                        let text: String = docs[i].text.chars().take(90).collect();
                        println!("     {mark} {:<36} {text}", shown.join(" "));
                    }
                }
            }
        }
        // Gaps split across groups.
        let mut placed: BTreeMap<&str, BTreeMap<usize, usize>> = BTreeMap::new();
        let mut predicted = vec![usize::MAX; docs.len()];
        for (c, cand) in found.iter().enumerate() {
            for id in &cand.finding_ids {
                predicted[index[id]] = c;
            }
        }
        for (i, l) in labels.iter().enumerate() {
            *placed
                .entry(l.as_str())
                .or_default()
                .entry(predicted[i])
                .or_default() += 1;
        }
        let scripts: Vec<char> = docs
            .iter()
            .map(|d| match Script::of(&d.text) {
                Script::Chinese => 'z',
                Script::English => 'e',
                Script::Mixed => 'm',
            })
            .collect();
        for (l, m) in placed {
            let total: usize = m.values().sum();
            if total >= 3 && m.len() > 1 {
                let mut v: Vec<(usize, String)> = m
                    .iter()
                    .map(|(g, n)| {
                        let s: String = (0..docs.len())
                            .filter(|&i| labels[i] == l && predicted[i] == *g)
                            .map(|i| scripts[i])
                            .collect();
                        (
                            *n,
                            if *g == usize::MAX {
                                format!("1:{s}")
                            } else {
                                s
                            },
                        )
                    })
                    .collect();
                v.sort_unstable_by_key(|b| std::cmp::Reverse(b.0));
                let v: Vec<String> = v.into_iter().map(|(_, s)| s).collect();
                println!("  SPLIT {l} {v:?}");
            }
        }
    }
}

/// The default settings with `KNOBS=k=v,...` applied.
fn knobs() -> Settings {
    let mut s = Settings::default();
    for kv in std::env::var("KNOBS").unwrap_or_default().split(',') {
        if let Some((k, v)) = kv.split_once('=') {
            set_knob(&mut s, k, v.parse().unwrap());
        }
    }
    s
}

fn set_knob(s: &mut Settings, name: &str, v: f64) {
    match name {
        "join_at" => s.join_at = v,
        "edge_min" => s.edge_min = v,
        "concept_boost" => s.concept_boost = v as f32,
        "cross_language_scale" => s.cross_language_scale = v as f32,
        "threshold_boost" => s.threshold_boost = v as f32,
        "text_weight" => s.text_weight = v as f32,
        "idf_power" => s.idf_power = v as f32,
        "threshold_mismatch" => s.threshold_mismatch = v as f32,
        "mode_floor" => s.mode_floor = v as f32,
        "kind_cues" => s.kind_cues = v as f32,
        "confirmed_boost" => s.confirmed_boost = v as f32,
        "probe_terms" => s.probe_terms = v as usize,
        "max_candidates" => s.max_candidates = v as usize,
        "probe_max_share" => s.probe_max_share = v,
        "neighbours" => s.neighbours = v as usize,
        "same_mode_probe" => s.same_mode_probe = v > 0.0,
        "age_ratio" => s.age_ratio = v as f32,
        "attach_at" => s.attach_at = v,
        other => panic!("no knob {other}"),
    }
}

/// A grid over knobs on both visible sets:
/// `GRID='join_at=0.15,0.2;mode_floor=0.3,0.5' cargo test --lib recurrence_grid -- --ignored --nocapture`.
#[test]
#[ignore = "exploration"]
fn recurrence_grid() {
    // SETS=all: every labelled set, not only the two tuned ones.
    let mut sets = vec![labelled(), held_out()];
    if std::env::var("SETS").as_deref() == Ok("all") {
        sets.extend([untouched(), blind(), blind_again(), sixth()]);
    }
    if std::env::var("CONFIRMED").as_deref() == Ok("0") {
        sets = sets.into_iter().map(unconfirmed).collect();
    }
    let grid: Vec<(String, Vec<f64>)> = std::env::var("GRID")
        .unwrap_or_default()
        .split(';')
        .filter(|t| !t.is_empty())
        .map(|t| {
            let (k, vs) = t.split_once('=').unwrap();
            (
                k.to_string(),
                vs.split(',').map(|x| x.parse().unwrap()).collect(),
            )
        })
        .collect();
    let mut combos: Vec<Vec<(String, f64)>> = vec![vec![]];
    for (k, vs) in &grid {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                vs.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push((k.clone(), *v));
                    c
                })
            })
            .collect();
    }
    for c in combos {
        let mut s = Settings::default();
        for (k, v) in &c {
            set_knob(&mut s, k, *v);
        }
        let mut line = String::new();
        let mut worst = f64::MAX;
        // SUBSAMPLE=k: the mean over k random four-fifths of each set as well, a steadier
        // guide than one run (average linkage on a few hundred findings is jumpy).
        let k: u64 = std::env::var("SUBSAMPLE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        for (docs, labels) in &sets {
            let found = candidates(docs, &s);
            let (p, r) = pairwise(docs, labels, &found);
            if k == 0 {
                worst = worst.min(p).min(r);
            }
            line.push_str(&format!("  P {p:.3} R {r:.3}"));
            if k > 0 {
                let (mut sp, mut sr) = (0.0, 0.0);
                for seed in 0..k {
                    let mut x = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let keep: Vec<usize> = (0..docs.len())
                        .filter(|_| {
                            x = x
                                .wrapping_mul(6364136223846793005)
                                .wrapping_add(1442695040888963407);
                            (x >> 33) % 5 != 0
                        })
                        .collect();
                    let d: Vec<GapDoc> = keep.iter().map(|&i| docs[i].clone()).collect();
                    let l: Vec<String> = keep.iter().map(|&i| labels[i].clone()).collect();
                    let (p, r) = pairwise(&d, &l, &candidates(&d, &s));
                    sp += p;
                    sr += r;
                }
                let (p, r) = (sp / k as f64, sr / k as f64);
                worst = worst.min(p).min(r);
                line.push_str(&format!(" (sub P {p:.3} R {r:.3})"));
            }
        }
        println!("{c:?}{line}  min {worst:.3}");
    }
}

/// Failure modes per finding, by gap, and how well they agree within and across gaps
/// of one area: `cargo test --lib recurrence_modes -- --ignored --nocapture`.
#[test]
#[ignore = "exploration"]
fn recurrence_modes() {
    for (name, (docs, labels)) in [("tuning", labelled()), ("held out", held_out())] {
        let corpus = Corpus::build(&docs, &Settings::default());
        let (mut win, mut nwin, mut btw, mut nbtw, mut empty) = (0.0, 0, 0.0, 0, 0);
        for i in 0..docs.len() {
            if corpus.modes[i].is_empty() {
                empty += 1;
            }
            for j in i + 1..docs.len() {
                if docs[i].area_id != docs[j].area_id
                    || corpus.modes[i].is_empty()
                    || corpus.modes[j].is_empty()
                {
                    continue;
                }
                let a = cosine(&corpus.modes[i], &corpus.modes[j]) as f64;
                if labels[i] == labels[j] {
                    win += a;
                    nwin += 1;
                } else if cosine(&corpus.vectors[i], &corpus.vectors[j]) > 0.2 {
                    btw += a;
                    nbtw += 1;
                }
            }
        }
        println!(
            "{name}: mode agreement within gaps {:.3} ({nwin}), between similar findings of different gaps {:.3} ({nbtw}); {empty} without a mode",
            win / nwin as f64,
            btw / nbtw as f64
        );
        if std::env::var("RECURRENCE_DEBUG").is_err() {
            continue;
        }
        let mut order: Vec<usize> = (0..docs.len()).collect();
        order.sort_by_key(|&i| (&labels[i], i));
        for i in order {
            let mut m = corpus.modes[i].clone();
            m.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap());
            let shown: Vec<String> = m
                .iter()
                .take(4)
                .map(|(k, w)| format!("{}:{w:.2}", modes::FAILURE_MODES[*k as usize].id))
                .collect();
            let text: String = docs[i].text.chars().take(70).collect();
            println!("{:<40} {:<50} {text}", labels[i], shown.join(" "));
        }
    }
}

/// A pass over 120,000 findings (the labelled findings many times over, each copy with
/// its own workers and a few words of its own) and one `most_similar` against 3,000:
/// `cargo test --release --lib recurrence_speed -- --ignored --nocapture`.
#[test]
#[ignore = "timing; run in release"]
fn recurrence_speed() {
    let (mut base, _) = labelled();
    base.extend(held_out().0);
    let mut docs = Vec::with_capacity(120_000);
    let mut i = 0usize;
    while docs.len() < 120_000 {
        let mut d = base[i % base.len()].clone();
        let copy = (i / base.len()) as i64;
        d.id = i as i64 + 1;
        d.worker_id += 1000 * copy;
        d.org_id += 100 * (copy % 50);
        d.text
            .push_str(&format!(" 个案{} case{}", i % 997, i % 991));
        docs.push(d);
        i += 1;
    }
    let s = knobs();
    let t = std::time::Instant::now();
    let corpus = Corpus::build(&docs, &s);
    println!("terms, weights and modes: {:.1?}", t.elapsed());
    drop(corpus);
    let t = std::time::Instant::now();
    let found = candidates(&docs, &s);
    println!(
        "pass over {} findings: {:.1?}, {} candidates",
        docs.len(),
        t.elapsed(),
        found.len()
    );
    let t = std::time::Instant::now();
    let hits = most_similar(&docs[0], &docs[1..3001], &Settings::default(), 0.2, 50);
    println!(
        "most_similar against 3,000: {:.1?}, {} hits",
        t.elapsed(),
        hits.len()
    );
}

/// The suggestions' pool, counted once, scores as building a corpus from the same
/// findings each time would: leaving findings out of a counted pool is the same as
/// never having had them.
#[test]
fn a_counted_pool_scores_as_a_fresh_comparison() {
    let (docs, _) = labelled();
    let s = Settings::default();
    let pool = Pool::build(&docs[..200], &s);
    for q in [0usize, 7, 42, 150] {
        let skip = [q, 199];
        let rest: Vec<GapDoc> = docs[..200]
            .iter()
            .enumerate()
            .filter(|(i, _)| !skip.contains(i))
            .map(|(_, d)| d.clone())
            .collect();
        let fresh = most_similar(&docs[q], &rest, &s, 0.1, 20);
        let counted = pool.most_similar(&docs[q], &skip, &s, 0.1, 20);
        assert!(!fresh.is_empty(), "finding {q} has look-alikes");
        assert_eq!(fresh.len(), counted.len(), "finding {q}");
        for ((fi, fs), (ci, cs)) in fresh.iter().zip(&counted) {
            // `fresh` indexes the findings left in, `counted` the whole pool.
            assert_eq!(rest[*fi].id, docs[*ci].id, "finding {q}");
            assert!((fs - cs).abs() < 1e-5, "finding {q}: {fs} vs {cs}");
        }
    }
    // A query in neither language of the pool's words still compares without panic.
    let odd = GapDoc {
        text: "∑∑ zzqx 丨丨".into(),
        ..docs[0].clone()
    };
    let _ = pool.most_similar(&odd, &[], &s, 0.0, 5);
}
