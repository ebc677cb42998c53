//! Bad input, slow clients and mixed load: every request gets the right status and a vLLM
//! error, the mock stays healthy, and every request that reached a handler is journaled.

mod common;

use std::time::{Duration, Instant};

use common::*;
use mock_vllm::Filter;
use mock_vllm::journal::BodyEncoding;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One bad request: what is sent and what must come back.
struct Case {
    name: &'static str,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
    kind: &'static str,
}

fn case(name: &'static str, body: impl Into<Vec<u8>>, status: u16, kind: &'static str) -> Case {
    Case {
        name,
        content_type: Some("application/json"),
        body: body.into(),
        status,
        kind,
    }
}

fn json_case(name: &'static str, body: Value, status: u16, kind: &'static str) -> Case {
    case(name, body.to_string(), status, kind)
}

fn matrix() -> Vec<Case> {
    vec![
        case("invalid JSON", r#"{"input": "x""#, 400, "Bad Request"),
        case("trailing garbage", r#"{"input": "x"} }"#, 400, "Bad Request"),
        case("empty body", "", 400, "Bad Request"),
        // Python's json reads these bytes as UTF-16 (a byte-order mark, then `{`).
        case("UTF-16 bytes", vec![0xff, 0xfe, 0x7b, 0x00], 400, "Bad Request"),
        // Python's json keeps it; vLLM's tokenizer refuses it.
        case("a lone surrogate", r#"{"input": "\ud800"}"#, 400, "BadRequestError"),
        case(
            "a number too large for JSON",
            r#"{"input": "x", "dimensions": 1e400}"#,
            400,
            "Bad Request",
        ),
        json_case("not an object", json!(["input", "x"]), 400, "Bad Request"),
        json_case(
            "model as a number",
            json!({"input": "x", "model": 5}),
            400,
            "Bad Request",
        ),
        json_case(
            "input as an object",
            json!({"input": {"text": "x"}}),
            400,
            "Bad Request",
        ),
        json_case("input as a number", json!({"input": 5}), 400, "Bad Request"),
        json_case("input mixing types", json!({"input": ["x", 1]}), 400, "Bad Request"),
        // vLLM's renderer: "Token id -1 is out of vocabulary".
        json_case("negative token id", json!({"input": [-1]}), 400, "BadRequestError"),
        json_case(
            "token id past the vocabulary",
            json!({"input": [4_294_967_296u64]}),
            400,
            "BadRequestError",
        ),
        json_case(
            "encoding_format as a number",
            json!({"input": "x", "encoding_format": 1}),
            400,
            "Bad Request",
        ),
        json_case(
            "unknown encoding_format",
            json!({"input": "x", "encoding_format": "int8"}),
            400,
            "Bad Request",
        ),
        json_case(
            "dimensions as text",
            json!({"input": "x", "dimensions": "ten"}),
            400,
            "Bad Request",
        ),
        json_case(
            "dimensions as a float",
            json!({"input": "x", "dimensions": 1.5}),
            400,
            "Bad Request",
        ),
        json_case(
            "dimensions past i64",
            // pydantic takes any integer; the serving layer refuses it.
            json!({"input": "x", "dimensions": 18_446_744_073_709_551_615u64}),
            400,
            "BadRequestError",
        ),
        json_case(
            "dimensions zero",
            json!({"input": "x", "dimensions": 0}),
            400,
            "BadRequestError",
        ),
        json_case(
            "dimensions past the maximum",
            json!({"input": "x", "dimensions": 10_000_000}),
            400,
            "BadRequestError",
        ),
        json_case("user as a number", json!({"input": "x", "user": 5}), 400, "Bad Request"),
        json_case(
            "truncate_prompt_tokens as text",
            json!({"input": "x", "truncate_prompt_tokens": "x"}),
            400,
            "Bad Request",
        ),
        json_case(
            // pydantic's lax mode takes "yes" and "on" as true; "maybe" is no bool.
            "add_special_tokens as text",
            json!({"input": "x", "add_special_tokens": "maybe"}),
            400,
            "Bad Request",
        ),
        json_case(
            "priority as text",
            json!({"input": "x", "priority": "high"}),
            400,
            "Bad Request",
        ),
        json_case(
            "request_id as a number",
            json!({"input": "x", "request_id": 5}),
            400,
            "Bad Request",
        ),
        json_case(
            "normalize as text",
            json!({"input": "x", "normalize": "no"}),
            400,
            // vLLM's own validator refuses it, answered as a plain 400 (vLLM 0.33.0).
            "BadRequestError",
        ),
        json_case("missing input", json!({"model": "m"}), 400, "Bad Request"),
        // An empty string is a prompt to vLLM 0.33.0; a batch of none is not.
        json_case("empty batch", json!({"input": []}), 400, "BadRequestError"),
        json_case("empty token list", json!({"input": [[]]}), 400, "BadRequestError"),
        json_case(
            "too many values",
            json!({"input": vec!["x"; 100], "dimensions": 65_536}),
            400,
            "BadRequestError",
        ),
        Case {
            name: "wrong content type",
            content_type: Some("text/plain"),
            body: br#"{"input": "x"}"#.to_vec(),
            status: 400,
            kind: "Bad Request",
        },
        Case {
            name: "no content type",
            content_type: None,
            body: br#"{"input": "x"}"#.to_vec(),
            status: 400,
            kind: "Bad Request",
        },
        case(
            "body over the limit",
            vec![b' '; 2 * 1024 * 1024],
            413,
            "Request Entity Too Large",
        ),
    ]
}

#[tokio::test]
async fn the_bad_input_matrix_gets_vllm_errors_and_everything_is_journaled() {
    let mock = Mock::with(|c| c.max_body_bytes = 1024 * 1024).await;
    let cases = matrix();
    for case in &cases {
        let mut request = mock.http.post(mock.url("/v1/embeddings")).body(case.body.clone());
        if let Some(content_type) = case.content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let status = response.status().as_u16();
        let body: Value = response
            .json()
            .await
            .unwrap_or_else(|e| panic!("{}: not JSON: {e}", case.name));
        assert_eq!(status, case.status, "{}: {body}", case.name);
        assert_eq!(body["error"]["type"], case.kind, "{}: {body}", case.name);
        assert_eq!(body["error"]["code"], case.status, "{}", case.name);
        assert!(
            body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{}",
            case.name
        );
        assert_eq!(mock.get("/health").await.status(), 200, "healthy after {}", case.name);
    }
    // Every case and every health check reached a handler, and each is in the journal.
    let list = mock.journal(&Filter::default()).await;
    assert_eq!(list.total as usize, cases.len() * 2);
    let statuses: Vec<u16> = list
        .requests
        .iter()
        .filter(|e| e.path == "/v1/embeddings")
        .map(|e| e.status)
        .collect();
    assert_eq!(statuses, cases.iter().map(|c| c.status).collect::<Vec<_>>());
    let binary = list
        .requests
        .iter()
        .find(|e| e.body_encoding == BodyEncoding::Base64)
        .unwrap();
    assert_eq!(&*binary.body_bytes(), [0xff, 0xfe, 0x7b, 0x00]);
}

/// vLLM 0.33.0: a body Python's json cannot decode is FastAPI's `{"detail"}`, a repeated key
/// is Python's (the last value wins).
#[tokio::test]
async fn bodies_are_read_as_pythons_json_reads_them() {
    let mock = Mock::start().await;
    let post = |body: &'static [u8]| {
        mock.http
            .post(mock.url("/v1/embeddings"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let response = post(b"{\"input\": \"\xff\"}").await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"detail": "There was an error parsing the body"}));
    // As deep as vLLM 0.33.0 reads (972 levels): pydantic's errors; one more: unreadable.
    let deep = |levels: usize| format!("{{\"input\": {}{}}}", "[".repeat(levels - 1), "]".repeat(levels - 1));
    for (levels, detail) in [(972, false), (973, true), (10_000, true)] {
        let response = mock
            .http
            .post(mock.url("/v1/embeddings"))
            .header("content-type", "application/json")
            .body(deep(levels))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body.get("detail").is_some(), detail, "{levels} levels: {body}");
    }
    let response = post(br#"{"input": 5, "input": "workshop"}"#).await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["usage"]["prompt_tokens"], 1);
    let body: Value = post(br#"{"input": "x", "dimensions": NaN}"#)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("'type': 'finite_number', 'loc': 'body.dimensions'")),
        "{body}"
    );
}

#[tokio::test]
async fn a_chunked_body_is_read_whole() {
    let mock = Mock::start().await;
    let pieces = workshop_request()
        .to_string()
        .into_bytes()
        .chunks(7)
        .map(<[u8]>::to_vec)
        .collect();
    let response = mock.post_chunked("/v1/embeddings", pieces).await;
    assert_eq!(response.status(), 200);
    let entry = mock.last().await;
    assert!(entry.header("transfer-encoding").is_some_and(|v| v.contains("chunked")));
    assert_eq!(entry.body_json(), Some(workshop_request()));
}

/// uvicorn reads a body of any size: one past axum's 2 MiB default is answered, not read as
/// none; only the mock's own `--max-body-bytes` (413) bounds it.
#[tokio::test]
async fn a_body_past_2_mib_is_read_as_vllm_reads_it() {
    let mock = Mock::start().await;
    let mut body = workshop_request().to_string().into_bytes();
    body.extend(std::iter::repeat_n(b' ', 3 * 1024 * 1024));
    let response = mock
        .http
        .post(mock.url("/v1/embeddings"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["usage"]["prompt_tokens"], 9, "{answer}");
}

#[tokio::test]
async fn a_100000_element_input_is_answered_in_full() {
    let mock = Mock::start().await;
    let inputs: Vec<String> = (0..100_000).map(|i| format!("input {i}")).collect();
    let (status, body) = mock.embed(json!({ "input": inputs })).await;
    assert_eq!(status, 200);
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 100_000);
    assert_eq!(data[99_999]["index"], 99_999);
    assert_eq!(body["usage"]["prompt_tokens"], 200_000);
    assert_eq!(mock.last().await.inputs, Some(100_000));
}

/// Sends `bytes` one at a time, `gap` apart, until the server closes or all are sent.
async fn trickle(stream: &mut TcpStream, bytes: &[u8], gap: Duration) -> bool {
    for byte in bytes {
        if stream.write_all(&[*byte]).await.is_err() {
            return false;
        }
        tokio::time::sleep(gap).await;
    }
    true
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_off() {
    let mock = Mock::with(|c| c.read_timeout_secs = 1).await;
    let mut stream = TcpStream::connect(mock.server.addr()).await.unwrap();
    let started = Instant::now();
    let head = b"POST /v1/embeddings HTTP/1.1\r\nhost: mock\r\ncontent-type: application/json\r\n";
    let slow = trickle(&mut stream, head, Duration::from_millis(200));
    // Meanwhile the mock serves others.
    let healthy = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        mock.get("/health").await.status()
    };
    let (_, health) = tokio::join!(slow, healthy);
    assert_eq!(health, 200);
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the connection is closed, not held");
    assert!(started.elapsed() < Duration::from_secs(10));
    // It never reached a handler: only the health check is journaled.
    let list = mock.journal(&Filter::default()).await;
    assert_eq!(
        list.requests.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
        ["/health"]
    );
}

#[tokio::test]
async fn a_client_trickling_its_body_gets_408_and_is_journaled() {
    let mock = Mock::with(|c| c.read_timeout_secs = 1).await;
    let mut stream = TcpStream::connect(mock.server.addr()).await.unwrap();
    let body = workshop_request().to_string();
    let head = format!(
        "POST /v1/embeddings HTTP/1.1\r\nhost: mock\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let _ = trickle(&mut stream, &body.as_bytes()[..8], Duration::from_millis(300)).await;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("answered and closed")
        .ok();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"type\":\"Request Timeout\""), "{text}");
    let entry = mock.last().await;
    assert_eq!((entry.path.as_str(), entry.status), ("/v1/embeddings", 408));
}

#[tokio::test]
async fn a_client_that_disconnects_mid_body_is_journaled() {
    let mock = Mock::start().await;
    let mut stream = TcpStream::connect(mock.server.addr()).await.unwrap();
    stream
        .write_all(b"POST /v1/embeddings HTTP/1.1\r\nhost: mock\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"in")
        .await
        .unwrap();
    drop(stream);
    let filter = mock_vllm::Filter {
        path: Some("/v1/embeddings".into()),
        ..Default::default()
    };
    let (enough, list) = mock.server.journal().wait(&filter, 1, Duration::from_secs(5)).await;
    assert!(enough, "the broken request is journaled");
    assert_eq!(list.requests[0].status, 400);
    assert_eq!(mock.get("/health").await.status(), 200);
}
