//! vLLM 0.33.0's own answers, recorded from the vLLM oracle (`tests/oracle/record.py`, which
//! says how to re-record them), replayed against mock-vllm: every case agrees as the oracle's
//! `diff.py` judges agreement, except those listed in [`DIFFERENCES`], each with its reason.
//! A listed case that comes to agree fails the test too, so the list only shrinks.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use mock_vllm::config::{FingerprintMode, ModelProfile, Runner};
use mock_vllm::{Config, MockServer};
use serde::Deserialize;
use serde_json::Value;

/// Completions' logprobs name the generated tokens (`tokens`, the keys of `top_logprobs`), and
/// the words a mock generates are its own: the oracle's stub picks its from the model's
/// vocabulary.
const WORDS: &str = "deliberate: the generated words are the mock's own";

/// serde_json (without its `arbitrary_precision`, which untagged enums cannot take) keeps an
/// integer past 64 bits only as a float: the refusal agrees but for the input it echoes.
const BIG_INT: &str = "deliberate: an integer past 64 bits is echoed as the float serde_json read";

/// Without `--tokenizer` a prompt's tokens are the mock's words, so what counts or lists them
/// differs where the oracle does not take it as info (a Responses answer's room left,
/// prompt logprobs); with the oracle model's tokenizer they agree.
const TOKENS: &str = "info only without --tokenizer: the prompt's tokens are the mock's words";

/// A prompt position's logprobs list the prompt's own token (which agrees with `--tokenizer`)
/// and the engine's likeliest alternatives, which are the mock's own words.
const ALTERNATIVES: &str = "deliberate: the alternatives a prompt position lists are the mock's own words";

/// The oracle's stub engine gives no logprobs for a generative score's labels (vLLM answers its
/// 500); a model's engine would, and the mock's does.
const STUB_ENGINE: &str = "deliberate: the oracle's stubbed engine has no label logprobs, a model's engine has";

/// Where the mock still answers otherwise than vLLM 0.33.0, by configuration and case name.
const DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "plain",
        "cohere truncate NONE max_tokens 1",
        "info only without --tokenizer: the refusal counts the prompt's tokens",
    ),
    ("plain", "GET /version", "deliberate: the mock answers its own version"),
    (
        "plain",
        "tokenize prompt token strs",
        "info only without --tokenizer: WordPiece strings",
    ),
    ("plain", "detokenize too big", BIG_INT),
    ("chat", "GET /version", "deliberate: the mock answers its own version"),
    (
        "chat",
        "tokenize prompt token strs",
        "info only without --tokenizer: WordPiece strings",
    ),
    ("chat", "detokenize too big", BIG_INT),
    (
        "chat",
        "score /score content parts",
        "deliberate: the default profile names the workshop's architecture, the oracle runs BERT",
    ),
    (
        "chat",
        "cohere base64, 8 dims",
        "deliberate: normalisation is off by default, so the float32 bytes differ",
    ),
    (
        "chat",
        "cohere truncate NONE max_tokens 1",
        "info only without --tokenizer: the refusal counts the prompt's tokens",
    ),
    ("generate", "chat prompt_logprobs=1", ALTERNATIVES),
    ("generate", "chat echo=True", TOKENS),
    ("generate", "completions logprobs 2", WORDS),
    ("generate", "completions logprobs 0", WORDS),
    ("generate", "completions logprobs true", WORDS),
    ("generate", "completions prompt_logprobs", ALTERNATIVES),
    ("generate", "POST /v1/responses (generate runner)", TOKENS),
    ("generate", "responses default max_output_tokens", TOKENS),
    ("generate", "responses enable_response_messages", WORDS),
    ("generate", "generative_scoring texts", STUB_ENGINE),
];

#[derive(Deserialize)]
struct Recording {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    config: String,
    name: String,
    method: String,
    path: String,
    headers: BTreeMap<String, String>,
    body: Option<String>,
    vllm: Answer,
}

#[derive(Deserialize)]
struct Answer {
    status: u16,
    headers: BTreeMap<String, String>,
    body: String,
    body_encoding: String,
}

