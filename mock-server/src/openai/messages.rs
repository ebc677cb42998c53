//! A chat message as vLLM's requests take it (chat, chat-style embeddings, tokenize): its role
//! and its content, text or typed parts.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "SentMessage")]
pub struct ChatMessage {
    pub role: String,
    pub content: Option<MessageContent>,
}

/// A message as sent, where a `null` content is told from none.
struct SentMessage {
    role: String,
    content: Option<Option<MessageContent>>,
}

/// Read from an object only: serde's derive would also read a struct from an array of its
/// fields' values, so `["a"]` would be a message of role `a`, which pydantic refuses.
impl<'de> Deserialize<'de> for SentMessage {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(SentMessageVisitor)
    }
}

struct SentMessageVisitor;

impl<'de> serde::de::Visitor<'de> for SentMessageVisitor {
    type Value = SentMessage;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a chat message object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<SentMessage, A::Error> {
        let (mut role, mut content) = (None, None);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*key {
                "role" => role = Some(map.next_value()?),
                "content" => content = Some(map.next_value()?),
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(SentMessage {
            role: role.ok_or_else(|| serde::de::Error::missing_field("role"))?,
            content,
        })
    }
}

impl TryFrom<SentMessage> for ChatMessage {
    type Error = &'static str;

    /// Of the message shapes vLLM takes, only the assistant's and a function result's content
    /// may be `null` (its own `CustomChatCompletionMessageParam` may leave it out, not null
    /// it); anything else fails the whole union, which the error path then lists.
    fn try_from(sent: SentMessage) -> Result<Self, Self::Error> {
        if matches!(sent.content, Some(None)) && !matches!(sent.role.as_str(), "assistant" | "function") {
            return Err("Input should be a valid string");
        }
        Ok(ChatMessage {
            role: sent.role,
            content: sent.content.flatten(),
        })
    }
}

/// A message's content: plain text, or a list of typed parts of which the text parts count.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged, expecting = "expected a string or an array of content parts")]
pub enum MessageContent {
    Text(String),
    Parts(Vec<ContentPart>),
}

/// A content part as vLLM reads it: a bare string is a text part; of the typed parts, the
/// text kinds carry their text in a field of their own (`refusal`, `thinking`, a tool
/// reference's `name`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "SentPart")]
pub struct ContentPart {
    pub kind: String,
    pub text: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SentPart {
    Plain(String),
    Typed {
        #[serde(rename = "type")]
        kind: String,
        text: Option<String>,
        refusal: Option<String>,
        thinking: Option<String>,
        name: Option<String>,
    },
}

impl From<SentPart> for ContentPart {
    /// The field `MM_PARSER_MAP` reads for the part's type.
    fn from(sent: SentPart) -> Self {
        match sent {
            SentPart::Plain(text) => ContentPart {
                kind: "text".to_owned(),
                text: Some(text),
            },
            SentPart::Typed {
                kind,
                text,
                refusal,
                thinking,
                name,
            } => {
                let text = match kind.as_str() {
                    "refusal" => refusal,
                    "thinking" => thinking,
                    "tool_reference" => name,
                    _ => text,
                };
                ContentPart { kind, text }
            }
        }
    }
}

/// The part types vLLM parses as text (`TEXT_PART_TYPES`, and a tool reference's name).
const TEXT_PARTS: [&str; 6] = [
    "text",
    "input_text",
    "output_text",
    "refusal",
    "thinking",
    "tool_reference",
];

/// Claude Code's attribution line, which vLLM drops from system messages: its hash changes on
/// every request and would defeat the prefix cache.
const BILLING_HEADER: &str = "x-anthropic-billing-header";

impl ChatMessage {
    /// Carries a part other than text (an image, audio, a video, embeddings of one).
    pub fn has_media(&self) -> bool {
        match &self.content {
            Some(MessageContent::Parts(parts)) => parts.iter().any(|p| !TEXT_PARTS.contains(&p.kind.as_str())),
            _ => false,
        }
    }

    /// The message's text as vLLM's string content format renders it: the parts' texts joined
    /// by newlines, empty ones left out, a system message's billing line dropped.
    pub fn text(&self) -> String {
        // Each text with whether it came as plain text, the only kind the billing line is
        // looked for in.
        let texts: Vec<(bool, &str)> = match &self.content {
            None => Vec::new(),
            Some(MessageContent::Text(text)) => vec![(true, text.as_str())],
            Some(MessageContent::Parts(parts)) => parts
                .iter()
                .filter(|part| TEXT_PARTS.contains(&part.kind.as_str()))
                .filter_map(|part| Some((part.kind == "text", part.text.as_deref()?)))
                .collect(),
        };
        let system = self.role == "system";
        texts
            .into_iter()
            .filter_map(|(plain, text)| match text.strip_prefix(BILLING_HEADER) {
                Some(line) if system && plain => line.split_once('\n').map(|(_, rest)| rest),
                _ => Some(text),
            })
            .filter(|text| !text.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(value: serde_json::Value) -> ChatMessage {
        serde_json::from_value(value).expect("a chat message")
    }

    #[test]
    fn each_text_part_gives_the_field_vllm_reads_and_empty_ones_nothing() {
        let parts = message(serde_json::json!({"role": "user", "content": [
            "plain",
            {"type": "refusal", "refusal": "no"},
            {"type": "thinking", "thinking": "deep"},
            {"type": "text", "text": ""},
            {"type": "tool_reference", "name": "get"},
            {"type": "input_text", "text": "it"},
        ]}));
        assert_eq!(parts.text(), "plain\nno\ndeep\nget\nit");
        assert!(!parts.has_media());
    }

    #[test]
    fn a_system_message_drops_claude_codes_billing_line() {
        let text = |content: serde_json::Value, role: &str| {
            message(serde_json::json!({"role": role, "content": content})).text()
        };
        assert_eq!(
            text("x-anthropic-billing-header: cch=1\nbe nice".into(), "system"),
            "be nice"
        );
        assert_eq!(
            text(
                serde_json::json!([{"type": "text", "text": "x-anthropic-billing-header: cch=1"}, {"type": "text", "text": "b"}]),
                "system"
            ),
            "b"
        );
        // Only a system message's, and only in plain text.
        assert_eq!(
            text("x-anthropic-billing-header: cch=1".into(), "user"),
            "x-anthropic-billing-header: cch=1"
        );
    }
}
