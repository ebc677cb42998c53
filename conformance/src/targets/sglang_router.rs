//! `sglang-router`: the SGLang Model Gateway (PyPI `sglang-router`, a Rust router), in front
//! of vLLM as an inference router: `SGLANG_ROUTER_BIN`, else the peers venv's (`.ci/run`
//! installs it), else `sglang-router` on `PATH`.
//!
//! It serves OpenAI's paths only, so the workshop's `/qwen3` prefix cannot be expressed: the
//! client posts to `/v1/embeddings`. The Secret's key is its `--api-key`, the closest it
//! comes: it checks clients for that key (401 without it) and sends it on, after the client's
//! own `Authorization`, which it forwards as it came (seen on 0.3.2: vLLM gets two headers).
//! So the client sends vLLM's key itself, and the scenarios that need a prefix, or a gateway
//! that replaces the client's key, are not for this target. It is launched with the workshop's vLLM as its one
//! worker (`--worker-urls`), so that every call it makes shows in one journal; a second worker
//! makes the answer depend on its routing policy. Its time-out, retries and workers are flags
//! of the whole router, so for the `@configured` scenarios it is started again with them
//! ([`RouteTo::Restart`]): `--request-timeout-secs 2` for the time-out, both replicas as
//! workers for the failover (`--policy round_robin`) and the balanced route (its default
//! policy); it streams as it is; `--health-check-interval-secs 1` for its health checks. It
//! is ready when `/readiness` answers 200
//! (`/health` answers before workers register). Its access line is its tracing span
//! `http_request{method=... uri=... status_code=... latency=...}`, written in colour.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;

use super::access_log::{Fields, without_query};
use super::gateway::{ConfiguredRoutes, Gateway, Plan, PlanError, RouteTo, command_output, peers_or_path, program};
use super::launcher::{Launch, Readiness};
use super::{AccessRecord, CONFIGURED_TIMEOUT, Configured, StartError, free_port};
use crate::client::ClientRoute;
use crate::settings::Settings;

pub struct SglangRouter {
    bin: PathBuf,
    /// vLLM's key, which the client sends itself.
    api_key: String,
}

#[async_trait]
impl Gateway for SglangRouter {
    const NAME: &'static str = "sglang-router";
    /// Its circuit breaker opens after 10 failed calls (4xx included) and stays open for the
    /// next scenarios' requests, which it then answers `503 no_available_workers` itself.
    const FRESH_PER_SCENARIO: bool = true;
    const CONFIGURED: Option<ConfiguredRoutes> = Some(ConfiguredRoutes {
        timeout: RouteTo::Restart,
        failover: RouteTo::Restart,
        balanced: RouteTo::Restart,
        // It passes streams through as they come.
        streaming: RouteTo::Workshop,
        health_checked: Some(RouteTo::Restart),
    });

    fn find(settings: &Settings) -> Result<Self, StartError> {
        let api_key = settings.workshop.api_key.clone();
        program(settings, "SGLANG_ROUTER_BIN", || peers_or_path("sglang-router"))
            .map(|bin| SglangRouter { bin, api_key })
            .ok_or_else(|| {
                StartError::Absent(
                    "no sglang-router (run .ci/run to create .venv, or set SGLANG_ROUTER_BIN)".to_owned(),
                )
            })
    }

    fn launch(&self, plan: &Plan<'_>) -> Result<Launch, PlanError> {
        let [vllm, replica] = plan.vllm_urls();
        // Its Prometheus listener defaults to a fixed port (29000); a run may hold it.
        let metrics_port = free_port().map_err(PlanError::config)?;
        let mut args: Vec<String> = vec![
            "launch".into(),
            "--host".into(),
            "127.0.0.1".into(),
            "--port".into(),
            plan.port.to_string(),
            "--prometheus-host".into(),
            "127.0.0.1".into(),
            "--prometheus-port".into(),
            metrics_port.to_string(),
            // The Secret's key as its own: it then checks clients for it, and sends it on.
            "--api-key".into(),
            self.api_key.clone(),
            "--worker-urls".into(),
            vllm,
        ];
        match plan.configured {
            None => {}
            Some(Configured::Timeout) => {
                args.extend([
                    "--request-timeout-secs".into(),
                    CONFIGURED_TIMEOUT.as_secs().to_string(),
                ]);
            }
            Some(Configured::Failover) => args.extend([replica, "--policy".into(), "round_robin".into()]),
            Some(Configured::Balanced) => args.push(replica),
            Some(Configured::Streaming) => {}
            // Every 60 s by default; its thresholds (3 failures out, 2 successes back) stay.
            Some(Configured::HealthChecked) => {
                args.extend(["--health-check-interval-secs".into(), "1".into()]);
            }
        }
        Ok(Launch::Process {
            program: self.bin.clone(),
            args: args.into_iter().map(Into::into).collect(),
            env: vec![],
            port: plan.port,
        })
    }

