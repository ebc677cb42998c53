//! Fuzzes request decoding through the real router (`mock_vllm::fuzzing` defines the input
//! format and the invariant: never a panic, never a 500 but vLLM's own, every error in vLLM's format).

#![no_main]

use std::sync::{Arc, OnceLock};

use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use mock_vllm::internals::router;
use mock_vllm::{AppState, Config, fuzzing};
use tower::ServiceExt;

fn state() -> &'static Arc<AppState> {
    static STATE: OnceLock<Arc<AppState>> = OnceLock::new();
    STATE.get_or_init(|| {
        let config = Config {
            journal_capacity: 64,
            // Keep each run's answers small; the limits themselves are tested elsewhere.
            max_dimensions: 4096,
            ..Config::ephemeral()
        };
        AppState::new(config).expect("state")
    })
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(request) = fuzzing::request(data) else { return };
    runtime().block_on(async {
        let path = request.uri().path().to_owned();
        let response = router(state().clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        if let Err(problem) = fuzzing::check(&path, status, &body) {
            panic!("{problem}");
        }
    });
});
