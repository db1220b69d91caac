//! The store conformance suite: each behaviour written once, run on SQLite and on
//! PostgreSQL.

use chrono::{Duration, Utc};
use groundswell::domain::account::OrgKind;
use groundswell::domain::role::Role;
use groundswell::store::{AuditEvent, DynStore, NewOrg, NewUser, StoreError, UserUpdate};

use crate::common::{Db, TestDb};

async fn fresh(db: Db) -> (TestDb, DynStore) {
    let t = TestDb::create(db).await.expect("backend available");
    let s = t.store().await;
    (t, s)
}

fn ev(action: &'static str) -> AuditEvent {
    AuditEvent::new(action, None, Some("127.0.0.1".into()))
}

async fn org(store: &DynStore, name: &str) -> i64 {
    store
        .create_org(
            &NewOrg {
                name: name.into(),
                kind: OrgKind::Member,
            },
            &ev("org.created"),
        )
        .await
        .unwrap()
        .id
}

fn new_user(email: &str, org_id: i64, role: Role) -> NewUser {
    NewUser {
        email: email.into(),
        name: "陈社工".into(),
        password_hash: "$argon2id$not-a-real-hash".into(),
        role,
        org_id,
        locale: None,
    }
}

async fn migrations_can_run_twice(db: Db) {
    let (_t, store) = fresh(db).await;
    store.migrate().await.expect("second run is a no-op");
    store.ping().await.unwrap();
}

async fn organisation_names_are_unique_ignoring_case(db: Db) {
    let (_t, store) = fresh(db).await;
    org(&store, "Bate Community Station").await;
    let again = store
        .create_org(
            &NewOrg {
                name: "bate community station".into(),
                kind: OrgKind::Member,
            },
            &ev("org.created"),
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict)), "{again:?}");
    let found = store
        .org_by_name("BATE community station")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.name, "Bate Community Station");
    // The failed insert wrote no audit entry either.
    let audit = store.list_audit(None, 50).await.unwrap();
    assert_eq!(
        audit.iter().filter(|a| a.action == "org.created").count(),
        1
    );
}

async fn users_round_trip_with_their_organisation(db: Db) {
    let (_t, store) = fresh(db).await;
    let org_id = org(&store, "宁波市星宝自闭症家庭支援中心").await;
    let created = store
        .create_user(
            &new_user("chen@example.org", org_id, Role::Senior),
            &ev("user.created").subject("user", None),
        )
        .await
        .unwrap();
    assert_eq!(created.role, Role::Senior);
    assert_eq!(created.org_name, "宁波市星宝自闭症家庭支援中心");
    assert!(created.active);
    assert_eq!(created.auth_epoch, 0);

    let by_email = store
        .user_by_email("chen@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_email.id, created.id);
    assert_eq!(by_email.name, "陈社工");
    assert!(
        store
            .user_by_email("nobody@example.org")
            .await
            .unwrap()
            .is_none()
    );

    // The audit entry names the new user as its subject.
    let audit = store.list_audit(None, 10).await.unwrap();
    let entry = audit.iter().find(|a| a.action == "user.created").unwrap();
    assert_eq!(entry.subject_id, Some(created.id));
    assert_eq!(entry.subject_type.as_deref(), Some("user"));
}

async fn a_second_account_with_the_same_email_is_a_conflict(db: Db) {
    let (_t, store) = fresh(db).await;
    let org_id = org(&store, "Org").await;
    store
        .create_user(
            &new_user("a@example.org", org_id, Role::Worker),
            &ev("user.created"),
        )
        .await
        .unwrap();
    let dup = store
        .create_user(
            &new_user("a@example.org", org_id, Role::Admin),
            &ev("user.created"),
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict)));
    assert_eq!(store.list_users().await.unwrap().len(), 1);
}

async fn updating_a_user_changes_role_and_organisation(db: Db) {
    let (_t, store) = fresh(db).await;
    let a = org(&store, "A").await;
    let b = org(&store, "B").await;
    let u = store
        .create_user(
            &new_user("u@example.org", a, Role::Worker),
            &ev("user.created"),
        )
        .await
        .unwrap();
    let updated = store
        .update_user(
            u.id,
            &UserUpdate {
                name: "New Name".into(),
                role: Role::Coordinator,
                org_id: b,
            },
            &ev("user.updated"),
        )
        .await
        .unwrap();
    assert_eq!(updated.role, Role::Coordinator);
    assert_eq!(updated.org_name, "B");
    assert_eq!(updated.name, "New Name");
    let missing = store
        .update_user(
            9_999,
            &UserUpdate {
                name: "x".into(),
                role: Role::Worker,
                org_id: a,
            },
            &ev("user.updated"),
        )
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)));
}

