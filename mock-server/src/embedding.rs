//! The workshop's embedding formula and its extensions, as pure functions.
//!
//! The workshop's Python mock computes, for a text `t`:
//!
//! ```python
//! h = hashlib.sha256(str(t).encode()).hexdigest()
//! [int(h[i:i+2], 16) / 255.0 - 0.5 for i in range(0, 20, 2)]
//! ```
//!
//! i.e. dimension `i` is `byte_i(sha256(t)) / 255 - 0.5` for `i < 10`. We keep that exactly,
//! in `f64`, so `serde_json` prints the shortest representation that Python's `json.loads`
//! reads back to the very same double.
//!
//! Beyond the 32 bytes of one digest, dimensions come from further blocks: block `k >= 1` is
//! `sha256(utf8(t) + b"\x00" + str(k).encode())`, so dimension `d` uses byte `d % 32` of block
//! `d / 32`. In Python: `sha256(t.encode() + b"\x00" + str(k).encode())`. The first 32
//! dimensions therefore never change whatever `dimensions` asks for.

use sha2::{Digest, Sha256};

/// The number of dimensions the workshop's mock returns, and ours by default.
pub const WORKSHOP_DIMENSIONS: usize = 10;

/// The most values (inputs x dimensions) one request may ask for: about 80 MB of JSON, so a
/// single request cannot make the mock allocate without bound.
pub const MAX_VALUES_PER_REQUEST: usize = 1 << 22;

/// The canonical text a list of token ids is hashed as: Python's `str(list)`, e.g. `[1, 2, 3]`.
///
/// Its word count equals the number of ids, so `prompt_tokens` stays the token count.
pub fn token_ids_text(ids: &[i64]) -> String {
    let mut text = String::with_capacity(ids.len() * 6 + 2);
    text.push('[');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        text.push_str(&id.to_string());
    }
    text.push(']');
    text
}

/// The embedding mock-vllm answers for `text` with `dimensions` values (without
/// `--normalize`): the workshop's `byte_i(sha256(text)) / 255 - 0.5` for the first 32, further
/// sha256 blocks past them. A test asserts a gateway's answer against it.
///
/// ```
/// let v = mock_vllm::expected_embedding("The food was delicious and the waiter was friendly.", 10);
/// assert_eq!(v[0], -0.21764705882352942);
/// ```
pub fn expected_embedding(text: &str, dimensions: usize) -> Vec<f64> {
    embed(text, dimensions, false)
}

/// The embedding of `text` with `dimensions` values, optionally L2-normalised.
pub fn embed(text: &str, dimensions: usize, normalize: bool) -> Vec<f64> {
    let mut values = Vec::with_capacity(dimensions);
    let mut block = 0u64;
    while values.len() < dimensions {
        let digest = block_digest(text, block);
        let wanted = (dimensions - values.len()).min(digest.len());
        values.extend(digest[..wanted].iter().map(|&b| f64::from(b) / 255.0 - 0.5));
        block += 1;
    }
    if normalize {
        l2_normalize(&mut values);
    }
    values
}

fn block_digest(text: &str, block: u64) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(text.as_bytes());
    if block > 0 {
        hasher.update([0u8]);
        hasher.update(block.to_string().as_bytes());
    }
    hasher.finalize().into()
}

fn l2_normalize(values: &mut [f64]) {
    let norm = values.iter().map(|v| v * v).sum::<f64>().sqrt();
    if norm > 0.0 {
        values.iter_mut().for_each(|v| *v /= norm);
    }
}

