//! Telling people: the in-app inbox, and e-mail through SMTP when configured. Messages
//! are stored as a catalogue key with values and rendered in each reader's language.
//!
//! The reminder pass (replies due within 14 days, overdue replies, commitments falling
//! due) may run on every instance at once: each reminder has a dedupe key, the database
//! creates it once per person, and only the instance that created it sends the e-mail.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::json;

use crate::domain::finding::today_in_china;
use crate::domain::workdays::{self, DueState};
use crate::i18n::{Lang, Tr};
use crate::store::DynStore;
use crate::store::inbox::{NewNotification, Recipient};

/// Replies due within this many days are announced.
pub const DUE_SOON_DAYS: i64 = 14;

/// E-mail through an SMTP relay.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Where the app is reached, for links in messages (`https://groundswell.example`).
    public_url: String,
}

impl Mailer {
    /// `smtp_url` as lettre reads it: `smtp://host:25`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://host:465`.
    pub fn new(smtp_url: &str, from: &str, public_url: &str) -> anyhow::Result<Mailer> {
        Ok(Mailer {
            transport: AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)?
                .timeout(Some(Duration::from_secs(20)))
                .build(),
            from: from.parse()?,
            public_url: public_url.trim_end_matches('/').to_string(),
        })
    }

    pub async fn send(&self, to: &str, subject: &str, body: &str) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.parse()?)
            .subject(subject)
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(body.to_string())?;
        self.transport.send(message).await?;
        Ok(())
    }
}

pub type SharedMailer = Option<Arc<Mailer>>;

/// A message in one reader's language.
pub fn render(lang: Lang, key: &str, params: &serde_json::Value) -> String {
    let args: Vec<(String, String)> = params
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str()
                            .map(String::from)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let refs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Tr(lang).f(key, &refs)
}

/// Puts the notification in each recipient's inbox (once per dedupe key) and e-mails
/// those it was new for. Returns how many were created.
pub async fn tell(
    store: &DynStore,
    mailer: &SharedMailer,
    recipients: &[Recipient],
    n: &NewNotification,
) -> anyhow::Result<usize> {
    let ids: Vec<i64> = recipients.iter().map(|r| r.id).collect();
    let created = store.notify(&ids, n, Utc::now()).await?;
    if let Some(mailer) = mailer {
        for (user, notification) in &created {
            let Some(r) = recipients.iter().find(|r| r.id == *user) else {
                continue;
            };
            let lang = r
                .locale
                .as_deref()
                .and_then(Lang::from_tag)
                .unwrap_or(Lang::DEFAULT);
            let text = render(lang, n.message_key, &n.params);
            let link = n
                .issue_id
                .map(|i| format!("\n\n{}/issues/{i}", mailer.public_url))
                .unwrap_or_default();
            let subject = format!(
                "{} · {}",
                Tr(lang).t("app.name"),
                text.chars().take(80).collect::<String>()
            );
            match mailer
                .send(&r.email, &subject, &format!("{text}{link}"))
                .await
            {
                Ok(()) => store.mark_emailed(*notification, Utc::now()).await?,
                // The inbox has it; a failed e-mail is logged, not retried forever.
                Err(e) => tracing::warn!(error = %e, user, "could not e-mail a notification"),
            }
        }
    }
    Ok(created.len())
}

/// Tells the issue's owner, watchers and the coordinators (not `except`, who caused it).
pub async fn tell_issue(
    store: &DynStore,
    mailer: &SharedMailer,
    issue_id: i64,
    except: Option<i64>,
    n: NewNotification,
) -> anyhow::Result<usize> {
    let audience: Vec<Recipient> = store
        .issue_audience(issue_id)
        .await?
        .into_iter()
        .filter(|r| Some(r.id) != except)
        .collect();
    tell(store, mailer, &audience, &n).await
}

/// One reminder pass for `today`: replies due soon, overdue replies, commitments due.
pub async fn run_reminder_pass(
    store: &DynStore,
    mailer: &SharedMailer,
    today: NaiveDate,
) -> anyhow::Result<usize> {
    let mut created = 0;
    for s in store.open_submissions().await? {
        let due = s.current_due();
        let (kind, key) = match workdays::due_state(due, today, s.answered(), 30) {
            DueState::Open { days_left } if days_left <= DUE_SOON_DAYS => {
                ("due_soon", "inbox.due_soon")
            }
            DueState::Overdue { .. } | DueState::LongOverdue { .. } => ("overdue", "inbox.overdue"),
            _ => continue,
        };
        let n = NewNotification {
            kind,
            issue_id: Some(s.issue_id),
            message_key: key,
            params: json!({
                "issue": format!("#{}", s.issue_id),
                "department": s.department_zh,
                "date": due.to_string(),
            }),
            dedupe_key: format!("{kind}:{}:{due}", s.id),
        };
        created += tell_issue(store, mailer, s.issue_id, None, n).await?;
    }
    for c in store.commitments_due(today).await? {
        let key = if c.classification == "B" {
            "inbox.commitment_due_b"
        } else {
            "inbox.commitment_due"
        };
        let n = NewNotification {
            kind: "commitment_due",
            issue_id: Some(c.issue_id),
            message_key: key,
            params: json!({
                "issue": format!("#{}", c.issue_id),
                "what": c.what,
                "date": c.due_on.to_string(),
            }),
            dedupe_key: format!("commitment:{}:{}", c.id, c.due_on),
        };
        created += tell_issue(store, mailer, c.issue_id, None, n).await?;
    }
    Ok(created)
}

/// Runs the reminder pass every `every` while the process lives.
pub fn spawn_reminders(store: DynStore, mailer: SharedMailer, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match run_reminder_pass(&store, &mailer, today_in_china()).await {
                Ok(n) if n > 0 => tracing::info!(created = n, "reminders sent"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "reminder pass failed"),
            }
        }
    });
}
