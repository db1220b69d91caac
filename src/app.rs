//! Building and running the server: used by `groundswell serve` and by the tests,
//! which start the real application on port 0.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tower_sessions::ExpiredDeletion;

use crate::config::WebSettings;
use crate::store::DynStore;
use crate::web::{self, AppState};

pub struct Application {
    listener: TcpListener,
    store: DynStore,
    settings: WebSettings,
}

impl Application {
    /// Binds `addr` (port 0 picks a free port) for an already migrated store.
    pub async fn build(
        store: DynStore,
        addr: SocketAddr,
        settings: WebSettings,
    ) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        Ok(Application {
            listener,
            store,
            settings,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes; requests in flight are allowed to finish.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let sessions = self.store.session_store();
        let cleanup = tokio::spawn(async move {
            // Expired sessions are deleted hourly; any instance may do it.
            if let Err(e) = sessions
                .continuously_delete_expired(tokio::time::Duration::from_secs(3600))
                .await
            {
                tracing::warn!(error = %e, "expired-session cleanup stopped");
            }
        });
        if self.settings.recurrence_every_minutes > 0 {
            crate::background::spawn_recurrence(
                self.store.clone(),
                std::time::Duration::from_secs(self.settings.recurrence_every_minutes * 60),
            );
        }
        let mailer: crate::notify::SharedMailer = match &self.settings.smtp_url {
            Some(url) => Some(Arc::new(
                crate::notify::Mailer::new(
                    url,
                    &self.settings.mail_from,
                    &self.settings.public_url,
                )
                .context("GROUNDSWELL_SMTP_URL / GROUNDSWELL_MAIL_FROM")?,
            )),
            None => None,
        };
        if self.settings.reminders_every_minutes > 0 {
            crate::notify::spawn_reminders(
                self.store.clone(),
                mailer.clone(),
                std::time::Duration::from_secs(self.settings.reminders_every_minutes * 60),
            );
        }
        let state = AppState {
            store: self.store.clone(),
            settings: Arc::new(self.settings),
            mailer,
            cache: Default::default(),
        };
        let app = web::router(state).into_make_service_with_connect_info::<SocketAddr>();
        let result = axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .context("server error");
        cleanup.abort();
        result
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
