//! pydantic's lax mode on a JSON value: what it takes as an integer or a boolean, and how it
//! words what it does not. The serde deserializers of `validation` (the good path) and the
//! schema walk of `pydantic` (the error path) both read these, so the two paths cannot drift.

use serde_json::Value;

/// An integer as lax mode takes it, or pydantic's error type and message.
pub(crate) fn lax_int(value: &Value) -> Result<i128, (&'static str, &'static str)> {
    const FRACTION: &str = "Input should be a valid integer, got a number with a fractional part";
    const PARSING: &str = "Input should be a valid integer, unable to parse string as an integer";
    match value {
        Value::Bool(b) => Ok(i128::from(*b)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i128::from(i))
            } else if let Some(u) = n.as_u64() {
                Ok(i128::from(u))
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if !f.is_finite() {
                    Err(("finite_number", "Input should be a finite number"))
                } else if f.fract() != 0.0 {
                    Err(("int_from_float", FRACTION))
                } else {
                    Ok(f as i128)
                }
            }
        }
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i128>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().filter(|f| f.fract() == 0.0).map(|f| f as i128))
                .ok_or(("int_parsing", PARSING))
        }
        _ => Err(("int_type", "Input should be a valid integer")),
    }
}

/// A boolean as lax mode takes it, or pydantic's error type and message.
pub(crate) fn lax_bool(value: &Value) -> Result<bool, (&'static str, &'static str)> {
    const PARSING: &str = "Input should be a valid boolean, unable to interpret input";
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) => match n.as_f64() {
            Some(0.0) => Ok(false),
            Some(1.0) => Ok(true),
            _ if n.is_f64() => Err(("bool_type", "Input should be a valid boolean")),
            _ => Err(("bool_parsing", PARSING)),
        },
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "0" | "off" | "f" | "false" | "n" | "no" => Ok(false),
            "1" | "on" | "t" | "true" | "y" | "yes" => Ok(true),
            _ => Err(("bool_parsing", PARSING)),
        },
        _ => Err(("bool_type", "Input should be a valid boolean")),
    }
}
