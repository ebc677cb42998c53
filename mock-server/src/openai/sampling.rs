//! vLLM's checks on the sampling fields chat and completions share: `SamplingParams`'
//! `_verify_args` and `_validate_logprobs` (0.33.0), in vLLM's order and words. A float is
//! printed as Python prints it (`3` sent is `got 3.0.`), since vLLM's fields are floats.

use super::ApiError;
use super::validation::{FieldError, python_float};

/// A generation request, chat's or completions': its own fields, then the sampling fields
/// vLLM's two request models both declare (pydantic's lax scalars), and `sampling_asking`,
/// which gathers them with the sample logprobs the request asks for.
macro_rules! generation_request {
    ($(#[$meta:meta])* pub struct $name:ident { $($own:tt)* }) => {
        $(#[$meta])*
        pub struct $name {
            $($own)*
            #[serde(default, with = "crate::openai::validation::lax_int")]
            pub min_tokens: Option<i64>,
            #[serde(default)]
            pub ignore_eos: bool,
            #[serde(default, with = "crate::openai::validation::lax_int")]
            pub n: Option<i64>,
            #[serde(default, with = "crate::openai::validation::lax_bool")]
            pub stream: Option<bool>,
            pub stream_options: Option<crate::openai::stream_options::StreamOptions>,
            #[serde(default, with = "crate::openai::validation::lax_float")]
            pub temperature: Option<f64>,
            #[serde(default, with = "crate::openai::validation::lax_float")]
            pub top_p: Option<f64>,
            #[serde(default, with = "crate::openai::validation::lax_int")]
            pub top_k: Option<i64>,
            #[serde(default, with = "crate::openai::validation::lax_float")]
            pub min_p: Option<f64>,
            #[serde(default, with = "crate::openai::validation::lax_float")]
            pub presence_penalty: Option<f64>,
            #[serde(default, with = "crate::openai::validation::lax_float")]
            pub frequency_penalty: Option<f64>,
            #[serde(default, with = "crate::openai::validation::lax_float")]
            pub repetition_penalty: Option<f64>,
            #[expect(dead_code, reason = "read to be refused as vLLM refuses it; the answer needs none")]
            /// Read for its type only: generated words do not depend on it.
            #[serde(default, with = "crate::openai::validation::lax_int::within_i64")]
            pub seed: Option<i64>,
            #[serde(default, with = "crate::openai::validation::lax_int")]
            pub prompt_logprobs: Option<i64>,
            #[expect(dead_code, reason = "read to be refused as vLLM refuses it; the answer needs none")]
            pub user: Option<String>,
            // Chat reads it (the answer's id), completions does not.
            #[allow(dead_code)]
            pub request_id: Option<String>,
            /// Read for its shape only: the mock's words never end on a stop string.
            pub stop: Option<crate::openai::sampling::Stop>,
            pub response_format: Option<crate::openai::sampling::ResponseFormat>,
        }

        impl $name {
            fn sampling_asking(&self, logprobs: Option<i64>) -> crate::openai::sampling::Sampling {
                crate::openai::sampling::Sampling {
                    n: self.n,
                    presence_penalty: self.presence_penalty,
                    frequency_penalty: self.frequency_penalty,
                    repetition_penalty: self.repetition_penalty,
                    temperature: self.temperature,
                    top_p: self.top_p,
                    top_k: self.top_k,
                    min_p: self.min_p,
                    logprobs,
                    prompt_logprobs: self.prompt_logprobs,
                }
            }
        }
    };
}
pub(crate) use generation_request;

/// `stop`: one string or at most four (pydantic's `MaxLen(4)`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(untagged, expecting = "expected a string or a list of strings")]
pub enum Stop {
    One(String),
    Many(Vec<String>),
}

impl Stop {
    /// The `too_long` error, which the error path lists with the union's other branch.
    pub fn check(&self) -> Option<FieldError> {
        match self {
            Stop::Many(stops) if stops.len() > 4 => Some(FieldError::new(
                "too_long",
                vec!["stop".into()],
                "List should have at most 4 items after validation",
            )),
            _ => None,
        }
    }
}

crate::literal! {
    pub enum ResponseFormatKind {
        Text = "text",
        JsonObject = "json_object",
        JsonSchema = "json_schema",
        StructuralTag = "structural_tag",
    }
}

/// `response_format`, read for its type; the structured output itself is not followed.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ResponseFormat {
    #[serde(rename = "type")]
    pub kind: ResponseFormatKind,
    pub json_schema: Option<serde::de::IgnoredAny>,
}

impl ResponseFormat {
    /// vLLM's `validate_response_format` (a plain 400), for what the mock reads.
    pub fn check(&self) -> Option<FieldError> {
        (self.kind == ResponseFormatKind::JsonSchema && self.json_schema.is_none()).then(|| {
            FieldError::vllm(
                "When response_format type is 'json_schema', the 'json_schema' field must be provided.",
                Some("response_format"),
            )
        })
    }
}

/// vLLM's default `--max-logprobs`.
pub const MAX_LOGPROBS: i64 = 20;

/// The sampling fields of one request, as sent (`None`: vLLM's default, which passes).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sampling {
    pub n: Option<i64>,
    pub presence_penalty: Option<f64>,
    pub frequency_penalty: Option<f64>,
    pub repetition_penalty: Option<f64>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub top_k: Option<i64>,
    pub min_p: Option<f64>,
    /// Sample logprobs asked for: completions' `logprobs`, chat's `top_logprobs` when its
    /// `logprobs` is on; -1 is the whole vocabulary.
    pub logprobs: Option<i64>,
    pub prompt_logprobs: Option<i64>,
}

