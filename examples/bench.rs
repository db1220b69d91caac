//! The recurring-gap pass at scale: runs one pass in this process over a database made
//! by `groundswell bench generate`, while timing an issue page from the running server,
//! so the pass's cost to everyone else shows. (Loads of the user paths are
//! `scripts/load.sh`, with wrk; data is `groundswell bench generate`.)
//!
//! ```sh
//! groundswell --database-url sqlite:/tmp/bench.db serve --addr 127.0.0.1:3400 &
//! cargo run --release --example bench -- --db sqlite:/tmp/bench.db --url http://127.0.0.1:3400
//! ```

use std::time::{Duration, Instant};

use anyhow::Context;
use groundswell::store;

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_string())
}

/// A client signed in as the bench's coordinator.
async fn client(url: &str) -> anyhow::Result<reqwest::Client> {
    let c = reqwest::Client::builder().cookie_store(true).build()?;
    let html = c.get(format!("{url}/login")).send().await?.text().await?;
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).context("no CSRF token")? + marker.len();
    let token = &html[start..start + html[start..].find('"').context("token end")?];
    let res = c
        .post(format!("{url}/login"))
        .form(&[
            ("email", "coordinator@bench.example"),
            ("password", groundswell::bench::PASSWORD),
            ("csrf_token", token),
        ])
        .send()
        .await?;
    anyhow::ensure!(
        res.status().is_success() || res.status().is_redirection(),
        "sign-in failed"
    );
    Ok(c)
}

fn summary(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |p: f64| {
        times
            .get(((times.len().max(1) - 1) as f64 * p).round() as usize)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    println!(
        "{name}: {} requests, median {:.1} ms, p90 {:.1} ms, max {:.1} ms",
        times.len(),
        at(0.5),
        at(0.9),
        at(1.0)
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let db = arg(&args, "--db", "sqlite:/tmp/bench.db");
    let url = arg(&args, "--url", "http://127.0.0.1:3400");
    let store = store::connect(&db).await?;
    let c = client(&url).await?;
    let page = format!("{url}/issues/2");
    let mut before = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        c.get(&page).send().await?.bytes().await?;
        before.push(t.elapsed());
    }
    let pass = tokio::spawn({
        let store = store.clone();
        async move {
            let t = Instant::now();
            let o = groundswell::background::run_recurrence_pass(&store).await;
            (o, t.elapsed())
        }
    });
    let mut during = Vec::new();
    while !pass.is_finished() {
        let t = Instant::now();
        c.get(&page).send().await?.bytes().await?;
        during.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (outcome, took) = pass.await?;
    let outcome = outcome?;
    println!(
        "recurring-gap pass: {} unlinked findings, {} candidates, {:.1} s",
        outcome.findings,
        outcome.candidates,
        took.as_secs_f64()
    );
    summary("issue page before the pass", before);
    summary("issue page during the pass", during);
    Ok(())
}