    fn readiness(&self) -> Readiness {
        Readiness {
            path: "/readiness".into(),
            ready: |status| status == 200,
            timeout: Duration::from_secs(30),
        }
    }

    /// The span's closing line, the one with the status: it logs a request twice, once
    /// when it comes and once with its answer.
    fn access_line(&self, line: &str) -> Option<AccessRecord> {
        let line = without_colour(line);
        let (_, span) = line.split_once("http_request{")?;
        let (fields, _) = span.split_once('}')?;
        let fields = Fields::of(fields);
        let field = |key: &str| fields.get(key);
        Some(AccessRecord {
            method: field("method")?,
            path: without_query(&field("uri")?),
            status: Some(field("status_code")?.parse().ok()?),
            route: None,
            endpoint: None,
            line,
        })
    }

    /// On vLLM's OpenAI paths, with vLLM's key: the router forwards it as the client sent it.
    fn route(&self, address: &str) -> ClientRoute {
        ClientRoute::openai(format!("http://{address}"), Some(self.api_key.clone()))
    }

    fn implementation(&self) -> String {
        "SGLang Model Gateway (sglang-router)".to_owned()
    }

    /// `sglang-router --version` prints `sgl-model-gateway 0.3.2`.
    async fn version(&self, _address: &str) -> Option<String> {
        let line = command_output(tokio::process::Command::new(&self.bin).arg("--version")).await?;
        Some(line.rsplit(' ').next().unwrap_or(&line).to_owned())
    }
}

/// `line` without its ANSI colour codes (`ESC [ ... m`): the router colours its log even into
/// a pipe.
fn without_colour(line: &str) -> String {
    let mut plain = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // Up to and with the final byte of the escape sequence.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As sglang-router 0.3.2 wrote them into a pipe.
    const OPENING: &str = "\u{1b}[2m2026-12-02 00:52:37\u{1b}[0m \u{1b}[32m INFO\u{1b}[0m \u{1b}[1mhttp_request\u{1b}[0m\u{1b}[1m{\u{1b}[0m\u{1b}[3mmethod\u{1b}[0m\u{1b}[2m=\u{1b}[0mPOST \u{1b}[3muri\u{1b}[0m\u{1b}[2m=\u{1b}[0m/v1/embeddings \u{1b}[3mversion\u{1b}[0m\u{1b}[2m=\u{1b}[0mHTTP/1.1 \u{1b}[3mmodule\u{1b}[0m\u{1b}[2m=\u{1b}[0m\"smg\" \u{1b}[3mrequest_id\u{1b}[0m\u{1b}[2m=\u{1b}[0m\"req-met92XbVilEw1ZXFTVrqaVbm\"\u{1b}[1m}\u{1b}[0m\u{1b}[2m:\u{1b}[0m \u{1b}[2msmg::request\u{1b}[0m";
    const CLOSING: &str = "\u{1b}[2m2026-12-02 00:52:37\u{1b}[0m \u{1b}[33m WARN\u{1b}[0m \u{1b}[1mhttp_request\u{1b}[0m\u{1b}[1m{\u{1b}[0m\u{1b}[3mmethod\u{1b}[0m\u{1b}[2m=\u{1b}[0mPOST \u{1b}[3muri\u{1b}[0m\u{1b}[2m=\u{1b}[0m/v1/embeddings?x=1 \u{1b}[3mversion\u{1b}[0m\u{1b}[2m=\u{1b}[0mHTTP/1.1 \u{1b}[3mmodule\u{1b}[0m\u{1b}[2m=\u{1b}[0m\"smg\" \u{1b}[3mrequest_id\u{1b}[0m\u{1b}[2m=\u{1b}[0m\"req-met92XbVilEw1ZXFTVrqaVbm\" \u{1b}[3mstatus_code\u{1b}[0m\u{1b}[2m=\u{1b}[0m401 \u{1b}[3mlatency\u{1b}[0m\u{1b}[2m=\u{1b}[0m936\u{1b}[1m}\u{1b}[0m\u{1b}[2m:\u{1b}[0m \u{1b}[2msmg::response\u{1b}[0m";

    fn router() -> SglangRouter {
        SglangRouter {
            bin: "sglang-router".into(),
            api_key: "k".into(),
        }
    }

    #[test]
    fn a_request_is_its_closing_line() {
        assert_eq!(router().access_line(OPENING), None);
        let record = router().access_line(CLOSING).unwrap();
        assert_eq!(
            (record.method.as_str(), record.path.as_str(), record.status),
            ("POST", "/v1/embeddings", Some(401))
        );
        assert!(
            record
                .line
                .starts_with("2026-12-02 00:52:37  WARN http_request{method=POST"),
            "{}",
            record.line
        );
        assert_eq!(router().access_line("Step succeeded step_id=create_worker"), None);
    }
}
