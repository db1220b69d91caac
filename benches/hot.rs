//! Micro-benchmarks of the functions every save, page or pass runs many times: the
//! personal-data scan, recurring-gap terms and similarity, the evidence summary, and
//! reply-deadline arithmetic on the holiday calendar. `cargo bench --bench hot`.

use chrono::NaiveDate;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use groundswell::domain::evidence::{self, EvidenceItem};
use groundswell::domain::recurrence::{self, GapDoc, Settings};
use groundswell::domain::{pii, workdays};

const NARRATIVE: &str = "社工在家访中了解到，孩子满14岁后健康教育补贴停发，母亲辞职在家照顾，\
    联系电话13812345678，身份证号330203201001011234。The family pays 3,200 yuan a month \
    for speech therapy; the allowance of 800 covers a fraction. 住址：某某小区5幢302室。";

fn docs(n: usize) -> Vec<GapDoc> {
    let texts = [
        "孤独症儿童康复补贴到14岁就停止了，家长只能自费康复训练。",
        "The autism rehabilitation subsidy stops when the child turns 14.",
        "独居老人家里没有紧急呼叫设备，跌倒后两天才被发现。",
        "Home-care hours are far too few for a bedridden elder living alone.",
        "低保认定不扣除医疗支出，支出型贫困家庭被拒之门外。",
        "Migrant children cannot enrol in public junior school without local hukou.",
    ];
    (0..n)
        .map(|i| GapDoc {
            id: i as i64,
            org_id: (i % 7) as i64,
            worker_id: (i % 31) as i64,
            area_id: (i % 3) as i64,
            text: format!("{} 案例{i}", texts[i % texts.len()]),
            threshold: (i % 4 == 0).then(|| ("康复补贴".into(), "age".into(), "14".into())),
            failure_mode: None,
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    c.bench_function(
        "pii::scan of a narrative with a phone, an ID and an address",
        |b| b.iter(|| pii::scan(black_box(NARRATIVE))),
    );
    let pool = docs(2_000);
    c.bench_function("recurrence::Corpus::build over 2,000 findings", |b| {
        b.iter(|| recurrence::Corpus::build(black_box(&pool), &Settings::default()))
    });
    let corpus = recurrence::Corpus::build(&pool, &Settings::default());
    c.bench_function("recurrence similarity of one pair", |b| {
        b.iter(|| corpus.similarity(black_box(3), black_box(9)))
    });
    let small = docs(500);
    c.bench_function("recurrence::candidates over 500 findings", |b| {
        b.iter(|| recurrence::candidates(black_box(&small), &Settings::default()))
    });
    let query = pool[1].clone();
    c.bench_function("recurrence::most_similar against 2,000", |b| {
        b.iter(|| recurrence::most_similar(black_box(&query), &pool, &Settings::default(), 0.2, 5))
    });
    let items: Vec<EvidenceItem> = (0..2_000)
        .map(|i| EvidenceItem {
            org_id: (i % 9) as i64,
            recorded_by: (i % 40) as i64,
            locality_path: format!("/1/{}/{}/", 2 + i % 10, 100 + i % 50),
            observed_on: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()
                + chrono::Days::new((i % 600) as u64),
            people_affected: 1 + (i % 4) as i64,
            age_min: Some(10 + (i % 8) as i64),
            age_max: Some(14 + (i % 8) as i64),
            threshold: (i % 3 == 0).then(|| ("康复补贴".into(), "age".into(), "14".into())),
            figures: vec![
                ("训练费用".into(), 3000.0 + i as f64, "元/月".into()),
                ("康复补贴".into(), 800.0, "元/月".into()),
            ],
        })
        .collect();
    c.bench_function("evidence::summarise of 2,000 linked findings", |b| {
        b.iter(|| evidence::summarise(black_box(&items)))
    });
    let calendar = workdays::HolidayCalendar::official();
    let months = workdays::ReplyPeriod::parse("months", 3).unwrap();
    let working = workdays::ReplyPeriod::parse("working_days", 15).unwrap();
    let on = NaiveDate::from_ymd_opt(2026, 2, 10).unwrap();
    c.bench_function("workdays::due_date, 3 months", |b| {
        b.iter(|| workdays::due_date(black_box(on), months, &calendar))
    });
    c.bench_function(
        "workdays::due_date, 15 working days over the Spring Festival",
        |b| b.iter(|| workdays::due_date(black_box(on), working, &calendar)),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