impl Answer {
    fn bytes(&self) -> Vec<u8> {
        match self.body_encoding.as_str() {
            "base64" => BASE64.decode(&self.body).expect("recorded base64"),
            _ => self.body.clone().into_bytes(),
        }
    }
}

/// The mock as the oracle's `diff.py` starts it for each configuration.
fn config(name: &str) -> Config {
    let mut config = Config::ephemeral();
    config.served_model_names = vec!["e5-mock".to_owned()];
    config.max_model_len = 512;
    config.model = "/models/e5-small".to_owned();
    match name {
        "plain" => {
            config.runner = Runner::Pooling;
            config.model_profile = ModelProfile::E5;
        }
        // The default profile: the workshop's Qwen3-Embedding, with a chat template and
        // Matryoshka dimensions.
        "chat" => config.runner = Runner::Pooling,
        "generate" => {
            config.runner = Runner::Generate;
            config.vocab_size = Some(30_522);
            config.fingerprint_mode = FingerprintMode::Custom;
            config.fingerprint_value = Some("vllm-0.33.0-oracle".to_owned());
        }
        other => panic!("no configuration {other}"),
    }
    config
}

async fn ask(http: &reqwest::Client, base: &str, case: &Case) -> (u16, BTreeMap<String, String>, Vec<u8>) {
    let method = reqwest::Method::from_bytes(case.method.as_bytes()).unwrap();
    let mut request = http.request(method.clone(), format!("{base}{}", case.path));
    for (name, value) in &case.headers {
        request = request.header(name, value);
    }
    match &case.body {
        Some(body) => request = request.body(BASE64.decode(body).unwrap()),
        None if matches!(
            method,
            reqwest::Method::POST | reqwest::Method::PUT | reqwest::Method::PATCH
        ) =>
        {
            request = request.body(Vec::new())
        }
        None => {}
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn the_mock_answers_the_recorded_cases_as_vllm_did() {
    let recording: Recording =
        serde_json::from_str(include_str!("oracle/recorded.json")).expect("tests/oracle/recorded.json");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut failures = Vec::new();
    let mut agreed = BTreeMap::<&str, usize>::new();
    for config_name in ["plain", "chat", "generate"] {
        let mock = MockServer::start(config(config_name)).await.unwrap();
        let base = mock.uri();
        for case in recording.cases.iter().filter(|c| c.config == config_name) {
            let (status, headers, body) = ask(&http, &base, case).await;
            let vllm = &case.vllm;
            let differences = compare((vllm.status, &vllm.headers, &vllm.bytes()), (status, &headers, &body));
            let listed = DIFFERENCES
                .iter()
                .find(|(c, n, _)| *c == config_name && *n == case.name);
            match (differences.is_empty(), listed) {
                (true, None) => *agreed.entry(config_name).or_default() += 1,
                (false, Some(_)) => {}
                (true, Some((_, _, why))) => failures.push(format!(
                    "{config_name} / {}: agrees now ({why}): take it off DIFFERENCES",
                    case.name
                )),
                (false, None) => failures.push(format!("{config_name} / {}: {differences:?}", case.name)),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        agreed.values().sum::<usize>() + DIFFERENCES.len(),
        recording.cases.len()
    );
}

// -------------------------------------------------------------------------------------------
// The oracle's comparison (diff.py's `compare`), its strict differences only: token counts,
// generated text and float values are the model's and not compared.
// -------------------------------------------------------------------------------------------

const IGNORED_VALUES: &[&str] = &["id", "created", "created_at", "root", "request_id"];
/// diff.py's, and the Anthropic count's `original_input_tokens`, which it leaves out though it
/// is `input_tokens` again.
const TOKEN_COUNTS: &[&str] = &[
    "original_input_tokens",
    "prompt_tokens",
    "total_tokens",
    "completion_tokens",
    "count",
    "input_tokens",
    "image_tokens",
    "end",
    "start",
];
const MODEL_TEXT: &[&str] = &["prompt", "content", "text", "token", "decoded_token"];

type Reply<'a> = (u16, &'a BTreeMap<String, String>, &'a [u8]);

fn media_type(headers: &BTreeMap<String, String>) -> String {
    headers
        .get("content-type")
        .map(|t| t.split(';').next().unwrap_or_default().trim().to_lowercase())
        .unwrap_or_default()
}

fn compare((vllm_status, vllm_headers, vllm_body): Reply<'_>, (status, headers, body): Reply<'_>) -> Vec<String> {
    let mut out = Vec::new();
    if vllm_status != status {
        out.push(format!("status: vLLM {vllm_status} / mock {status}"));
        return out;
    }
    let (vllm_type, mock_type) = (media_type(vllm_headers), media_type(headers));
    if vllm_type != mock_type {
        out.push(format!("content-type: vLLM {vllm_type} / mock {mock_type}"));
    }
    if status == 405 && vllm_headers.get("allow") != headers.get("allow") {
        out.push("allow".to_owned());
    }
    if vllm_headers.contains_key("metadata") || headers.contains_key("metadata") {
        let parse = |h: &BTreeMap<String, String>| {
            serde_json::from_str::<Value>(h.get("metadata").map_or("null", String::as_str)).unwrap_or_default()
        };
        compare_json(&parse(vllm_headers), &parse(headers), "metadata", None, &mut out);
    }
    if vllm_type == "text/event-stream" && mock_type == "text/event-stream" {
        compare_streams(vllm_body, body, &mut out);
        return out;
    }
    if vllm_type == "application/octet-stream" || mock_type == "application/octet-stream" {
        if vllm_body.len() != body.len() {
            out.push("binary body length".to_owned());
        }
        return out;
    }
    let json = |bytes: &[u8]| {
        if bytes.is_empty() {
            Some(Value::Null)
        } else {
            serde_json::from_slice::<Value>(bytes).ok()
        }
    };
    let (Some(a), Some(b)) = (json(vllm_body), json(body)) else {
        let text = vllm_type.starts_with("text/") && mock_type.starts_with("text/");
        if json(vllm_body).is_some() != json(body).is_some() && !text {
            out.push("body: JSON on one side only".to_owned());
        }
        return out;
    };
    match (
        a.get("error").filter(|e| e.is_object()),
        b.get("error").filter(|e| e.is_object()),
    ) {
        (Some(ea), Some(eb)) => compare_errors(&a, &b, ea, eb, &mut out),
        _ => compare_json(&a, &b, "$", None, &mut out),
    }
    out
}

fn compare_errors(a: &Value, b: &Value, ea: &Value, eb: &Value, out: &mut Vec<String>) {
    for field in ["type", "code", "param"] {
        if ea.get(field) != eb.get(field) {
            out.push(format!("error.{field}: vLLM {} / mock {}", ea[field], eb[field]));
        }
    }
    let message = |e: &Value| {
        e["message"]
            .as_str()
            .map_or_else(|| e["message"].to_string(), str::to_owned)
    };
    let (ma, mb) = (message(ea), message(eb));
    if ma != mb && sorted_tasks(&ma) != sorted_tasks(&mb) {
        out.push(format!("message: vLLM {ma:?} / mock {mb:?}"));
    }
    let keys = |v: &Value| {
        v.as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    if keys(a) != keys(b) || keys(ea) != keys(eb) {
        out.push("error keys".to_owned());
    }
}

/// vLLM prints its supported tasks from a set, in its process's order.
fn sorted_tasks(message: &str) -> String {
    match message.split_once("Supported tasks: (") {
        Some((head, rest)) => match rest.split_once(')') {
            Some((tasks, tail)) => {
                let mut tasks: Vec<&str> = tasks.split(", ").collect();
                tasks.sort_unstable();
                format!("{head}Supported tasks: {}{tail}", tasks.join(","))
            }
            None => message.to_owned(),
        },
        None => message.to_owned(),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn compare_json(a: &Value, b: &Value, path: &str, key: Option<&str>, out: &mut Vec<String>) {
    if json_type(a) != json_type(b) {
        out.push(format!("type at {path}: vLLM {} / mock {}", json_type(a), json_type(b)));
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().filter(|k| !y.contains_key(*k)) {
                out.push(format!("key only in vLLM: {path}.{k}"));
            }
            for k in y.keys().filter(|k| !x.contains_key(*k)) {
                out.push(format!("key only in mock: {path}.{k}"));
            }
            for (k, v) in x {
                if let Some(w) = y.get(k) {
                    compare_json(v, w, &format!("{path}.{k}"), Some(k), out);
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.iter().chain(y).all(Value::is_number) {
                if x.len() != y.len() && key == Some("embedding") {
                    out.push(format!("numeric array length at {path}"));
                }
                return;
            }
            if x.len() != y.len() && !matches!(key, Some("tokens" | "token_strs")) {
                out.push(format!("array length at {path}"));
            }
            for (v, w) in x.iter().zip(y) {
                compare_json(v, w, &format!("{path}[]"), key, out);
            }
        }
        (Value::Number(x), Value::Number(y)) => {
            let ignored = key.is_some_and(|k| IGNORED_VALUES.contains(&k) || TOKEN_COUNTS.contains(&k));
            if !ignored && (x.is_i64() || x.is_u64()) && (y.is_i64() || y.is_u64()) && x != y {
                out.push(format!("int value at {path}"));
            }
        }
        (Value::String(x), Value::String(y)) if x != y => {
            let k = key.unwrap_or_default();
            if IGNORED_VALUES.contains(&k) || MODEL_TEXT.contains(&k) {
                return;
            }
            if matches!(k, "embedding" | "data") {
                if x.len() != y.len() {
                    out.push(format!("base64 length at {path}"));
                }
                return;
            }
            out.push(format!("string value at {path}: vLLM {x:?} / mock {y:?}"));
        }
        _ => {}
    }
}

/// SSE events by kind, as diff.py sorts them: role, content, finish, usage, error, done.
fn events(body: &[u8]) -> Vec<(&'static str, Value)> {
    let text = String::from_utf8_lossy(body);
    let mut events = Vec::new();
    for line in text.lines() {
        let Some(data) = line.strip_prefix("data: ") else {
            continue;
        };
        if data.trim() == "[DONE]" {
            events.push(("done", Value::Null));
            continue;
        }
        let Ok(chunk) = serde_json::from_str::<Value>(data) else {
            events.push(("non-json", Value::Null));
            continue;
        };
        let choices = chunk["choices"].as_array().cloned().unwrap_or_default();
        let kind = if chunk.get("error").is_some() {
            "error"
        } else if choices.is_empty() {
            "usage"
        } else if choices
            .iter()
            .any(|c| c["delta"]["role"].as_str().is_some_and(|r| !r.is_empty()))
        {
            "role"
        } else if choices.iter().any(|c| !c["finish_reason"].is_null()) {
            "finish"
        } else {
            "content"
        };
        events.push((kind, chunk));
    }
    events
}

fn compare_streams(a: &[u8], b: &[u8], out: &mut Vec<String>) {
    let (ea, eb) = (events(a), events(b));
    let shape = |evs: &[(&'static str, Value)]| {
        let mut seq: Vec<&str> = Vec::new();
        for (kind, _) in evs {
            if !(seq.last() == Some(kind) && *kind == "content") {
                seq.push(kind);
            }
        }
        seq.join("/")
    };
    if shape(&ea) != shape(&eb) {
        out.push(format!(
            "stream chunk sequence: vLLM {} / mock {}",
            shape(&ea),
            shape(&eb)
        ));
    }
    for kind in ["role", "content", "finish", "usage", "error"] {
        let first = |evs: &[(&'static str, Value)]| evs.iter().find(|(k, _)| *k == kind).map(|(_, v)| v.clone());
        if let (Some(x), Some(y)) = (first(&ea), first(&eb)) {
            compare_json(&x, &y, &format!("<{kind} chunk>"), None, out);
        }
    }
}