async fn deactivation_and_password_changes_move_the_auth_epoch(db: Db) {
    let (_t, store) = fresh(db).await;
    let o = org(&store, "A").await;
    let u = store
        .create_user(
            &new_user("u@example.org", o, Role::Worker),
            &ev("user.created"),
        )
        .await
        .unwrap();
    let off = store
        .set_user_active(u.id, false, &ev("user.deactivated"))
        .await
        .unwrap();
    assert!(!off.active);
    assert_eq!(off.auth_epoch, 1);
    let on = store
        .set_user_active(u.id, true, &ev("user.activated"))
        .await
        .unwrap();
    assert!(on.active);
    assert_eq!(
        on.auth_epoch, 1,
        "reactivating does not revive old sessions"
    );
    let pw = store
        .set_password(u.id, "$argon2id$other", &ev("user.password_reset"))
        .await
        .unwrap();
    assert_eq!(pw.auth_epoch, 2);
    assert_eq!(pw.password_hash, "$argon2id$other");
}

async fn active_admins_are_counted(db: Db) {
    let (_t, store) = fresh(db).await;
    let o = org(&store, "A").await;
    assert_eq!(store.count_active_admins().await.unwrap(), 0);
    let a = store
        .create_user(
            &new_user("a@example.org", o, Role::Admin),
            &ev("user.created"),
        )
        .await
        .unwrap();
    store
        .create_user(
            &new_user("b@example.org", o, Role::Admin),
            &ev("user.created"),
        )
        .await
        .unwrap();
    store
        .create_user(
            &new_user("c@example.org", o, Role::Worker),
            &ev("user.created"),
        )
        .await
        .unwrap();
    assert_eq!(store.count_active_admins().await.unwrap(), 2);
    store
        .set_user_active(a.id, false, &ev("user.deactivated"))
        .await
        .unwrap();
    assert_eq!(store.count_active_admins().await.unwrap(), 1);
}

async fn api_tokens_resolve_until_revoked_or_deactivated(db: Db) {
    let (_t, store) = fresh(db).await;
    let o = org(&store, "A").await;
    let u = store
        .create_user(
            &new_user("u@example.org", o, Role::Worker),
            &ev("user.created"),
        )
        .await
        .unwrap();
    let other = store
        .create_user(
            &new_user("v@example.org", o, Role::Worker),
            &ev("user.created"),
        )
        .await
        .unwrap();
    let now = Utc::now();
    let t = store
        .create_api_token(u.id, "sync", "hash-1", &ev("token.created"))
        .await
        .unwrap();
    assert_eq!(
        store
            .user_by_token_hash("hash-1", now)
            .await
            .unwrap()
            .unwrap()
            .id,
        u.id
    );
    assert!(
        store
            .user_by_token_hash("hash-2", now)
            .await
            .unwrap()
            .is_none()
    );
    let listed = store.list_api_tokens(u.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].last_used_at.is_some(), "use is noted");

    // Someone else cannot revoke it.
    let foreign = store
        .revoke_api_token(other.id, t.id, &ev("token.revoked"))
        .await;
    assert!(matches!(foreign, Err(StoreError::NotFound)));
    assert!(
        store
            .user_by_token_hash("hash-1", now)
            .await
            .unwrap()
            .is_some()
    );

    // A deactivated owner's token stops working, and works again on reactivation.
    store
        .set_user_active(u.id, false, &ev("user.deactivated"))
        .await
        .unwrap();
    assert!(
        store
            .user_by_token_hash("hash-1", now)
            .await
            .unwrap()
            .is_none()
    );
    store
        .set_user_active(u.id, true, &ev("user.activated"))
        .await
        .unwrap();
    assert!(
        store
            .user_by_token_hash("hash-1", now)
            .await
            .unwrap()
            .is_some()
    );

    store
        .revoke_api_token(u.id, t.id, &ev("token.revoked"))
        .await
        .unwrap();
    assert!(
        store
            .user_by_token_hash("hash-1", now)
            .await
            .unwrap()
            .is_none()
    );
    // Revoking twice is NotFound, not a silent success.
    let twice = store
        .revoke_api_token(u.id, t.id, &ev("token.revoked"))
        .await;
    assert!(matches!(twice, Err(StoreError::NotFound)));
}

