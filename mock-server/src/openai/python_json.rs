//! Python's `json.loads`, as FastAPI runs it on a request body: what it accepts that serde does
//! not (a repeated key, whose last value wins; `NaN` and `Infinity`; a UTF-8 byte-order mark;
//! lone surrogate escapes) and, for a body it refuses, CPython's own `JSONDecodeError` message
//! and position (a character index, not a byte offset).
//!
//! serde parses every good body; this runs only on the error path, to answer as vLLM does.

use serde_json::{Map, Number, Value};

use super::validation::Loc;

/// Why Python refused a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Not text in the encoding Python detects, or nested deeper than Python's recursion limit
    /// lets it read: no `JSONDecodeError`, so FastAPI answers
    /// `{"detail": "There was an error parsing the body"}`.
    Unreadable,
    /// A `JSONDecodeError`.
    Invalid(DecodeError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub msg: &'static str,
    /// Characters before the error.
    pub pos: usize,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for DecodeError {
    /// `str(JSONDecodeError)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: line {} column {} (char {})",
            self.msg, self.line, self.column, self.pos
        )
    }
}

/// What Python read that a JSON value cannot hold, found first where it stands; it is left
/// as `null` (a float) or U+FFFD (a surrogate) in the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unheld {
    /// `NaN`, `Infinity`, `-Infinity` or a float too large, as Python prints it (`inf`).
    NonFinite { loc: Vec<Loc>, repr: &'static str },
    /// A `\uXXXX` surrogate without its pair.
    LoneSurrogate,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Loaded {
    pub value: Value,
    pub unheld: Option<Unheld>,
}

/// How many arrays and objects deep vLLM 0.33.0 reads a body before Python's recursion limit
/// stops it (found against the oracle: 972 levels are read, 973 are not).
const MAX_DEPTH: usize = 972;

/// Python's `RecursionError`, carried as a decode error until `loads` sorts it out.
const TOO_DEEP: &str = "maximum recursion depth exceeded";
const EXPECTING_VALUE: &str = "Expecting value";
const EXPECTING_NAME: &str = "Expecting property name enclosed in double quotes";

/// `json.loads(body)` on the body's bytes.
pub fn loads(body: &[u8]) -> Result<Loaded, Refused> {
    let chars = decode(body).ok_or(Refused::Unreadable)?;
    let mut scanner = Scanner {
        chars: &chars,
        path: Vec::new(),
        unheld: None,
    };
    let document = scanner.document();
    let unheld = scanner.unheld;
    document.map(|value| Loaded { value, unheld }).map_err(|(msg, pos)| {
        if msg == TOO_DEEP {
            return Refused::Unreadable;
        }
        let before = &chars[..pos.min(chars.len())];
        let line = 1 + before.iter().filter(|c| **c == '\n').count();
        let column = match before.iter().rposition(|c| *c == '\n') {
            Some(newline) => pos - newline,
            None => pos + 1,
        };
        Refused::Invalid(DecodeError { msg, pos, line, column })
    })
}

/// The body's characters, in the encoding `json.detect_encoding` picks: a byte-order mark's,
/// else UTF-16 or UTF-32 where the first bytes hold zeros, else UTF-8.
fn decode(body: &[u8]) -> Option<Vec<char>> {
    use Endian::{Big, Little};
    let (width, endian, skip) = match body {
        [0, 0, 0xfe, 0xff, ..] => (4, Big, 4),
        [0xff, 0xfe, 0, 0, ..] => (4, Little, 4),
        [0xfe, 0xff, ..] => (2, Big, 2),
        [0xff, 0xfe, ..] => (2, Little, 2),
        [0xef, 0xbb, 0xbf, ..] => (1, Big, 3),
        [0, b, ..] if body.len() >= 4 => (if *b == 0 { 4 } else { 2 }, Big, 0),
        [_, 0, c, d, ..] => (if *c == 0 && *d == 0 { 4 } else { 2 }, Little, 0),
        [0, _] => (2, Big, 0),
        [_, 0] => (2, Little, 0),
        _ => (1, Big, 0),
    };
    let body = &body[skip..];
    let unit = |bytes: &[u8]| {
        let fold = |acc: u32, b: &u8| (acc << 8) | u32::from(*b);
        match endian {
            Big => bytes.iter().fold(0, fold),
            Little => bytes.iter().rev().fold(0, fold),
        }
    };
    match width {
        1 => std::str::from_utf8(body).ok().map(|text| text.chars().collect()),
        2 if body.len().is_multiple_of(2) => {
            let units = body.chunks(2).map(|pair| unit(pair) as u16);
            char::decode_utf16(units).collect::<Result<_, _>>().ok()
        }
        4 if body.len().is_multiple_of(4) => body.chunks(4).map(|quad| char::from_u32(unit(quad))).collect(),
        _ => None,
    }
}

#[derive(Clone, Copy)]
enum Endian {
    Big,
    Little,
}

type Scanned<T> = Result<T, (&'static str, usize)>;

/// CPython's `_json` scanner: each step reads from a character index and says where it ended.
struct Scanner<'a> {
    chars: &'a [char],
    /// Where the value being read stands.
    path: Vec<Loc>,
    unheld: Option<Unheld>,
}

impl Scanner<'_> {
    fn at(&self, idx: usize) -> Option<char> {
        self.chars.get(idx).copied()
    }

    fn skip_whitespace(&self, mut idx: usize) -> usize {
        while matches!(self.at(idx), Some(' ' | '\t' | '\n' | '\r')) {
            idx += 1;
        }
        idx
    }

    fn starts_with(&self, idx: usize, word: &str) -> bool {
        word.chars().enumerate().all(|(i, c)| self.at(idx + i) == Some(c))
    }

    fn hold(&mut self, unheld: impl FnOnce(&[Loc]) -> Unheld) {
        if self.unheld.is_none() {
            self.unheld = Some(unheld(&self.path));
        }
    }

    fn document(&mut self) -> Scanned<Value> {
        let start = self.skip_whitespace(0);
        let (value, end) = self.value(start)?;
        let end = self.skip_whitespace(end);
        if end != self.chars.len() {
            return Err(("Extra data", end));
        }
        Ok(value)
    }

    fn value(&mut self, idx: usize) -> Scanned<(Value, usize)> {
        const NON_FINITE: [(&str, &str); 3] = [("NaN", "nan"), ("Infinity", "inf"), ("-Infinity", "-inf")];
        if let Some((word, repr)) = NON_FINITE.into_iter().find(|(word, _)| self.starts_with(idx, word)) {
            self.hold(|loc| Unheld::NonFinite {
                loc: loc.to_vec(),
                repr,
            });
            return Ok((Value::Null, idx + word.len()));
        }
        let word = |word: &str, value: Value| self.starts_with(idx, word).then(|| (value, idx + word.len()));
        let found = match self.at(idx) {
            None => None,
            Some('"') => return self.string(idx + 1).map(|(s, end)| (Value::String(s), end)),
            Some('{' | '[') if self.path.len() >= MAX_DEPTH => return Err((TOO_DEEP, idx)),
            Some('{') => return self.object(idx + 1),
            Some('[') => return self.array(idx + 1),
            Some('n') => word("null", Value::Null),
            Some('t') => word("true", Value::Bool(true)),
            Some('f') => word("false", Value::Bool(false)),
            Some(_) => match self.number(idx) {
                Some((Some(number), end)) => Some((Value::Number(number), end)),
                Some((None, end)) => {
                    let repr = if self.at(idx) == Some('-') { "-inf" } else { "inf" };
                    self.hold(|loc| Unheld::NonFinite {
                        loc: loc.to_vec(),
                        repr,
                    });
                    Some((Value::Null, end))
                }
                None => None,
            },
        };
        found.ok_or((EXPECTING_VALUE, idx))
    }

    /// `-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?`, each optional part only when complete.
    /// The number and where it ends; no number for a float past `f64`'s range (Python's `inf`).
    fn number(&self, start: usize) -> Option<(Option<Number>, usize)> {
        let digits = |mut idx: usize| {
            while self.at(idx).is_some_and(|c| c.is_ascii_digit()) {
                idx += 1;
            }
            idx
        };
        let mut idx = start + usize::from(self.at(start) == Some('-'));
        match self.at(idx)? {
            '0' => idx += 1,
            '1'..='9' => idx = digits(idx),
            _ => return None,
        }
        let mut float = false;
        if self.at(idx) == Some('.') && self.at(idx + 1).is_some_and(|c| c.is_ascii_digit()) {
            idx = digits(idx + 1);
            float = true;
        }
        if matches!(self.at(idx), Some('e' | 'E')) {
            let sign = usize::from(matches!(self.at(idx + 1), Some('+' | '-')));
            let exponent = idx + 1 + sign;
            if self.at(exponent).is_some_and(|c| c.is_ascii_digit()) {
                idx = digits(exponent);
                float = true;
            }
        }
        let text: String = self.chars[start..idx].iter().collect();
        let number = if float {
            text.parse::<f64>().ok().and_then(Number::from_f64)
        } else {
            // Python's ints have no bound; past u64, the nearest float stands in, as serde's does.
            text.parse::<i64>()
                .map(Number::from)
                .or_else(|_| text.parse::<u64>().map(Number::from))
                .ok()
                .or_else(|| text.parse::<f64>().ok().and_then(Number::from_f64))
        };
        Some((number, idx))
    }

    /// A string's body, from just after its opening quote.
    fn string(&mut self, start: usize) -> Scanned<(String, usize)> {
        let unterminated = ("Unterminated string starting at", start - 1);
        let mut out = String::new();
        let mut idx = start;
        loop {
            let c = self.at(idx).ok_or(unterminated)?;
            match c {
                '"' => return Ok((out, idx + 1)),
                '\\' => {
                    let escape = self.at(idx + 1).ok_or(unterminated)?;
                    let plain = match escape {
                        '"' => Some('"'),
                        '\\' => Some('\\'),
                        '/' => Some('/'),
                        'b' => Some('\u{8}'),
                        'f' => Some('\u{c}'),
                        'n' => Some('\n'),
                        'r' => Some('\r'),
                        't' => Some('\t'),
                        'u' => None,
                        _ => return Err(("Invalid \\escape", idx)),
                    };
                    match plain {
                        Some(c) => {
                            out.push(c);
                            idx += 2;
                        }
                        None => {
                            let (c, end) = self.unicode_escape(idx + 1)?;
                            out.push(c);
                            idx = end;
                        }
                    }
                }
                c if u32::from(c) < 0x20 => return Err(("Invalid control character at", idx)),
                c => {
                    out.push(c);
                    idx += 1;
                }
            }
        }
    }

    /// `\uXXXX` from its `u`, joined with a following low surrogate's escape.
    fn unicode_escape(&mut self, u: usize) -> Scanned<(char, usize)> {
        let high = self.hex4(u)?;
        let end = u + 5;
        if (0xd800..0xdc00).contains(&high) && self.at(end) == Some('\\') && self.at(end + 1) == Some('u') {
            let low = self.hex4(end + 1)?;
            if (0xdc00..0xe000).contains(&low) {
                let joined = 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
                return Ok((char::from_u32(joined).unwrap_or('\u{fffd}'), end + 6));
            }
        }
        let single = char::from_u32(high);
        if single.is_none() {
            self.hold(|_| Unheld::LoneSurrogate);
        }
        Ok((single.unwrap_or('\u{fffd}'), end))
    }

    fn hex4(&self, u: usize) -> Scanned<u32> {
        let invalid = ("Invalid \\uXXXX escape", u);
        // CPython wants a character after the four digits, the closing quote at least.
        if u + 5 >= self.chars.len() {
            return Err(invalid);
        }
        let digits: String = self.chars[u + 1..u + 5].iter().collect();
        if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(invalid);
        }
        u32::from_str_radix(&digits, 16).map_err(|_| invalid)
    }

    fn object(&mut self, start: usize) -> Scanned<(Value, usize)> {
        let mut map = Map::new();
        let mut idx = self.skip_whitespace(start);
        if self.at(idx) == Some('}') {
            return Ok((Value::Object(map), idx + 1));
        }
        loop {
            if self.at(idx) != Some('"') {
                return Err((EXPECTING_NAME, idx));
            }
            let (key, end) = self.string(idx + 1)?;
            idx = self.skip_whitespace(end);
            if self.at(idx) != Some(':') {
                return Err(("Expecting ':' delimiter", idx));
            }
            self.path.push(Loc::Key(key.clone()));
            let (value, end) = self.value(self.skip_whitespace(idx + 1))?;
            self.path.pop();
            // A repeated key: the last value wins, as in a Python dict.
            map.insert(key, value);
            idx = self.skip_whitespace(end);
            match self.at(idx) {
                Some('}') => return Ok((Value::Object(map), idx + 1)),
                Some(',') => idx = self.skip_whitespace(idx + 1),
                _ => return Err(("Expecting ',' delimiter", idx)),
            }
        }
    }

    fn array(&mut self, start: usize) -> Scanned<(Value, usize)> {
        let mut items = Vec::new();
        let mut idx = self.skip_whitespace(start);
        if self.at(idx) == Some(']') {
            return Ok((Value::Array(items), idx + 1));
        }
        loop {
            self.path.push(Loc::Index(items.len()));
            let (value, end) = self.value(idx)?;
            self.path.pop();
            items.push(value);
            idx = self.skip_whitespace(end);
            match self.at(idx) {
                Some(']') => return Ok((Value::Array(items), idx + 1)),
                Some(',') => idx = self.skip_whitespace(idx + 1),
                _ => return Err(("Expecting ',' delimiter", idx)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(body: &str) -> (&'static str, usize) {
        match loads(body.as_bytes()) {
            Err(Refused::Invalid(e)) => (e.msg, e.pos),
            other => panic!("{body:?}: {other:?}"),
        }
    }

    /// Each refusal as CPython 3.11's `json.loads` gives it (`python3 -c 'import json;
    /// json.loads(...)'`, the version vLLM 0.33.0 runs on here).
    #[test]
    fn refusals_are_cpythons() {
        let cases = [
            ("{", EXPECTING_NAME, 1),
            ("[", EXPECTING_VALUE, 1),
            (r#"{"a""#, "Expecting ':' delimiter", 4),
            (r#"{"a":"#, EXPECTING_VALUE, 5),
            (r#"{"a":1"#, "Expecting ',' delimiter", 6),
            (r#"{"a":1,}"#, EXPECTING_NAME, 7),
            ("[1,]", EXPECTING_VALUE, 3),
            ("", EXPECTING_VALUE, 0),
            (" ", EXPECTING_VALUE, 1),
            ("-", EXPECTING_VALUE, 0),
            ("01", "Extra data", 1),
            ("[01]", "Expecting ',' delimiter", 2),
            ("1.", "Extra data", 1),
            ("1e+", "Extra data", 1),
            (r#""abc"#, "Unterminated string starting at", 0),
            ("\"a\\", "Unterminated string starting at", 0),
            (r#""a\x""#, "Invalid \\escape", 2),
            (r#""\u12""#, "Invalid \\uXXXX escape", 2),
            (r#""\ud800\u12""#, "Invalid \\uXXXX escape", 8),
            ("\"a\tb\"", "Invalid control character at", 2),
            ("{1:2}", EXPECTING_NAME, 1),
            ("nul", EXPECTING_VALUE, 0),
            ("null x", "Extra data", 5),
            ("[-]", EXPECTING_VALUE, 1),
            (r#"{"é":"x" x}"#, "Expecting ',' delimiter", 9),
            ("[1,\n 2,\n x]", EXPECTING_VALUE, 9),
        ];
        for (body, msg, pos) in cases {
            assert_eq!(refused(body), (msg, pos), "{body:?}");
        }
    }

    #[test]
    fn what_python_accepts_and_serde_does_not() {
        let value = |body: &[u8]| loads(body).unwrap().value;
        assert_eq!(value(br#"{"a": 1, "a": 2}"#), serde_json::json!({"a": 2}));
        assert_eq!(value(b"\xef\xbb\xbf{}"), serde_json::json!({}));
        let unheld = |body: &[u8]| loads(body).unwrap().unheld;
        assert_eq!(
            unheld(br#"{"a": [1, -Infinity, NaN]}"#),
            Some(Unheld::NonFinite {
                loc: vec!["a".into(), Loc::Index(1)],
                repr: "-inf"
            })
        );
        assert_eq!(
            unheld(br#"{"d": 1e400}"#),
            Some(Unheld::NonFinite {
                loc: vec!["d".into()],
                repr: "inf"
            })
        );
        assert_eq!(unheld(br#""\ud83d\ude00""#), None);
        assert_eq!(unheld(br#""\ud800""#), Some(Unheld::LoneSurrogate));
        assert_eq!(loads(b"\"\xff\""), Err(Refused::Unreadable));
        // A UTF-16 byte-order mark, then `{`.
        assert!(matches!(loads(&[0xff, 0xfe, b'{', 0]), Err(Refused::Invalid(e)) if e.pos == 1));
        assert!(matches!(loads(b"[\0"), Err(Refused::Invalid(e)) if e.pos == 1));
    }

    #[test]
    fn its_text_names_line_column_and_character() {
        let Err(Refused::Invalid(error)) = loads(b"{\n  x") else {
            panic!()
        };
        assert_eq!(
            error.to_string(),
            "Expecting property name enclosed in double quotes: line 2 column 3 (char 4)"
        );
    }
}
