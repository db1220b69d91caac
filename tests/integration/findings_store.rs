//! Findings in the store, on both databases: saving, versions, soft deletion,
//! localities, and search in Chinese and English with filters and pagination.

use chrono::{NaiveDate, Utc};
use groundswell::domain::finding::{FigureInput, FindingDraft, FindingInput, validate};
use groundswell::domain::role::Role;
use groundswell::domain::search_text::{document_terms, query_terms};
use groundswell::store::findings::{
    Author, Cursor, FindingQuery, FindingSort, LocalityLevel, PiiConfirmation,
};
use groundswell::store::{AuditEvent, DynStore, StoreError};

use crate::common::{Db, TestApp, TestDb};

pub struct World {
    pub app: TestApp,
    pub worker: Author,
    pub other_org: Author,
    pub district: i64,
    pub district_path: String,
    pub community: i64,
    pub other_district: i64,
    pub area: i64,
}

pub async fn world(t: &TestDb) -> World {
    world_with(t, groundswell::config::WebSettings::default()).await
}

pub async fn world_with(t: &TestDb, settings: groundswell::config::WebSettings) -> World {
    let app = TestApp::start_with(t, settings).await;
    let w = app
        .user("worker@example.org", Role::Worker, "Qingshuiwan Station")
        .await;
    let o = app
        .user("other@example.org", Role::Worker, "Bate Community Station")
        .await;
    let ev = || AuditEvent::new("locality.created", None, None);
    let city = app
        .store
        .create_locality(None, LocalityLevel::City, "宁波市", "Ningbo", &ev())
        .await
        .unwrap();
    let district = app
        .store
        .create_locality(
            Some(city.id),
            LocalityLevel::District,
            "慈溪市",
            "Cixi",
            &ev(),
        )
        .await
        .unwrap();
    let street = app
        .store
        .create_locality(
            Some(district.id),
            LocalityLevel::Street,
            "坎墩街道",
            "Kandun",
            &ev(),
        )
        .await
        .unwrap();
    let community = app
        .store
        .create_locality(
            Some(street.id),
            LocalityLevel::Community,
            "清水湾社区",
            "Qingshuiwan",
            &ev(),
        )
        .await
        .unwrap();
    let other = app
        .store
        .create_locality(
            Some(city.id),
            LocalityLevel::District,
            "北仑区",
            "Beilun",
            &ev(),
        )
        .await
        .unwrap();
    let area = app.store.list_policy_areas().await.unwrap()[0].id;
    let author = |user: i64, org: &str| {
        let store = app.store.clone();
        let org = org.to_string();
        async move {
            Author {
                user_id: user,
                org_id: store.org_by_name(&org).await.unwrap().unwrap().id,
                at: Utc::now(),
                ip: None,
            }
        }
    };
    World {
        worker: author(w, "Qingshuiwan Station").await,
        other_org: author(o, "Bate Community Station").await,
        district: district.id,
        district_path: district.path.clone(),
        community: community.id,
        other_district: other.id,
        area,
        app,
    }
}

pub fn input(narrative: &str, area: i64, locality: i64, observed: &str) -> FindingInput {
    FindingInput {
        narrative: narrative.into(),
        policy_area_id: area.to_string(),
        locality_id: locality.to_string(),
        observed_on: observed.into(),
        people_affected: "1".into(),
        ..Default::default()
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
}

pub async fn save(store: &DynStore, author: &Author, draft: &FindingDraft) -> i64 {
    let path = store
        .list_localities()
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.id == draft.locality_id)
        .unwrap()
        .path;
    let terms = document_terms(&groundswell::domain::finding::searchable_text(draft));
    store
        .create_finding(author, draft, &path, &terms, None)
        .await
        .unwrap()
}

async fn localities_know_their_ancestry(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let all = w.app.store.list_localities().await.unwrap();
    let community = all.iter().find(|l| l.id == w.community).unwrap();
    assert!(
        community.path.starts_with(&w.district_path),
        "{} under {}",
        community.path,
        w.district_path
    );
    assert_eq!(community.path.matches('/').count(), 5);
    let dup = w
        .app
        .store
        .create_locality(
            community.parent_id,
            LocalityLevel::Community,
            "清水湾社区",
            "",
            &AuditEvent::new("x", None, None),
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict)));
    w.app.stop().await;
}