/// The values as little-endian `f32` bytes, the layout OpenAI and vLLM base64-encode.
pub fn to_le_f32_bytes(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|&v| (v as f32).to_le_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::word_count;

    const WORKSHOP_TEXT: &str = "The food was delicious and the waiter was friendly.";

    /// The workshop formula, written out as the Python mock spells it: hex digits, two at a time.
    fn python_formula(text: &str) -> Vec<f64> {
        let hex: String = Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        (0..20)
            .step_by(2)
            .map(|i| f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0 - 0.5)
            .collect()
    }

    #[test]
    fn workshop_sample_starts_with_the_published_numbers() {
        let v = embed(WORKSHOP_TEXT, WORKSHOP_DIMENSIONS, false);
        assert_eq!(v.len(), 10);
        // The workshop prints the values cut (not rounded) to three decimals.
        let printed: Vec<f64> = v[..4].iter().map(|x| (x * 1000.0).trunc() / 1000.0).collect();
        assert_eq!(printed, [-0.217, -0.127, -0.437, 0.025]);
        assert_eq!(v[0], -0.21764705882352942);
        assert_eq!(word_count(WORKSHOP_TEXT), 9);
    }

    #[test]
    fn matches_the_python_formula_bit_for_bit() {
        for text in [WORKSHOP_TEXT, "", "héllo wörld", "[1, 2, 3]"] {
            let ours = embed(text, WORKSHOP_DIMENSIONS, false);
            let theirs = python_formula(text);
            let ours_bits: Vec<u64> = ours.iter().map(|v| v.to_bits()).collect();
            let theirs_bits: Vec<u64> = theirs.iter().map(|v| v.to_bits()).collect();
            assert_eq!(ours_bits, theirs_bits, "text {text:?}");
        }
    }

    #[test]
    fn json_text_reads_back_to_the_same_doubles() {
        let v = embed(WORKSHOP_TEXT, WORKSHOP_DIMENSIONS, false);
        let json = serde_json::to_string(&v).unwrap();
        // Python's json.dumps of the workshop mock's list, verbatim.
        assert_eq!(
            json,
            "[-0.21764705882352942,-0.12745098039215685,-0.4372549019607843,0.025490196078431393,\
             -0.052941176470588214,-0.3156862745098039,0.02941176470588236,0.00588235294117645,\
             0.09999999999999998,0.13137254901960782]"
        );
        let back: Vec<f64> = serde_json::from_str(&json).unwrap();
        assert_eq!(v, back);
    }

    #[test]
    fn more_dimensions_extend_without_changing_the_prefix() {
        let short = embed(WORKSHOP_TEXT, 10, false);
        let long = embed(WORKSHOP_TEXT, 1024, false);
        assert_eq!(long.len(), 1024);
        assert_eq!(&long[..10], &short[..]);
        // Block 1 is a different digest, so dimension 32 does not repeat dimension 0.
        let block1 = Sha256::digest(format!("{WORKSHOP_TEXT}\u{0}1").as_bytes());
        assert_eq!(long[32], f64::from(block1[0]) / 255.0 - 0.5);
        assert!(long.iter().all(|v| (-0.5..=0.5).contains(v)));
    }

    #[test]
    fn fewer_dimensions_are_a_prefix() {
        assert_eq!(embed("abc", 3, false), embed("abc", 10, false)[..3]);
    }

    #[test]
    fn normalised_vectors_have_unit_length_and_keep_direction() {
        let raw = embed(WORKSHOP_TEXT, 64, false);
        let unit = embed(WORKSHOP_TEXT, 64, true);
        let norm: f64 = unit.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < 1e-12);
        let scale = raw[0] / unit[0];
        assert!(raw.iter().zip(&unit).all(|(r, u)| (r - u * scale).abs() < 1e-12));
    }

    #[test]
    fn token_ids_use_python_list_text() {
        assert_eq!(token_ids_text(&[1, 2, 3]), "[1, 2, 3]");
        assert_eq!(token_ids_text(&[]), "[]");
        assert_eq!(word_count(&token_ids_text(&[7, 8, 9, 10])), 4);
    }

    #[test]
    fn little_endian_f32_layout() {
        let bytes = to_le_f32_bytes(&[1.0, -0.5]);
        assert_eq!(bytes, [0, 0, 128, 63, 0, 0, 0, 191]);
    }
}
