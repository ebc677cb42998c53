//! The workshop's values: names, the request of Step 6, the numbers it expects back.

/// The model path the workshop's vLLM serves (LiteLLM's `hosted_vllm/<path>`).
pub const MODEL: &str = "/apps/ecs_mounts/data/q3.6b";
/// LiteLLM's `model_name`, Agent Gateway's backend and route name.
pub const MODEL_NAME: &str = "qwen3";
/// The sentence of Step 6.
pub const TEXT: &str = "The food was delicious and the waiter was friendly.";
/// The HTTPRoute's path prefix.
pub const ROUTE_PREFIX: &str = "/qwen3";
/// What the gateway must send upstream for embeddings.
pub const UPSTREAM_PATH: &str = "/v1/embeddings";
/// vLLM's health check, which kubelet's probes and an inference router's checks call.
pub const HEALTH_PATH: &str = "/health";
/// The response's first values as the workshop prints them (cut to three decimals).
pub const PUBLISHED_PREFIX: [f64; 4] = [-0.217, -0.127, -0.437, 0.025];
pub const PROMPT_TOKENS: u64 = 9;

pub const MOCK_NAME: &str = "mock-vllm";
pub const MOCK_PORT: u16 = 8000;
pub const SECRET_NAME: &str = "vllm-secret";
pub const SECRET_KEY: &str = "Authorization";
pub const BACKEND_NAME: &str = "qwen3";
pub const ROUTE_NAME: &str = "qwen3";
pub const POLICY_NAME: &str = "qwen3-embeddings";

/// The settings a workshop run varies, with the workshop's values as defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workshop {
    pub namespace: String,
    pub gateway_name: String,
    pub api_key: String,
}

impl Default for Workshop {
    fn default() -> Self {
        Workshop {
            namespace: "enterprise-agentgateway".to_owned(),
            gateway_name: "agentgateway".to_owned(),
            api_key: "sk-workshop-vllm-key".to_owned(),
        }
    }
}

impl Workshop {
    /// The mock's in-cluster DNS name, the backend's `host`.
    pub fn mock_host(&self) -> String {
        format!("{MOCK_NAME}.{}.svc.cluster.local", self.namespace)
    }

    /// Step 6's request body, as the workshop's curl sends it.
    pub fn embeddings_body(&self) -> String {
        format!("{{\n    \"model\": \"{MODEL}\",\n    \"input\": \"{TEXT}\",\n    \"encoding_format\": \"float\"\n  }}")
    }
}

/// The embedding the workshop's mock returns for [`TEXT`]: `byte_i(sha256) / 255 - 0.5`.
pub fn expected_vector() -> Vec<f64> {
    mock_vllm::expected_embedding(TEXT, mock_vllm::WORKSHOP_DIMENSIONS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_vector_is_the_published_one() {
        let v = expected_vector();
        let cut: Vec<f64> = v[..4].iter().map(|x| (x * 1000.0).trunc() / 1000.0).collect();
        assert_eq!(cut, PUBLISHED_PREFIX);
    }

    #[test]
    fn step_6_body_is_json_with_the_workshops_fields() {
        let body: serde_json::Value = serde_json::from_str(&Workshop::default().embeddings_body()).unwrap();
        assert_eq!(body["model"], MODEL);
        assert_eq!(body["input"], TEXT);
        assert_eq!(body["encoding_format"], "float");
    }
}