async fn a_finding_round_trips_with_figures_tags_and_private_fields(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let mut i = input(
        "自闭症儿童满14岁后失去健康教育补贴",
        w.area,
        w.community,
        "2026-11-20",
    );
    i.figures = vec![
        FigureInput {
            name: "一对一康复费用".into(),
            amount: "4500".into(),
            unit: "元/月".into(),
        },
        FigureInput {
            name: "康复补贴".into(),
            amount: "800".into(),
            unit: "元/月".into(),
        },
    ];
    i.tags = "自闭症, 14岁".into();
    i.case_reference = "QSW-2026-017".into();
    i.age_min = "14".into();
    i.threshold_benefit = "健康教育补贴".into();
    i.threshold_kind = "age".into();
    i.threshold_value = "14".into();
    let draft = validate(&i, today()).unwrap();
    let id = save(&w.app.store, &w.worker, &draft).await;
    let f = w.app.store.get_finding(id).await.unwrap().unwrap();
    assert_eq!(f.narrative, "自闭症儿童满14岁后失去健康教育补贴");
    assert_eq!(f.figures.len(), 2);
    assert_eq!(f.figures[0].name, "一对一康复费用");
    assert_eq!(f.figures[1].amount, 800.0);
    assert_eq!(f.tags, vec!["14岁", "自闭症"]);
    assert_eq!(f.case_reference.as_deref(), Some("QSW-2026-017"));
    assert_eq!(f.org_name, "Qingshuiwan Station");
    assert_eq!(
        f.observed_on,
        NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
    );
    assert_eq!(f.threshold.as_ref().unwrap().value, "14");
    assert_eq!(f.version, 1);
    w.app.stop().await;
}

async fn edits_keep_versions_and_refuse_stale_saves(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let draft = validate(
        &input("first text", w.area, w.community, "2026-11-20"),
        today(),
    )
    .unwrap();
    let id = save(&w.app.store, &w.worker, &draft).await;
    let path = w
        .app
        .store
        .get_finding(id)
        .await
        .unwrap()
        .unwrap()
        .locality_path;
    let second = validate(
        &input("second text", w.area, w.community, "2026-11-21"),
        today(),
    )
    .unwrap();
    let confirmation = PiiConfirmation {
        reason: "a public hotline".into(),
        hits: "[]".into(),
    };
    w.app
        .store
        .update_finding(
            id,
            1,
            &w.worker,
            &second,
            &path,
            "second text",
            &["narrative".into(), "observed_on".into()],
            Some(&confirmation),
        )
        .await
        .unwrap();
    // Someone still holding version 1 cannot overwrite version 2.
    let stale = w
        .app
        .store
        .update_finding(
            id,
            1,
            &w.worker,
            &draft,
            &path,
            "first",
            &["narrative".into()],
            None,
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict)), "{stale:?}");
    let f = w.app.store.get_finding(id).await.unwrap().unwrap();
    assert_eq!((f.version, f.narrative.as_str()), (2, "second text"));
    let versions = w.app.store.finding_versions(id).await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].changed_fields, "narrative,observed_on");
    assert!(versions[0].snapshot.contains("first text"));
    let audit = w.app.store.list_audit(None, 10).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "finding.updated" && a.subject_id == Some(id))
    );
    w.app.stop().await;
}

async fn deleted_findings_leave_lists_and_search(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let draft = validate(
        &input(
            "subsidy stops at fourteen",
            w.area,
            w.community,
            "2026-11-20",
        ),
        today(),
    )
    .unwrap();
    let id = save(&w.app.store, &w.worker, &draft).await;
    let q = FindingQuery {
        terms: query_terms("subsidy"),
        limit: 20,
        ..Default::default()
    };
    assert_eq!(w.app.store.search_findings(&q).await.unwrap().len(), 1);
    w.app
        .store
        .delete_finding(
            id,
            &AuditEvent::new("finding.deleted", Some(w.worker.user_id), None)
                .subject("finding", Some(id)),
        )
        .await
        .unwrap();
    assert!(w.app.store.search_findings(&q).await.unwrap().is_empty());
    let all = FindingQuery {
        limit: 20,
        ..Default::default()
    };
    assert!(w.app.store.search_findings(&all).await.unwrap().is_empty());
    let kept = w.app.store.get_finding(id).await.unwrap().unwrap();
    assert!(kept.deleted_at.is_some(), "soft: the row is kept");
    let again = w
        .app
        .store
        .delete_finding(id, &AuditEvent::new("finding.deleted", None, None))
        .await;
    assert!(matches!(again, Err(StoreError::NotFound)));
    w.app.stop().await;
}

