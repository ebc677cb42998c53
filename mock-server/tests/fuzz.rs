//! The fuzz target's corpus as regression tests, and a bounded fuzz run.
//!
//! `fuzz/seeds/request/` holds the seed inputs, and any input a fuzz run ever crashed on is
//! copied there: each is replayed through the router here on every `cargo test`. The fuzz run
//! itself (`cargo fuzz`, libFuzzer, `FUZZ_SECONDS`, default 60) runs when cargo-fuzz is
//! installed; without it the test says why and passes, unless `CONFORMANCE_REQUIRE` lists
//! `fuzz`, as CI does.

use std::path::{Path, PathBuf};
use std::process::Command;

use http_body_util::BodyExt;
use mock_vllm::internals::router;
use mock_vllm::{AppState, Config, fuzzing};
use tower::ServiceExt;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

#[tokio::test]
async fn every_seed_and_past_finding_is_answered_without_a_server_error() {
    let state = AppState::new(Config::ephemeral()).unwrap();
    let seeds: Vec<PathBuf> = std::fs::read_dir(fuzz_dir().join("seeds/request"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(seeds.len() >= 5, "the seed corpus is there");
    for seed in seeds {
        let data = std::fs::read(&seed).unwrap();
        let Some(request) = fuzzing::request(&data) else {
            continue;
        };
        let path = request.uri().path().to_owned();
        let response = router(state.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        if let Err(problem) = fuzzing::check(&path, status, &body) {
            panic!("{}: {problem}", seed.display());
        }
    }
}

#[test]
fn a_bounded_fuzz_run_finds_nothing() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let installed = Command::new(&cargo)
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        let required = std::env::var("CONFORMANCE_REQUIRE").is_ok_and(|r| r.split(',').any(|c| c.trim() == "fuzz"));
        assert!(
            !required,
            "fuzz is required but cargo-fuzz is not installed (cargo install cargo-fuzz)"
        );
        eprintln!("skipped: cargo-fuzz is not installed (cargo install cargo-fuzz)");
        return;
    }
    let seconds = std::env::var("FUZZ_SECONDS").unwrap_or_else(|_| "60".to_owned());
    let corpus = tempfile::tempdir().unwrap();
    let output = Command::new(&cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        // cargo fuzz passes nightly-only flags; the stable toolchain accepts them this way.
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["fuzz", "run", "request", "--sanitizer", "none"])
        .arg(corpus.path())
        .arg(fuzz_dir().join("seeds/request"))
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .output()
        .expect("cargo fuzz runs");
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the fuzzer found a crash; copy the artifact into fuzz/seeds/request/ as a regression test:\n{}",
        log.lines()
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    );
    let runs = log
        .lines()
        .rev()
        .find(|l| l.starts_with("Done "))
        .unwrap_or("no summary");
    eprintln!("fuzz: {runs}");
}
