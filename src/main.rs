use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    groundswell::cli::main().await
}