/// The same searches give the same findings on both databases.
async fn search_finds_chinese_and_english_with_filters(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let areas = s.list_policy_areas().await.unwrap();
    let education = areas.iter().find(|a| a.code == "education").unwrap().id;
    let texts = [
        (
            "自闭症儿童满14岁后不能再享受健康教育补贴",
            w.area,
            w.community,
            "2026-03-01",
            &w.worker,
        ),
        (
            "特教学校因名额问题不再接收14岁以上自闭症学生",
            education,
            w.community,
            "2026-04-01",
            &w.worker,
        ),
        (
            "The rehabilitation subsidies stop when the child turns 14.",
            w.area,
            w.other_district,
            "2026-05-01",
            &w.other_org,
        ),
        (
            "A disabled elderly man lives alone without a carer.",
            w.area,
            w.other_district,
            "2026-06-01",
            &w.other_org,
        ),
        (
            "社会工作者反映康复补助标准偏低",
            w.area,
            w.community,
            "2026-07-01",
            &w.worker,
        ),
    ];
    let mut ids = Vec::new();
    for (text, area, loc, date, author) in texts {
        let mut i = input(text, area, loc, date);
        if text.contains("14") {
            i.age_min = "14".into();
            i.age_max = "16".into();
        }
        ids.push(save(s, author, &validate(&i, today()).unwrap()).await);
    }
    let search = |q: &str| FindingQuery {
        terms: query_terms(q),
        limit: 50,
        ..Default::default()
    };
    let found = |v: Vec<groundswell::store::findings::Finding>| {
        let mut ids: Vec<i64> = v.into_iter().map(|f| f.id).collect();
        ids.sort();
        ids
    };
    assert_eq!(
        found(s.search_findings(&search("补贴")).await.unwrap()),
        vec![ids[0]]
    );
    assert_eq!(
        found(s.search_findings(&search("自闭")).await.unwrap()),
        vec![ids[0], ids[1]]
    );
    assert_eq!(
        found(s.search_findings(&search("subsidy")).await.unwrap()),
        vec![ids[2]]
    );
    assert_eq!(
        found(s.search_findings(&search("社会工作")).await.unwrap()),
        vec![ids[4]]
    );
    assert_eq!(
        found(s.search_findings(&search("康")).await.unwrap()),
        vec![ids[0], ids[4]],
        "one character: a prefix"
    );
    assert!(s.search_findings(&search("薪酬")).await.unwrap().is_empty());

    // Filters: locality subtree, policy area, organisation scope, age, dates.
    let mut q = FindingQuery {
        locality_path: Some(w.district_path.clone()),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(
        found(s.search_findings(&q).await.unwrap()),
        vec![ids[0], ids[1], ids[4]]
    );
    q.policy_area_id = Some(education);
    assert_eq!(found(s.search_findings(&q).await.unwrap()), vec![ids[1]]);
    let scoped = FindingQuery {
        visible_org: Some(w.other_org.org_id),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(
        found(s.search_findings(&scoped).await.unwrap()),
        vec![ids[2], ids[3]]
    );
    let aged = FindingQuery {
        age: Some(15),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(
        found(s.search_findings(&aged).await.unwrap()),
        vec![ids[0], ids[1], ids[2]]
    );
    let dated = FindingQuery {
        observed_from: NaiveDate::from_ymd_opt(2026, 4, 1),
        observed_to: NaiveDate::from_ymd_opt(2026, 6, 1),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(
        found(s.search_findings(&dated).await.unwrap()),
        vec![ids[1], ids[2], ids[3]]
    );
    let unlinked = FindingQuery {
        linked: Some(false),
        terms: query_terms("14"),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(
        found(s.search_findings(&unlinked).await.unwrap()),
        vec![ids[0], ids[1], ids[2]]
    );
    let linked = FindingQuery {
        linked: Some(true),
        limit: 50,
        ..Default::default()
    };
    assert!(s.search_findings(&linked).await.unwrap().is_empty());

    // Relevance: the finding that says "subsidy" twice outranks the one saying it once.
    let strong = save(
        s,
        &w.worker,
        &validate(
            &input(
                "subsidy subsidy subsidies: the subsidy gap",
                w.area,
                w.community,
                "2026-01-01",
            ),
            today(),
        )
        .unwrap(),
    )
    .await;
    let ranked = s.search_findings(&search("subsidy")).await.unwrap();
    assert_eq!(ranked[0].id, strong);
    assert!(ranked[0].score.unwrap() > ranked[1].score.unwrap());
    w.app.stop().await;
}

async fn pagination_is_stable_by_date_and_by_relevance(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let mut expected = Vec::new();
    for i in 0..23 {
        // Several findings share a date: the id breaks ties.
        let date = format!("2026-0{}-1{}", 1 + i % 3, i % 2);
        let text = format!("allowance report {i} {}", "gap ".repeat(1 + i % 4));
        let id = save(
            s,
            &w.worker,
            &validate(&input(&text, w.area, w.community, &date), today()).unwrap(),
        )
        .await;
        expected.push(id);
    }
    for sort in [
        FindingSort::Newest,
        FindingSort::Oldest,
        FindingSort::Relevance,
    ] {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let q = FindingQuery {
                terms: query_terms("allowance"),
                sort,
                after,
                limit: 5,
                ..Default::default()
            };
            let page = s.search_findings(&q).await.unwrap();
            let more = page.len() > 5;
            let page: Vec<_> = page.into_iter().take(5).collect();
            let last = page.last().unwrap();
            after = Some(match sort {
                FindingSort::Relevance => Cursor::Score {
                    score: last.score.unwrap(),
                    id: last.id,
                },
                _ => Cursor::Date {
                    observed_on: last.observed_on,
                    id: last.id,
                },
            });
            seen.extend(page.iter().map(|f| f.id));
            if !more {
                break;
            }
        }
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            23,
            "{sort:?}: every finding once, no repeats: {seen:?}"
        );
    }
    w.app.stop().await;
}

/// Every way the store can run a search gives the same findings in the same order.
async fn every_search_plan_finds_the_same(db: Db) {
    use groundswell::store::findings::Plan;
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    let texts = [
        "自闭症儿童满14岁后不能再享受健康教育补贴",
        "康复补贴每月800元，远低于费用",
        "The rehabilitation subsidy stops at 14",
        "养老服务排队一年以上",
        "subsidy subsidies: the subsidy gap widens",
        "特教学校不再接收14岁以上学生，补贴也停止",
    ];
    for (n, text) in texts.iter().cycle().take(30).enumerate() {
        let loc = if n % 3 == 0 {
            w.other_district
        } else {
            w.community
        };
        let mut i = input(
            &format!("{text} ({n})"),
            w.area + (n as i64 % 2),
            loc,
            &format!("2026-0{}-{:02}", 1 + n % 9, 1 + n % 27),
        );
        i.age_min = (10 + n % 8).to_string();
        save(
            s,
            if n % 2 == 0 { &w.worker } else { &w.other_org },
            &validate(&i, today()).unwrap(),
        )
        .await;
    }
    let plans: &[Plan] = match db {
        Db::Sqlite => &[Plan::TextFirst, Plan::FiltersFirst, Plan::DateWalk],
        // PostgreSQL's own planner always gets TextFirst; the others must still work.
        Db::Postgres => &[Plan::TextFirst, Plan::FiltersFirst, Plan::DateWalk],
    };
    let queries = vec![
        FindingQuery {
            terms: query_terms("补贴"),
            sort: FindingSort::Newest,
            limit: 50,
            ..Default::default()
        },
        FindingQuery {
            terms: query_terms("补贴"),
            sort: FindingSort::Oldest,
            limit: 7,
            ..Default::default()
        },
        FindingQuery {
            terms: query_terms("subsidy"),
            locality_path: Some(w.district_path.clone()),
            sort: FindingSort::Newest,
            limit: 50,
            ..Default::default()
        },
        FindingQuery {
            terms: query_terms("14 补贴"),
            policy_area_id: Some(w.area),
            age: Some(12),
            sort: FindingSort::Newest,
            limit: 50,
            ..Default::default()
        },
        FindingQuery {
            terms: query_terms("康"),
            visible_org: Some(w.worker.org_id),
            sort: FindingSort::Newest,
            limit: 50,
            ..Default::default()
        },
        FindingQuery {
            terms: query_terms("补贴"),
            sort: FindingSort::Relevance,
            limit: 50,
            ..Default::default()
        },
    ];
    for q in &queries {
        let expected: Vec<i64> = s
            .search_findings_planned(q, Some(Plan::TextFirst))
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.id)
            .collect();
        assert!(!expected.is_empty(), "{q:?} finds something");
        for plan in plans.iter().chain(if q.sort == FindingSort::Relevance {
            &[Plan::RecentWalk][..]
        } else {
            &[][..]
        }) {
            let got: Vec<i64> = s
                .search_findings_planned(q, Some(*plan))
                .await
                .unwrap()
                .into_iter()
                .map(|f| f.id)
                .collect();
            assert_eq!(got, expected, "{plan:?} for {q:?}");
        }
    }
    w.app.stop().await;
}

/// Newest first, a word search may be answered from recent findings alone (on
/// PostgreSQL the store tries the last 60 days, then a year, then four): whichever
/// window answers, the page is exactly the newest matches, as the oldest-first order
/// read backwards gives them.
async fn newest_first_word_searches_are_exact_whatever_window_answers(db: Db) {
    let t = TestDb::create(db).await.unwrap();
    let w = world(&t).await;
    let s = &w.app.store;
    // 30 in the last two months, 6 a year and a half before, 4 five years before.
    let mut dates: Vec<String> = (0..30)
        .map(|n| format!("2026-{:02}-{:02}", 8 + n % 2, 1 + n % 28))
        .collect();
    dates.extend((0..6).map(|n| format!("2025-03-{:02}", 1 + n)));
    dates.extend((0..4).map(|n| format!("2021-06-{:02}", 1 + n)));
    for (n, date) in dates.iter().enumerate() {
        let i = input(&format!("康复补贴不足，第{n}户"), w.area, w.community, date);
        save(s, &w.worker, &validate(&i, today()).unwrap()).await;
    }
    let ids = |sort: FindingSort, limit: i64| async move {
        s.search_findings(&FindingQuery {
            terms: query_terms("补贴"),
            sort,
            limit,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.id)
        .collect::<Vec<i64>>()
    };
    let oldest = ids(FindingSort::Oldest, 500).await;
    assert_eq!(oldest.len(), 40);
    let newest: Vec<i64> = oldest.iter().rev().copied().collect();
    // 20 (+1 to know there is more) fit the last 60 days; 33 need four years; 38 all.
    for limit in [20, 33, 38, 50] {
        let want: Vec<i64> = newest.iter().take(limit as usize + 1).copied().collect();
        assert_eq!(
            ids(FindingSort::Newest, limit).await,
            want,
            "newest {limit}"
        );
    }
    // Ranked by relevance, the pool is every match here (fewer than the pool's size).
    let mut ranked = ids(FindingSort::Relevance, 100).await;
    ranked.sort_unstable();
    let mut all = oldest.clone();
    all.sort_unstable();
    assert_eq!(ranked, all);
    w.app.stop().await;
}

crate::both_databases!(
    every_search_plan_finds_the_same,
    newest_first_word_searches_are_exact_whatever_window_answers,
    localities_know_their_ancestry,
    a_finding_round_trips_with_figures_tags_and_private_fields,
    edits_keep_versions_and_refuse_stale_saves,
    deleted_findings_leave_lists_and_search,
    search_finds_chinese_and_english_with_filters,
    pagination_is_stable_by_date_and_by_relevance,
);
