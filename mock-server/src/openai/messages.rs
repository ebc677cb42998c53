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

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ContentPart {
    #[serde(rename = "type")]
    pub kind: String,
    pub text: Option<String>,
}

impl ChatMessage {
    /// Carries a part other than text (an image, audio, a video, embeddings of one).
    pub fn has_media(&self) -> bool {
        match &self.content {
            Some(MessageContent::Parts(parts)) => parts.iter().any(|p| !matches!(p.kind.as_str(), "text" | "refusal")),
            _ => false,
        }
    }

    /// The message's text, parts joined by newlines; non-text parts contribute nothing.
    pub fn text(&self) -> String {
        match &self.content {
            None => String::new(),
            Some(MessageContent::Text(text)) => text.clone(),
            Some(MessageContent::Parts(parts)) => parts
                .iter()
                .filter_map(|part| part.text.as_deref())
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}