/// `VLLMValidationError` as vLLM prints it: the parameter and value after the message when
/// the check names them; `param` in the body is the parameter.
fn refused(message: String, named: Option<(&'static str, String)>) -> ApiError {
    match named {
        Some((parameter, value)) => {
            ApiError::bad_request(format!("{message} (parameter={parameter}, value={value})"), parameter)
        }
        None => ApiError::bad_request(message, None),
    }
}

impl Sampling {
    /// The first check the fields fail, as vLLM would refuse it; `vocab_size` stands for -1.
    pub fn check(&self, vocab_size: u32) -> Result<(), ApiError> {
        if let Some(n) = self.n.filter(|n| *n < 1) {
            return Err(refused(format!("n must be at least 1, got {n}."), None));
        }
        for (name, value) in [
            ("presence_penalty", self.presence_penalty),
            ("frequency_penalty", self.frequency_penalty),
        ] {
            if let Some(v) = value.filter(|v| !(-2.0..=2.0).contains(v)) {
                return Err(refused(
                    format!("{name} must be in [-2, 2], got {}.", python_float(v)),
                    None,
                ));
            }
        }
        if let Some(v) = self.repetition_penalty {
            if !v.is_finite() {
                return Err(refused(
                    format!("repetition_penalty must be a finite number, got {}.", python_float(v)),
                    None,
                ));
            }
            if v <= 0.0 {
                return Err(refused(
                    format!("repetition_penalty must be greater than zero, got {}.", python_float(v)),
                    None,
                ));
            }
        }
        if let Some(t) = self.temperature {
            let named = || Some(("temperature", python_float(t)));
            if !t.is_finite() {
                return Err(refused(
                    format!("temperature must be a finite number, got {}.", python_float(t)),
                    named(),
                ));
            }
            if t < 0.0 {
                return Err(refused(
                    format!("temperature must be non-negative, got {}.", python_float(t)),
                    named(),
                ));
            }
            if t > 2.0 {
                return Err(refused(
                    format!("temperature must be in [0, 2], got {}.", python_float(t)),
                    named(),
                ));
            }
        }
        // A zero temperature is greedy: vLLM resets top_p, top_k and min_p before checking them.
        let greedy = self.temperature.is_some_and(|t| t < 1e-5);
        if let Some(p) = self.top_p.filter(|p| !(greedy || (*p > 0.0 && *p <= 1.0))) {
            return Err(refused(
                format!("top_p must be in (0, 1], got {}.", python_float(p)),
                Some(("top_p", python_float(p))),
            ));
        }
        if let Some(k) = self.top_k.filter(|k| !greedy && *k < -1) {
            return Err(refused(
                format!("top_k must be 0 (disable), or at least 1, got {k}."),
                None,
            ));
        }
        if let Some(p) = self.min_p.filter(|p| !greedy && !(0.0..=1.0).contains(p)) {
            return Err(refused(
                format!("min_p must be in [0, 1], got {}.", python_float(p)),
                None,
            ));
        }
        for (name, asked) in [("logprobs", self.logprobs), ("prompt_logprobs", self.prompt_logprobs)] {
            let asked = match asked {
                Some(-1) => i64::from(vocab_size),
                Some(n) => n,
                None => continue,
            };
            if asked > MAX_LOGPROBS {
                let kind = if name == "logprobs" { "sample" } else { "prompt" };
                return Err(refused(
                    format!("Requested {kind} logprobs of {asked}, which is greater than max allowed: {MAX_LOGPROBS}"),
                    Some((name, asked.to_string())),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(sampling: Sampling) -> String {
        sampling.check(30_522).unwrap_err().to_string()
    }

    /// Each as vLLM 0.33.0 answered it (the oracle's generate cases).
    #[test]
    fn refusals_are_vllms() {
        let base = Sampling::default();
        assert_eq!(
            refusal(Sampling {
                temperature: Some(2.5),
                ..base
            }),
            "temperature must be in [0, 2], got 2.5. (parameter=temperature, value=2.5)"
        );
        assert_eq!(
            refusal(Sampling {
                temperature: Some(-1.0),
                ..base
            }),
            "temperature must be non-negative, got -1.0. (parameter=temperature, value=-1.0)"
        );
        assert_eq!(
            refusal(Sampling {
                top_p: Some(0.0),
                ..base
            }),
            "top_p must be in (0, 1], got 0.0. (parameter=top_p, value=0.0)"
        );
        assert_eq!(
            refusal(Sampling {
                top_k: Some(-2),
                ..base
            }),
            "top_k must be 0 (disable), or at least 1, got -2."
        );
        assert_eq!(
            refusal(Sampling {
                presence_penalty: Some(3.0),
                ..base
            }),
            "presence_penalty must be in [-2, 2], got 3.0."
        );
        assert_eq!(
            refusal(Sampling {
                repetition_penalty: Some(0.0),
                ..base
            }),
            "repetition_penalty must be greater than zero, got 0.0."
        );
        assert_eq!(
            refusal(Sampling {
                min_p: Some(2.0),
                ..base
            }),
            "min_p must be in [0, 1], got 2.0."
        );
        assert_eq!(
            refusal(Sampling {
                logprobs: Some(-1),
                ..base
            }),
            "Requested sample logprobs of 30522, which is greater than max allowed: 20 (parameter=logprobs, value=30522)"
        );
        assert_eq!(refusal(Sampling { n: Some(0), ..base }), "n must be at least 1, got 0.");
        assert!(
            Sampling {
                temperature: Some(0.0),
                top_p: Some(0.0),
                ..base
            }
            .check(10)
            .is_ok(),
            "greedy"
        );
        assert!(
            Sampling {
                logprobs: Some(20),
                top_k: Some(-1),
                ..base
            }
            .check(10)
            .is_ok()
        );
    }
}
