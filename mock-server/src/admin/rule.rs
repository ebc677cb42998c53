//! Fault rules built in code, as wiremock's `Mock::given(..).respond_with(..).up_to_n_times(n)`
//! builds its mocks: `Rule::on(Match::path(..)).status(429).retry_after(1).first(2)`.
//!
//! The builder makes the very [`Rule`] the server reads from `POST /_mock/rules`, `--rule` and
//! `--rules FILE` (`conditions/rules.rs`), so a rule built here cannot say what the server
//! would refuse to read, and no test writes the JSON by hand.
//!
//! ```
//! use mock_vllm::admin::{Match, Rule};
//! let rule = Rule::on(Match::path("/v1/embeddings")).status(429).retry_after(1).first(2);
//! assert_eq!(
//!     serde_json::to_value(&rule).unwrap(),
//!     serde_json::json!({"id": null, "match": {"method": null, "path": "/v1/embeddings",
//!         "path_prefix": null, "model": null, "header": null},
//!         "action": {"type": "status", "status": 429, "message": null, "retry_after": 1},
//!         "count": {"first": 2}})
//! );
//! ```

use std::time::Duration;

use crate::conditions::failures::FailureType;
use crate::conditions::rules::{Action, Count, HeaderMatch, Match, Rule};
use crate::openai::ApiError;

impl Match {
    /// Every request.
    pub fn any() -> Self {
        Match::default()
    }

    /// Requests to exactly `path`.
    pub fn path(path: impl Into<String>) -> Self {
        Match {
            path: Some(path.into()),
            ..Match::default()
        }
    }

    /// Requests to any path that starts with `prefix`.
    pub fn path_prefix(prefix: impl Into<String>) -> Self {
        Match {
            path_prefix: Some(prefix.into()),
            ..Match::default()
        }
    }

    /// Only with this method too.
    pub fn method(self, method: impl Into<String>) -> Self {
        Match {
            method: Some(method.into()),
            ..self
        }
    }

    /// Only for this body's `model` too.
    pub fn model(self, model: impl Into<String>) -> Self {
        Match {
            model: Some(model.into()),
            ..self
        }
    }

    /// Only with this header too; with any value when `value` is `None`.
    pub fn header(self, name: impl Into<String>, value: Option<&str>) -> Self {
        Match {
            header: Some(HeaderMatch {
                name: name.into(),
                value: value.map(str::to_owned),
            }),
            ..self
        }
    }
}

/// A rule's match, waiting for its action: [`Rule::on`].
#[derive(Debug, Clone)]
pub struct RuleOn {
    matches: Match,
}

impl RuleOn {
    fn acting(self, action: Action) -> Rule {
        Rule {
            id: None,
            matches: self.matches,
            action,
            count: None,
        }
    }

    /// Answers with `status` and vLLM's error body ([`status_message`] unless
    /// [`Rule::message`] says otherwise).
    pub fn status(self, status: u16) -> Rule {
        self.acting(Action::Status {
            status,
            message: None,
            retry_after: None,
        })
    }

    /// Answers as usual, `delay` later.
    pub fn delay(self, delay: Duration) -> Rule {
        self.acting(Action::Delay {
            ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// Never answers.
    pub fn hang(self) -> Rule {
        self.acting(Action::Hang)
    }

    /// Resets the connection.
    pub fn reset(self) -> Rule {
        self.acting(Action::Reset)
    }

    /// Cuts a streamed answer after `chunks` chunks.
    pub fn cut_after(self, chunks: usize) -> Rule {
        self.acting(Action::Cut { after_chunks: chunks })
    }

    /// Sends one chunk that is not JSON after `chunks` chunks, then goes on.
    pub fn malformed_after(self, chunks: usize) -> Rule {
        self.acting(Action::Malformed { after_chunks: chunks })
    }

    /// Fails as llm-d's simulator does, with one of `types` picked at random.
    pub fn failure(self, types: impl IntoIterator<Item = FailureType>) -> Rule {
        self.acting(Action::Failure {
            types: types.into_iter().collect(),
        })
    }
}

impl Rule {
    /// A rule for the requests `matches` picks; its action comes next.
    pub fn on(matches: Match) -> RuleOn {
        RuleOn { matches }
    }

    /// Names it in the journal and in `GET /_mock/rules`.
    pub fn named(self, id: impl Into<String>) -> Self {
        Rule {
            id: Some(id.into()),
            ..self
        }
    }

    /// With `Retry-After: seconds`, on a status rule.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        if let Action::Status { retry_after, .. } = &mut self.action {
            *retry_after = Some(seconds);
        }
        self
    }

    /// With this error message, on a status rule.
    pub fn message(mut self, text: impl Into<String>) -> Self {
        if let Action::Status { message, .. } = &mut self.action {
            *message = Some(text.into());
        }
        self
    }

    /// Acting on its first `n` matches only.
    pub fn first(self, n: u64) -> Self {
        Rule {
            count: Some(Count::First { first: n }),
            ..self
        }
    }

    /// Acting on every `k`th match.
    pub fn every(self, k: u64) -> Self {
        Rule {
            count: Some(Count::Every { every: k }),
            ..self
        }
    }

    /// Acting on each match with probability `rate` (0 to 1), drawn from a generator seeded
    /// with `seed` (else the mock's `--seed`), so a run is reproducible.
    pub fn rate(self, rate: f64, seed: Option<u64>) -> Self {
        Rule {
            count: Some(Count::Rate { rate, seed }),
            ..self
        }
    }
}

/// The `message` of the error body a status rule answers with when it names none: the
/// status's usual words (vLLM's for 429, 500 and 503, HTTP's reason phrase for the others).
/// A 401 without a message is vLLM's own API-key rejection, `{"error": "Unauthorized"}`.
///
/// A test of a gateway reads it to tell vLLM's error body passed on from the gateway's own.
pub fn status_message(status: u16) -> String {
    ApiError::injected(status, None, None).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builder_makes_a_rule_the_server_reads_back() {
        let rules = [
            Rule::on(Match::any()).hang().named("a"),
            Rule::on(Match::path_prefix("/v1/").method("POST")).reset().every(3),
            Rule::on(
                Match::path("/v1/chat/completions")
                    .model("m")
                    .header("x-test", Some("on")),
            )
            .cut_after(2)
            .first(1),
            Rule::on(Match::any().header("x-any", None))
                .malformed_after(1)
                .rate(0.5, Some(7)),
            Rule::on(Match::any()).failure([FailureType::ServerError]),
            Rule::on(Match::any()).delay(Duration::from_millis(250)),
            Rule::on(Match::any()).status(503).message("down").retry_after(2),
        ];
        for rule in rules {
            rule.validate().unwrap();
            let json = serde_json::to_value(&rule).unwrap();
            let read: Rule = serde_json::from_value(json).unwrap();
            assert_eq!(read, rule);
        }
    }

    #[test]
    fn a_status_rule_without_a_message_says_the_statuss_usual_words() {
        assert_eq!(status_message(429), "Too many requests, please retry later.");
        assert_eq!(status_message(502), "Bad Gateway");
        assert_eq!(status_message(401), "Unauthorized");
    }
}
