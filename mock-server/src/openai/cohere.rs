//! `POST /v2/embed`: Cohere's embed API as vLLM 0.33.0 serves it (`CohereEmbedRequest`,
//! `CohereEmbedResponse`): texts, images or mixed inputs in, the vectors by type out
//! (`float`, `binary`, `ubinary`, `base64`), with the billed tokens.

use serde::{Deserialize, Serialize};

use super::RequestBody;
use super::validation::{FieldError, Loc, lax_int};

#[derive(Debug, Clone, Deserialize)]
pub struct CohereEmbedRequest {
    pub model: Option<String>,
    /// A task instruction's name (`search_query`...), which a model's config may define.
    pub input_type: Option<String>,
    pub texts: Option<Vec<String>>,
    /// Image URLs, one input each.
    pub images: Option<Vec<String>>,
    /// Inputs of text and image parts.
    pub inputs: Option<Vec<CohereEmbedInput>>,
    #[serde(default, with = "lax_int")]
    pub output_dimension: Option<i64>,
    pub embedding_types: Option<Vec<CohereEmbeddingType>>,
    #[serde(default)]
    pub truncate: CohereTruncate,
    #[serde(default, with = "lax_int")]
    pub max_tokens: Option<i64>,
    #[expect(dead_code, reason = "read to be refused as vLLM refuses it; the answer needs none")]
    #[serde(default, with = "lax_int::within_i64")]
    pub priority: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CohereEmbedInput {
    pub content: Vec<CohereEmbedContent>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CohereEmbedContent {
    #[serde(rename = "type")]
    pub kind: CohereContentType,
    pub text: Option<String>,
    pub image_url: Option<std::collections::BTreeMap<String, String>>,
}

crate::literal! {
    pub enum CohereContentType { Text = "text", ImageUrl = "image_url" }
}

crate::literal! {
    pub enum CohereEmbeddingType { Float = "float", Binary = "binary", Ubinary = "ubinary", Base64 = "base64" }
}

crate::literal! {
    /// Which end of a long input is cut: `END` (the default), `START`, or neither (`NONE`).
    #[derive(Default)]
    pub enum CohereTruncate { None = "NONE", Start = "START", #[default] End = "END" }
}

impl CohereEmbedContent {
    /// `validate_content_payload`: a text part has its text, an image part its URL.
    fn check(&self) -> Option<&'static str> {
        match self.kind {
            CohereContentType::Text if self.text.is_none() => Some("CohereEmbedContent with type='text' requires text"),
            CohereContentType::ImageUrl if self.url().is_none() => {
                Some("CohereEmbedContent with type='image_url' requires image_url.url")
            }
            _ => None,
        }
    }

    /// The image part's URL; pydantic's truthiness, so an empty one is none.
    pub fn url(&self) -> Option<&str> {
        self.image_url
            .as_ref()
            .and_then(|u| u.get("url"))
            .map(String::as_str)
            .filter(|u| !u.is_empty())
    }
}

impl RequestBody for CohereEmbedRequest {
    fn schema() -> Option<&'static super::pydantic::Schema> {
        Some(&super::vllm_models::COHERE_EMBED_REQUEST)
    }

    /// The `mode="after"` validators, which pydantic runs once every field has validated: each
    /// content part's, then the request's own.
    fn check(&self) -> Vec<FieldError> {
        let parts = self.inputs.iter().flatten().enumerate().flat_map(|(i, input)| {
            input.content.iter().enumerate().filter_map(move |(j, part)| {
                let loc = vec!["inputs".into(), Loc::Index(i), "content".into(), Loc::Index(j)];
                part.check().map(|message| FieldError::value_error(loc, message))
            })
        });
        let parts: Vec<FieldError> = parts.collect();
        if !parts.is_empty() {
            return parts;
        }
        let given = [
            self.texts.as_ref().map(Vec::is_empty),
            self.images.as_ref().map(Vec::is_empty),
            self.inputs.as_ref().map(Vec::is_empty),
        ];
        let given: Vec<bool> = given.into_iter().flatten().collect();
        if given != [false] {
            return vec![FieldError::value_error(vec![], EXACTLY_ONE_INPUT)];
        }
        vec![]
    }
}

const EXACTLY_ONE_INPUT: &str = "Exactly one of texts, images, or inputs must be provided, and it must be non-empty";

/// vLLM's answer: the vectors in each requested type, the texts echoed, the tokens billed.
#[derive(Debug, Clone, Serialize)]
pub struct CohereEmbedResponse {
    pub id: String,
    pub embeddings: EmbeddingsByType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub texts: Option<Vec<String>>,
    pub meta: CohereMeta,
    pub response_type: &'static str,
}

/// One list per requested type; the others are left out (vLLM's `exclude_none`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct EmbeddingsByType {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub float: Option<Vec<Vec<f64>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binary: Option<Vec<Vec<i16>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ubinary: Option<Vec<Vec<u8>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base64: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CohereMeta {
    pub api_version: ApiVersion,
    pub billed_units: BilledUnits,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiVersion {
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct BilledUnits {
    pub input_tokens: usize,
    pub image_tokens: usize,
}

impl CohereMeta {
    pub fn billed(input_tokens: usize, image_tokens: usize) -> Self {
        CohereMeta {
            api_version: ApiVersion { version: "2" },
            billed_units: BilledUnits {
                input_tokens,
                image_tokens,
            },
        }
    }
}
