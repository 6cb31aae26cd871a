//! Kafka's variable-length integers: unsigned varints (protocol lengths and tags) and zig-zag
//! varints/varlongs (record fields), each read with a hard bound on its byte length so a run of
//! continuation bytes can never make a reader loop or overflow.

use bytes::BufMut;

/// Why a varint could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VarintError {
    /// The input ended before the varint's last byte.
    #[error("input ends inside a varint")]
    Truncated,
    /// The varint has more bytes, or more value bits, than its type holds.
    #[error("varint does not fit in {bits} bits")]
    Overflow {
        /// The width of the integer being read.
        bits: u32,
    },
}

/// Reads an unsigned varint of at most 64 value bits with at most `max_bytes` bytes.
fn read_raw(buf: &mut &[u8], bits: u32) -> Result<u64, VarintError> {
    let max_bytes = bits.div_ceil(7) as usize;
    let mut value: u64 = 0;
    for i in 0..max_bytes {
        let Some((&byte, rest)) = buf.split_first() else {
            return Err(VarintError::Truncated);
        };
        *buf = rest;
        let shift = 7 * i as u32;
        let part = u64::from(byte & 0x7f);
        if shift + 7 > bits && (part >> (bits - shift)) != 0 {
            return Err(VarintError::Overflow { bits });
        }
        value |= part << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(VarintError::Overflow { bits })
}

/// Reads an unsigned 32-bit varint (compact lengths, tags, frame fields).
pub fn read_uvarint(buf: &mut &[u8]) -> Result<u32, VarintError> {
    read_raw(buf, 32).map(|v| v as u32)
}

/// Reads a zig-zag encoded 32-bit varint (record lengths, offset deltas, key lengths).
pub fn read_varint(buf: &mut &[u8]) -> Result<i32, VarintError> {
    let raw = read_raw(buf, 32)? as u32;
    Ok(((raw >> 1) as i32) ^ -((raw & 1) as i32))
}

/// Reads a zig-zag encoded 64-bit varlong (record timestamp deltas).
pub fn read_varlong(buf: &mut &[u8]) -> Result<i64, VarintError> {
    let raw = read_raw(buf, 64)?;
    Ok(((raw >> 1) as i64) ^ -((raw & 1) as i64))
}

fn put_raw(buf: &mut impl BufMut, mut value: u64) {
    while value >= 0x80 {
        buf.put_u8((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    buf.put_u8(value as u8);
}

/// Writes an unsigned 32-bit varint.
pub fn put_uvarint(buf: &mut impl BufMut, value: u32) {
    put_raw(buf, u64::from(value));
}

/// Writes a zig-zag encoded 32-bit varint.
pub fn put_varint(buf: &mut impl BufMut, value: i32) {
    put_raw(buf, u64::from(((value << 1) ^ (value >> 31)) as u32));
}

/// Writes a zig-zag encoded 64-bit varlong.
pub fn put_varlong(buf: &mut impl BufMut, value: i64) {
    put_raw(buf, ((value << 1) ^ (value >> 63)) as u64);
}

fn raw_len(value: u64) -> usize {
    let bits = 64 - (value | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Bytes [`put_uvarint`] writes for `value`.
pub fn uvarint_len(value: u32) -> usize {
    raw_len(u64::from(value))
}

/// Bytes [`put_varint`] writes for `value`.
pub fn varint_len(value: i32) -> usize {
    raw_len(u64::from(((value << 1) ^ (value >> 31)) as u32))
}

/// Bytes [`put_varlong`] writes for `value`.
pub fn varlong_len(value: i64) -> usize {
    raw_len(((value << 1) ^ (value >> 63)) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_encodings() {
        let mut out = Vec::new();
        put_varint(&mut out, -1);
        put_varint(&mut out, 1);
        put_uvarint(&mut out, 300);
        assert_eq!(out, [0x01, 0x02, 0xac, 0x02]);
        let mut input = &out[..];
        assert_eq!(read_varint(&mut input), Ok(-1));
        assert_eq!(read_varint(&mut input), Ok(1));
        assert_eq!(read_uvarint(&mut input), Ok(300));
        assert!(input.is_empty());
    }

    #[test]
    fn extremes_round_trip() {
        for v in [0, 1, -1, i32::MIN, i32::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert_eq!(out.len(), varint_len(v));
            assert_eq!(read_varint(&mut &out[..]), Ok(v));
        }
        for v in [0, 1, -1, i64::MIN, i64::MAX] {
            let mut out = Vec::new();
            put_varlong(&mut out, v);
            assert_eq!(out.len(), varlong_len(v));
            assert_eq!(read_varlong(&mut &out[..]), Ok(v));
        }
        let mut out = Vec::new();
        put_uvarint(&mut out, u32::MAX);
        assert_eq!(out.len(), uvarint_len(u32::MAX));
        assert_eq!(read_uvarint(&mut &out[..]), Ok(u32::MAX));
    }

    #[test]
    fn rejects_overlong_and_truncated() {
        assert_eq!(
            read_uvarint(&mut &[0xff, 0xff, 0xff, 0xff, 0x1f][..]),
            Err(VarintError::Overflow { bits: 32 })
        );
        assert_eq!(
            read_uvarint(&mut &[0x80, 0x80, 0x80, 0x80, 0x80, 0x01][..]),
            Err(VarintError::Overflow { bits: 32 })
        );
        assert_eq!(read_uvarint(&mut &[0x80][..]), Err(VarintError::Truncated));
        assert_eq!(
            read_varlong(&mut &[0xff; 11][..]),
            Err(VarintError::Overflow { bits: 64 })
        );
    }
}
