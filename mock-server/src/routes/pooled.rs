//! What the pooling routes (`/v1/embeddings`, `/pooling`) share: the answer's frame, and the
//! pooled values as base64 or as vLLM's binary body with its `metadata` header.

use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::encoding;
use crate::openai::embeddings::{BytesItem, BytesMetadata, Encoding, EncodingFormat, PoolingUsage};

/// What every pooling answer carries besides the values.
pub struct Answer {
    pub id: String,
    pub created: u64,
    pub model: String,
    pub prompt_tokens: usize,
}

/// One prompt's pooled values, flattened, with their shape (`[dims]` or `[tokens, dims]`).
pub struct Pooled {
    pub values: Vec<f64>,
    pub shape: Vec<usize>,
}

impl Pooled {
    pub fn vector(values: Vec<f64>) -> Self {
        Pooled {
            shape: vec![values.len()],
            values,
        }
    }

    pub fn per_token(vectors: Vec<Vec<f64>>, dimensions: usize) -> Self {
        Pooled {
            shape: vec![vectors.len(), dimensions],
            values: vectors.concat(),
        }
    }
}

/// Values as base64 of their bytes in the requested dtype and byte order.
pub fn base64(values: &[f64], encoding: Encoding) -> String {
    BASE64.encode(encoding::to_bytes(values, encoding.dtype, encoding.endianness))
}

impl Answer {
    /// vLLM's binary answer: the values back to back as `application/octet-stream`, and for
    /// `bytes` (not `bytes_only`) where each lies, in a `metadata` header.
    pub fn bytes(self, items: &[Pooled], encoding: Encoding) -> Response {
        let mut body = Vec::new();
        let mut data = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let start = body.len();
            encoding::write_values(&mut body, &item.values, encoding.dtype, encoding.endianness);
            data.push(BytesItem {
                index,
                embed_dtype: encoding.dtype,
                endianness: encoding.endianness,
                start,
                end: body.len(),
                shape: item.shape.clone(),
            });
        }
        let mut response = ([(http::header::CONTENT_TYPE, "application/octet-stream")], body).into_response();
        if encoding.format == EncodingFormat::Bytes {
            let metadata = BytesMetadata {
                id: self.id,
                created: self.created,
                model: self.model,
                data,
                usage: PoolingUsage {
                    prompt_tokens: self.prompt_tokens,
                    total_tokens: self.prompt_tokens,
                },
            };
            // Written as Python's json.dumps writes it: ASCII only, so always a valid header.
            if let Ok(value) = http::HeaderValue::from_str(&crate::openai::json_dumps(&metadata)) {
                response.headers_mut().insert("metadata", value);
            }
        }
        response
    }
}
