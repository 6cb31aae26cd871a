//! The tagged-field section of a flexible structure: read with bounds and ascending-tag checks,
//! and written with the unknown fields merged among the known ones in tag order.

use bytes::{BufMut, Bytes};

use super::{
    check_compact_length, take, Codec, DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind,
};
use crate::varint;

/// A tagged field this crate does not know, kept so that re-encoding is byte-identical.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawTaggedField {
    /// The tag.
    pub tag: u32,
    /// The field's bytes.
    pub data: Bytes,
}

/// Reads a tagged-field section. `known(tag, data)` decodes a tag the structure knows at this
/// version from exactly `data` and returns `Ok(true)`, or returns `Ok(false)` for a tag it does
/// not know, which is then kept in the returned list.
pub fn read_tagged_fields(
    buf: &mut &[u8],
    mut known: impl FnMut(u32, &mut &[u8]) -> Result<bool, DecodeError>,
) -> Result<Vec<RawTaggedField>, DecodeError> {
    let count = varint::read_uvarint(buf)?;
    // Each tagged field takes at least two bytes: its tag and its size.
    if count as usize > buf.len() / 2 {
        return Err(DecodeError::new(DecodeErrorKind::LengthPastEnd {
            length: u64::from(count),
            left: buf.len(),
        }));
    }
    let mut unknown = Vec::new();
    let mut previous: Option<u32> = None;
    for _ in 0..count {
        let tag = varint::read_uvarint(buf)?;
        if let Some(previous) = previous.filter(|&previous| tag <= previous) {
            return Err(DecodeError::new(DecodeErrorKind::TagOrder {
                tag,
                previous,
            }));
        }
        previous = Some(tag);
        let size = varint::read_uvarint(buf)? as usize;
        if size > buf.len() {
            return Err(DecodeError::new(DecodeErrorKind::LengthPastEnd {
                length: size as u64,
                left: buf.len(),
            }));
        }
        let mut data = take(buf, size)?;
        if known(tag, &mut data)? {
            if !data.is_empty() {
                return Err(DecodeError::new(DecodeErrorKind::TaggedFieldSize {
                    tag,
                    size,
                    used: size - data.len(),
                }));
            }
        } else {
            unknown.push(RawTaggedField {
                tag,
                data: Bytes::copy_from_slice(data),
            });
        }
    }
    Ok(unknown)
}

/// Writes one tagged field: tag, size, value.
pub fn write_tagged_field<T: Codec, B: BufMut>(buf: &mut B, tag: u32, value: &T, version: i16) {
    varint::put_uvarint(buf, tag);
    varint::put_uvarint(buf, value.size(version) as u32);
    value.write(buf, version);
}

/// Bytes [`write_tagged_field`] produces.
pub fn tagged_field_size<T: Codec>(tag: u32, value: &T, version: i16) -> usize {
    let size = value.size(version);
    varint::uvarint_len(tag) + varint::uvarint_len(size as u32) + size
}

/// Writes the unknown tagged fields whose tag is below `limit`, advancing `unknown` past them.
pub fn write_raw_tagged_fields_below<B: BufMut>(
    buf: &mut B,
    unknown: &mut &[RawTaggedField],
    limit: u32,
) {
    let below = unknown.partition_point(|field| field.tag < limit);
    write_raw_tagged_fields(buf, &unknown[..below]);
    *unknown = &unknown[below..];
}

/// Writes all of `unknown`.
pub fn write_raw_tagged_fields<B: BufMut>(buf: &mut B, unknown: &[RawTaggedField]) {
    for field in unknown {
        varint::put_uvarint(buf, field.tag);
        varint::put_uvarint(buf, field.data.len() as u32);
        buf.put_slice(&field.data);
    }
}

/// Bytes the unknown tagged fields take in a tagged-field section.
pub fn raw_tagged_fields_size(unknown: &[RawTaggedField]) -> usize {
    unknown
        .iter()
        .map(|field| {
            varint::uvarint_len(field.tag)
                + varint::uvarint_len(field.data.len() as u32)
                + field.data.len()
        })
        .sum()
}

/// Checks that unknown tags ascend and that none is a tag the structure knows at this version.
pub fn check_raw_tagged_fields(
    unknown: &[RawTaggedField],
    is_known: impl Fn(u32) -> bool,
) -> Result<(), EncodeError> {
    let mut previous: Option<u32> = None;
    for field in unknown {
        let out_of_order = previous.is_some_and(|previous| field.tag <= previous);
        if out_of_order || is_known(field.tag) {
            return Err(EncodeError::new(EncodeErrorKind::BadUnknownTag {
                tag: field.tag,
            }));
        }
        check_compact_length(field.data.len())?;
        previous = Some(field.tag);
    }
    Ok(())
}
