//! A field vLLM sends as `null` in some messages and leaves out of others. vLLM builds its
//! stream chunks field by field and dumps them without the fields it never set, so which null
//! keys a chunk carries tells a role chunk from a token chunk from a finish chunk; clients and
//! gateways that key on them see the same here.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `Sent` writes `null`; `Unset` (the default) writes nothing, with
/// `#[serde(default, skip_serializing_if = "Null::is_unset")]` on the field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Null {
    #[default]
    Unset,
    Sent,
}

impl Null {
    pub fn is_unset(&self) -> bool {
        *self == Null::Unset
    }

    /// `Sent` when `sent`.
    pub fn when(sent: bool) -> Self {
        if sent { Null::Sent } else { Null::Unset }
    }
}

impl Serialize for Null {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
}

impl<'de> Deserialize<'de> for Null {
    /// Present (whatever it holds) is `Sent`; a missing field takes the default, `Unset`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| Null::Sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Chunk {
        #[serde(default, skip_serializing_if = "Null::is_unset")]
        kv_transfer_params: Null,
    }

    #[test]
    fn sent_is_a_null_key_and_unset_no_key() {
        let sent = Chunk {
            kv_transfer_params: Null::Sent,
        };
        assert_eq!(serde_json::to_string(&sent).unwrap(), r#"{"kv_transfer_params":null}"#);
        let unset = Chunk {
            kv_transfer_params: Null::Unset,
        };
        assert_eq!(serde_json::to_string(&unset).unwrap(), "{}");
        assert_eq!(serde_json::from_str::<Chunk>("{}").unwrap(), unset);
        assert_eq!(
            serde_json::from_str::<Chunk>(r#"{"kv_transfer_params":null}"#).unwrap(),
            sent
        );
    }
}
