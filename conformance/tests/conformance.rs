//! The conformance suite: `features/*.feature` on every available target.
//!
//! `cargo test` runs it; `CONFORMANCE_TARGET` picks targets, `CONFORMANCE_REQUIRE` makes
//! targets mandatory, `CONFORMANCE_TAGS` / `CONFORMANCE_NAME` select scenarios. Reports go to
//! `target/conformance/<target>.xml`.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match conformance::settings::Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    if conformance::runner::run(&settings).await {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
