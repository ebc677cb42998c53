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
    /// What decides which of vLLM's message models takes the part, and so how an unknown
    /// `type` is refused (see [`ChatMessage::part_refusal`]).
    pub shape: PartShape,
}

/// The keys of a part that vLLM's own content parts (`CustomChatCompletionContent*Param`) read
/// beside its `type`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PartShape {
    /// A `uuid` that is not null.
    pub uuid: bool,
    /// A media key of vLLM's simple parts (`image_url`, `audio_url`, `video_url` as a string
    /// or null, `image_pil` null), or a `uuid`: the part is one of vLLM's own.
    pub vllms_own: bool,
    /// Any media key at all.
    pub media_key: bool,
    /// A bare string, which vLLM's own part models do not take.
    pub plain: bool,
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
        #[serde(flatten)]
        rest: serde_json::Map<String, serde_json::Value>,
    },
}

/// The media keys vLLM's part parser looks for when a part's `type` does not say.
const MEDIA_KEYS: [&str; 9] = [
    "image_url",
    "image_pil",
    "image_embeds",
    "audio_embeds",
    "video_embeds",
    "prompt_embeds",
    "audio_url",
    "input_audio",
    "video_url",
];

impl PartShape {
    fn of(rest: &serde_json::Map<String, serde_json::Value>) -> Self {
        use serde_json::Value;
        let uuid = rest.get("uuid").is_some_and(|u| !u.is_null());
        let simple = |key: &str| matches!(rest.get(key), Some(Value::String(_) | Value::Null));
        PartShape {
            uuid,
            vllms_own: rest.contains_key("uuid")
                || ["image_url", "audio_url", "video_url"].into_iter().any(simple)
                || matches!(rest.get("image_pil"), Some(Value::Null)),
            media_key: MEDIA_KEYS.iter().any(|key| rest.contains_key(*key)),
            plain: false,
        }
    }
}

impl From<SentPart> for ContentPart {
    /// The field `MM_PARSER_MAP` reads for the part's type.
    fn from(sent: SentPart) -> Self {
        match sent {
            SentPart::Plain(text) => ContentPart {
                kind: "text".to_owned(),
                text: Some(text),
                shape: PartShape {
                    plain: true,
                    ..PartShape::default()
                },
            },
            SentPart::Typed {
                kind,
                text,
                refusal,
                thinking,
                name,
                rest,
            } => {
                let text = match kind.as_str() {
                    "refusal" => refusal,
                    "thinking" => thinking,
                    "tool_reference" => name,
                    _ => text,
                };
                ContentPart {
                    kind,
                    text,
                    shape: PartShape::of(&rest),
                }
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

/// The media part types vLLM's parser knows (`MM_PARSER_MAP`, less the text ones).
const MEDIA_PARTS: [&str; 11] = [
    "input_image",
    "image_url",
    "image_embeds",
    "audio_embeds",
    "video_embeds",
    "prompt_embeds",
    "image_pil",
    "audio_url",
    "input_audio",
    "video_url",
    "file",
];

/// The text part types of vLLM's own content part models.
const VLLM_TEXT_PARTS: [&str; 4] = ["text", "refusal", "thinking", "tool_reference"];

/// Why vLLM's renderer refuses a part for a text model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartRefusal {
    /// An image, audio, a video or embeddings of one: the model takes text only. Also what the
    /// mock answers for a part none of vLLM's own part models takes, which vLLM leaves to the
    /// SDK's lazily validated union and refuses with that union's errors (not reproduced).
    NotMultimodal,
    /// One of vLLM's own parts with a `type` its parser does not know.
    Unsupported(String),
    /// One of vLLM's own parts with a `uuid` and no media key.
    MissingType,
}

impl ChatMessage {
    /// The first part vLLM's parser refuses for a text model, in order.
    pub fn part_refusal(&self) -> Option<PartRefusal> {
        let Some(MessageContent::Parts(parts)) = &self.content else {
            return None;
        };
        parts.iter().find_map(|part| {
            let kind = part.kind.as_str();
            let shape = part.shape;
            // The text parts of vLLM's own part models; a bare string and the Responses API's
            // `input_text` and `output_text` are left to the SDK's union, which refuses them in
            // a chat message (`/tokenize` reads them as text).
            if VLLM_TEXT_PARTS.contains(&kind) && !shape.uuid && !shape.plain {
                return None;
            }
            Some(match () {
                _ if MEDIA_PARTS.contains(&kind) && !shape.uuid => PartRefusal::NotMultimodal,
                _ if !shape.vllms_own => PartRefusal::NotMultimodal,
                _ if shape.uuid && shape.media_key => PartRefusal::NotMultimodal,
                _ if shape.uuid => PartRefusal::MissingType,
                _ => PartRefusal::Unsupported(part.kind.clone()),
            })
        })
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
        // Chat leaves a bare string and `input_text` to the SDK's union, which refuses them.
        assert_eq!(parts.part_refusal(), Some(PartRefusal::NotMultimodal));
    }

    #[test]
    fn a_part_of_vllms_own_with_an_unknown_type_is_unsupported() {
        let refusal =
            |part: serde_json::Value| message(serde_json::json!({"role": "user", "content": [part]})).part_refusal();
        assert_eq!(refusal(serde_json::json!({"type": "thinking", "thinking": "x"})), None);
        assert_eq!(
            refusal(serde_json::json!({"type": "weird", "image_url": "a"})),
            Some(PartRefusal::Unsupported("weird".into()))
        );
        assert_eq!(
            refusal(serde_json::json!({"type": "weird", "uuid": "u"})),
            Some(PartRefusal::MissingType)
        );
        assert_eq!(
            refusal(serde_json::json!({"type": "image_url", "image_url": {"url": "x"}})),
            Some(PartRefusal::NotMultimodal)
        );
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