async fn login_failures_are_counted_per_email_and_address(db: Db) {
    let (_t, store) = fresh(db).await;
    let now = Utc::now();
    for i in 0..3 {
        store
            .record_login_failure("a@example.org", "10.0.0.1", now - Duration::seconds(10 - i))
            .await
            .unwrap();
    }
    store
        .record_login_failure("b@example.org", "10.0.0.1", now)
        .await
        .unwrap();
    // Too old to count.
    store
        .record_login_failure("a@example.org", "10.0.0.2", now - Duration::hours(1))
        .await
        .unwrap();

    let since = now - Duration::minutes(15);
    let (account, address) = store
        .recent_login_failures("a@example.org", "10.0.0.1", since)
        .await
        .unwrap();
    assert_eq!(account.count, 3);
    assert_eq!(address.count, 4);
    let last = account.last_at.unwrap();
    assert!(
        (last - (now - Duration::seconds(8)))
            .num_milliseconds()
            .abs()
            < 5,
        "{last}"
    );

    store.clear_login_failures("a@example.org").await.unwrap();
    let (account, address) = store
        .recent_login_failures("a@example.org", "10.0.0.1", since)
        .await
        .unwrap();
    assert_eq!(account.count, 0);
    assert_eq!(account.last_at, None);
    assert_eq!(address.count, 1);
}

async fn the_audit_log_pages_newest_first(db: Db) {
    let (_t, store) = fresh(db).await;
    for i in 0..25 {
        store
            .record_audit(
                &AuditEvent::new("login.failed", None, Some("1.2.3.4".into()))
                    .detail(format!("n{i}")),
            )
            .await
            .unwrap();
    }
    let first = store.list_audit(None, 10).await.unwrap();
    assert_eq!(first.len(), 10);
    assert_eq!(first[0].detail, "n24");
    let second = store.list_audit(Some(first[9].id), 10).await.unwrap();
    assert_eq!(second[0].detail, "n14");
    let third = store.list_audit(Some(second[9].id), 10).await.unwrap();
    assert_eq!(third.len(), 5);
    assert_eq!(third[4].detail, "n0");
}

async fn organisations_list_their_active_members(db: Db) {
    let (_t, store) = fresh(db).await;
    let a = org(&store, "A").await;
    org(&store, "B").await;
    store
        .create_user(
            &new_user("1@example.org", a, Role::Worker),
            &ev("user.created"),
        )
        .await
        .unwrap();
    let gone = store
        .create_user(
            &new_user("2@example.org", a, Role::Worker),
            &ev("user.created"),
        )
        .await
        .unwrap();
    store
        .set_user_active(gone.id, false, &ev("user.deactivated"))
        .await
        .unwrap();
    let orgs = store.list_orgs().await.unwrap();
    let a_row = orgs.iter().find(|o| o.name == "A").unwrap();
    assert_eq!(a_row.member_count, 1);
    let updated = store
        .update_org(
            a,
            &NewOrg {
                name: "A renamed".into(),
                kind: OrgKind::Federation,
            },
            true,
            &ev("org.updated"),
        )
        .await
        .unwrap();
    assert_eq!(updated.kind, OrgKind::Federation);
    let clash = store
        .update_org(
            a,
            &NewOrg {
                name: "b".into(),
                kind: OrgKind::Member,
            },
            true,
            &ev("org.updated"),
        )
        .await;
    assert!(matches!(clash, Err(StoreError::Conflict)));
}

/// Statistics for the planner can be gathered on both; on SQLite they keep table and
/// index sizes but no STAT4 samples (which made SQLite prepare statements again on
/// every new binding).
async fn statistics_are_gathered_without_value_samples(db: Db) {
    let (t, s) = fresh(db).await;
    for n in 0..30 {
        org(&s, &format!("Station {n}")).await;
    }
    s.analyze().await.unwrap();
    s.analyze().await.unwrap();
    assert!(s.list_orgs().await.unwrap().len() >= 30);
    if db == Db::Sqlite {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&t.url).await.unwrap();
        let (sizes,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sqlite_stat1")
            .fetch_one(&mut c)
            .await
            .unwrap();
        assert!(sizes > 0, "ANALYZE kept the sizes");
        let (samples,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat4'")
                .fetch_one(&mut c)
                .await
                .unwrap();
        if samples > 0 {
            let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sqlite_stat4")
                .fetch_one(&mut c)
                .await
                .unwrap();
            assert_eq!(rows, 0, "no value samples");
        }
    }
    s.close().await;
}

crate::both_databases!(
    migrations_can_run_twice,
    statistics_are_gathered_without_value_samples,
    organisation_names_are_unique_ignoring_case,
    users_round_trip_with_their_organisation,
    a_second_account_with_the_same_email_is_a_conflict,
    updating_a_user_changes_role_and_organisation,
    deactivation_and_password_changes_move_the_auth_epoch,
    active_admins_are_counted,
    api_tokens_resolve_until_revoked_or_deactivated,
    login_failures_are_counted_per_email_and_address,
    the_audit_log_pages_newest_first,
    organisations_list_their_active_members,
);
