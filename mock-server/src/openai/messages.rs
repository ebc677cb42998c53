//! A chat message as vLLM's requests take it (chat, chat-style embeddings, tokenize): its role
//! and its content, text or typed parts.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChatMessage {
    pub role: String,
    #[serde(default)]
    pub content: Option<MessageContent>,
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
