//! Vectors as bytes, laid out as vLLM's `tensor2binary` lays them out for `encoding_format`
//! `base64` and `bytes`: cast to float32 (the model's output), then to `embed_dtype`, in the
//! requested byte order (`native` is the server's: little-endian here).

use crate::openai::embeddings::{EmbedDType, Endianness};

/// Bytes per value of `dtype`.
pub fn dtype_size(dtype: EmbedDType) -> usize {
    match dtype {
        EmbedDType::Float32 => 4,
        EmbedDType::Float16 | EmbedDType::Bfloat16 => 2,
        EmbedDType::Fp8E4m3 | EmbedDType::Fp8E5m2 => 1,
    }
}

/// Appends `values` to `out` as `dtype` in `endianness`.
pub fn write_values(out: &mut Vec<u8>, values: &[f64], dtype: EmbedDType, endianness: Endianness) {
    let big = match endianness {
        Endianness::Big => true,
        Endianness::Little => false,
        Endianness::Native => cfg!(target_endian = "big"),
    };
    out.reserve(values.len() * dtype_size(dtype));
    for &value in values {
        let value = value as f32;
        match dtype {
            EmbedDType::Float32 => out.extend(if big { value.to_be_bytes() } else { value.to_le_bytes() }),
            EmbedDType::Float16 => {
                let half = half::f16::from_f32(value);
                out.extend(if big { half.to_be_bytes() } else { half.to_le_bytes() });
            }
            EmbedDType::Bfloat16 => {
                let half = half::bf16::from_f32(value);
                out.extend(if big { half.to_be_bytes() } else { half.to_le_bytes() });
            }
            EmbedDType::Fp8E4m3 => out.push(float8::F8E4M3::from_f32(value).to_bits()),
            EmbedDType::Fp8E5m2 => out.push(float8::F8E5M2::from_f32(value).to_bits()),
        }
    }
}

/// `values` as `dtype` in `endianness`.
pub fn to_bytes(values: &[f64], dtype: EmbedDType, endianness: Endianness) -> Vec<u8> {
    let mut out = Vec::new();
    write_values(&mut out, values, dtype, endianness);
    out
}

/// Reads back what `to_bytes` wrote, as a client decodes it (for tests and examples).
pub fn from_bytes(bytes: &[u8], dtype: EmbedDType, endianness: Endianness) -> Vec<f32> {
    let big = endianness == Endianness::Big || (endianness == Endianness::Native && cfg!(target_endian = "big"));
    bytes
        .chunks_exact(dtype_size(dtype))
        .map(|chunk| match dtype {
            EmbedDType::Float32 => {
                let raw = [chunk[0], chunk[1], chunk[2], chunk[3]];
                if big {
                    f32::from_be_bytes(raw)
                } else {
                    f32::from_le_bytes(raw)
                }
            }
            EmbedDType::Float16 => {
                let raw = [chunk[0], chunk[1]];
                if big {
                    half::f16::from_be_bytes(raw)
                } else {
                    half::f16::from_le_bytes(raw)
                }
                .to_f32()
            }
            EmbedDType::Bfloat16 => {
                let raw = [chunk[0], chunk[1]];
                if big {
                    half::bf16::from_be_bytes(raw)
                } else {
                    half::bf16::from_le_bytes(raw)
                }
                .to_f32()
            }
            EmbedDType::Fp8E4m3 => float8::F8E4M3::from_bits(chunk[0]).to_f32(),
            EmbedDType::Fp8E5m2 => float8::F8E5M2::from_bits(chunk[0]).to_f32(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUES: [f64; 4] = [-0.21764705882352942, 0.5, -0.5, 0.025490196078431393];

    #[test]
    fn float32_little_endian_is_what_openai_clients_decode() {
        assert_eq!(
            to_bytes(&[1.0, -0.5], EmbedDType::Float32, Endianness::Native),
            [0, 0, 128, 63, 0, 0, 0, 191]
        );
        assert_eq!(to_bytes(&[1.0], EmbedDType::Float32, Endianness::Big), [63, 128, 0, 0]);
    }

    #[test]
    fn every_dtype_and_byte_order_round_trips_within_its_precision() {
        // vLLM's own test allows 1e-2 between float and the encoded values.
        for &dtype in EmbedDType::ALL {
            for &endianness in Endianness::ALL {
                let bytes = to_bytes(&VALUES, dtype, endianness);
                assert_eq!(bytes.len(), VALUES.len() * dtype_size(dtype));
                let back = from_bytes(&bytes, dtype, endianness);
                let tolerance = if matches!(dtype, EmbedDType::Fp8E4m3 | EmbedDType::Fp8E5m2) {
                    0.04
                } else {
                    1e-2
                };
                for (a, b) in VALUES.iter().zip(&back) {
                    assert!(
                        (a - f64::from(*b)).abs() <= tolerance,
                        "{dtype} {endianness}: {a} vs {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn known_bit_patterns() {
        // 0.5 in each format: f16 0x3800, bf16 0x3F00, e4m3 0x30, e5m2 0x38.
        assert_eq!(to_bytes(&[0.5], EmbedDType::Float16, Endianness::Big), [0x38, 0x00]);
        assert_eq!(to_bytes(&[0.5], EmbedDType::Bfloat16, Endianness::Big), [0x3F, 0x00]);
        assert_eq!(to_bytes(&[0.5], EmbedDType::Fp8E4m3, Endianness::Native), [0x30]);
        assert_eq!(to_bytes(&[0.5], EmbedDType::Fp8E5m2, Endianness::Little), [0x38]);
    }
}
