//! Codec primitives of Kafka's flexible message format, as used by every metadata record: fixed
//! integers, bool, float64, uuid, compact strings/bytes/arrays (uvarint length + 1, 0 = null) and
//! the tagged-field section (uvarint count, then ascending tag / size / bytes).
//!
//! Decoding is bounded: every length and count is checked against the bytes left before anything
//! is allocated, and every failure is a [`DecodeError`] naming the structure and field.

use std::fmt;

use bytes::{BufMut, Bytes};

use crate::uuid::Uuid;
use crate::varint::{self, VarintError};

/// Kafka's limit on a string's encoded length (`Short.MAX_VALUE`).
pub const MAX_STRING_LENGTH: usize = 0x7fff;

/// Most elements an array reserves room for before reading them.
const MAX_PREALLOCATED_ELEMENTS: usize = 1024;

/// What was wrong with the bytes of one field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    /// The input ended inside a fixed-size value.
    #[error("needs {needed} bytes but {left} are left")]
    Truncated {
        /// Bytes the value needs.
        needed: usize,
        /// Bytes left.
        left: usize,
    },
    /// A varint could not be read.
    #[error("bad varint: {0}")]
    Varint(#[from] VarintError),
    /// A null length where the field is not nullable.
    #[error("null in a non-nullable field")]
    UnexpectedNull,
    /// A length or count that cannot fit in the bytes left.
    #[error("length {length} cannot fit in the {left} bytes left")]
    LengthPastEnd {
        /// The length or count read (an array count is scaled by its smallest element size).
        length: u64,
        /// Bytes left.
        left: usize,
    },
    /// A string longer than Kafka allows.
    #[error("string length {length} is over the {MAX_STRING_LENGTH}-byte limit")]
    StringTooLong {
        /// Bytes in the string.
        length: usize,
    },
    /// A string that is not UTF-8.
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    /// Tagged fields out of ascending order, or repeated.
    #[error("tag {tag} follows tag {previous}; tags must ascend")]
    TagOrder {
        /// The tag read.
        tag: u32,
        /// The tag before it.
        previous: u32,
    },
    /// A known tagged field whose value did not fill its declared size exactly.
    #[error("tagged field {tag} declares {size} bytes but its value takes {used}")]
    TaggedFieldSize {
        /// The tag.
        tag: u32,
        /// The size in the section.
        size: usize,
        /// Bytes the value used.
        used: usize,
    },
    /// A version outside the structure's valid versions.
    #[error("version {version} is outside {lowest}..={highest}")]
    UnsupportedVersion {
        /// The version asked for.
        version: i16,
        /// The lowest valid version.
        lowest: i16,
        /// The highest valid version.
        highest: i16,
    },
}

/// A decoding failure, with the structure and field it happened in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The structure being read (a record or a nested structure), empty if unknown.
    pub structure: &'static str,
    /// The field being read, empty if unknown or the whole structure.
    pub field: &'static str,
    /// What was wrong.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// An error with no location yet.
    pub fn new(kind: DecodeErrorKind) -> DecodeError {
        DecodeError {
            structure: "",
            field: "",
            kind,
        }
    }

    /// Names the structure and field, unless an inner structure already did.
    pub fn within(mut self, structure: &'static str, field: &'static str) -> DecodeError {
        if self.structure.is_empty() {
            self.structure = structure;
            self.field = field;
        }
        self
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.structure, self.field) {
            ("", _) => write!(f, "{}", self.kind),
            (structure, "") => write!(f, "{structure}: {}", self.kind),
            (structure, field) => write!(f, "{structure}.{field}: {}", self.kind),
        }
    }
}

impl std::error::Error for DecodeError {}

impl From<VarintError> for DecodeError {
    fn from(err: VarintError) -> DecodeError {
        DecodeError::new(err.into())
    }
}

/// What makes a value impossible to encode at a version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeErrorKind {
    /// A version outside the structure's valid versions.
    #[error("version {version} is outside {lowest}..={highest}")]
    UnsupportedVersion {
        /// The version asked for.
        version: i16,
        /// The lowest valid version.
        lowest: i16,
        /// The highest valid version.
        highest: i16,
    },
    /// A field that does not exist at this version holds a value other than its default.
    #[error("field has a non-default value but does not exist at version {version}")]
    FieldNotInVersion {
        /// The version asked for.
        version: i16,
    },
    /// A string longer than Kafka allows.
    #[error("string length {length} is over the {MAX_STRING_LENGTH}-byte limit")]
    StringTooLong {
        /// Bytes in the string.
        length: usize,
    },
    /// An array or byte string too long for a compact length.
    #[error("length {length} is too long for a compact length")]
    TooLong {
        /// Elements or bytes.
        length: usize,
    },
    /// Unknown tagged fields out of ascending order, or colliding with a known tag.
    #[error("unknown tagged field {tag} is out of order or collides with a known tag")]
    BadUnknownTag {
        /// The offending tag.
        tag: u32,
    },
}

/// An encoding failure, with the structure and field it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeError {
    /// The structure being written.
    pub structure: &'static str,
    /// The field, empty for the whole structure.
    pub field: &'static str,
    /// What was wrong.
    pub kind: EncodeErrorKind,
}

impl EncodeError {
    /// An error with no location yet.
    pub fn new(kind: EncodeErrorKind) -> EncodeError {
        EncodeError {
            structure: "",
            field: "",
            kind,
        }
    }

    /// Names the structure and field, unless an inner structure already did.
    pub fn within(mut self, structure: &'static str, field: &'static str) -> EncodeError {
        if self.structure.is_empty() {
            self.structure = structure;
            self.field = field;
        }
        self
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.structure, self.field) {
            ("", _) => write!(f, "{}", self.kind),
            (structure, "") => write!(f, "{structure}: {}", self.kind),
            (structure, field) => write!(f, "{structure}.{field}: {}", self.kind),
        }
    }
}

impl std::error::Error for EncodeError {}

/// A value with a wire form in Kafka's flexible format. `version` matters only to structures.
pub trait Codec: Sized {
    /// The fewest bytes one value takes; bounds array counts before allocation.
    const MIN_LEN: usize;
    /// Reads one value, advancing `buf`.
    fn read(buf: &mut &[u8], version: i16) -> Result<Self, DecodeError>;
    /// Writes the value. Call [`check`](Codec::check) first: this does not fail.
    fn write<B: BufMut>(&self, buf: &mut B, version: i16);
    /// Bytes [`write`](Codec::write) produces.
    fn size(&self, version: i16) -> usize;
    /// Whether the value can be written at `version`.
    fn check(&self, _version: i16) -> Result<(), EncodeError> {
        Ok(())
    }
}

fn take<'a>(buf: &mut &'a [u8], needed: usize) -> Result<&'a [u8], DecodeError> {
    if buf.len() < needed {
        return Err(DecodeError::new(DecodeErrorKind::Truncated {
            needed,
            left: buf.len(),
        }));
    }
    let (taken, rest) = buf.split_at(needed);
    *buf = rest;
    Ok(taken)
}

macro_rules! fixed_codec {
    ($($ty:ty),*) => {$(
        impl Codec for $ty {
            const MIN_LEN: usize = std::mem::size_of::<$ty>();
            fn read(buf: &mut &[u8], _version: i16) -> Result<Self, DecodeError> {
                let bytes = take(buf, Self::MIN_LEN)?;
                let mut array = [0u8; std::mem::size_of::<$ty>()];
                array.copy_from_slice(bytes);
                Ok(<$ty>::from_be_bytes(array))
            }
            fn write<B: BufMut>(&self, buf: &mut B, _version: i16) {
                buf.put_slice(&self.to_be_bytes());
            }
            fn size(&self, _version: i16) -> usize {
                Self::MIN_LEN
            }
        }
    )*};
}

fixed_codec!(i8, i16, i32, i64, u16, f64);

impl Codec for bool {
    const MIN_LEN: usize = 1;
    fn read(buf: &mut &[u8], _version: i16) -> Result<Self, DecodeError> {
        Ok(take(buf, 1)?[0] != 0)
    }
    fn write<B: BufMut>(&self, buf: &mut B, _version: i16) {
        buf.put_u8(u8::from(*self));
    }
    fn size(&self, _version: i16) -> usize {
        1
    }
}

impl Codec for Uuid {
    const MIN_LEN: usize = 16;
    fn read(buf: &mut &[u8], _version: i16) -> Result<Self, DecodeError> {
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(take(buf, 16)?);
        Ok(Uuid::from_bytes(bytes))
    }
    fn write<B: BufMut>(&self, buf: &mut B, _version: i16) {
        buf.put_slice(&self.to_bytes());
    }
    fn size(&self, _version: i16) -> usize {
        16
    }
}

/// A value written as a compact length (uvarint length + 1, 0 = null) and a body: strings, byte
/// strings and arrays. The `Option` of one is its nullable form.
pub trait Compact: Sized {
    /// Fewest bytes one unit of `length` takes in the body.
    const UNIT_LEN: usize;
    /// Reads a body of `length` units; `length * UNIT_LEN` bytes are known to be present.
    fn read_body(buf: &mut &[u8], length: usize, version: i16) -> Result<Self, DecodeError>;
    /// Units written in the length prefix.
    fn length(&self) -> usize;
    /// Writes the body.
    fn write_body<B: BufMut>(&self, buf: &mut B, version: i16);
    /// Bytes of the body.
    fn body_size(&self, version: i16) -> usize;
    /// Whether the value can be written at `version`.
    fn check_body(&self, version: i16) -> Result<(), EncodeError>;
}

/// Reads a compact length: `None` for null, else the length, bounded by the bytes left.
fn read_compact_length<T: Compact>(buf: &mut &[u8]) -> Result<Option<usize>, DecodeError> {
    let raw = varint::read_uvarint(buf)?;
    let Some(length) = raw.checked_sub(1) else {
        return Ok(None);
    };
    let length = length as usize;
    if (length as u64) * (T::UNIT_LEN as u64) > buf.len() as u64 {
        return Err(DecodeError::new(DecodeErrorKind::LengthPastEnd {
            length: length as u64,
            left: buf.len(),
        }));
    }
    Ok(Some(length))
}

fn check_compact_length(length: usize) -> Result<(), EncodeError> {
    if length >= u32::MAX as usize {
        return Err(EncodeError::new(EncodeErrorKind::TooLong { length }));
    }
    Ok(())
}

impl<T: Compact> Codec for Option<T> {
    const MIN_LEN: usize = 1;
    fn read(buf: &mut &[u8], version: i16) -> Result<Self, DecodeError> {
        match read_compact_length::<T>(buf)? {
            None => Ok(None),
            Some(length) => T::read_body(buf, length, version).map(Some),
        }
    }
    fn write<B: BufMut>(&self, buf: &mut B, version: i16) {
        match self {
            None => varint::put_uvarint(buf, 0),
            Some(value) => {
                varint::put_uvarint(buf, value.length() as u32 + 1);
                value.write_body(buf, version);
            }
        }
    }
    fn size(&self, version: i16) -> usize {
        match self {
            None => 1,
            Some(value) => {
                varint::uvarint_len(value.length() as u32 + 1) + value.body_size(version)
            }
        }
    }
    fn check(&self, version: i16) -> Result<(), EncodeError> {
        match self {
            None => Ok(()),
            Some(value) => value.check_body(version),
        }
    }
}

/// Implements [`Codec`] for a non-nullable [`Compact`] type: null is an error.
macro_rules! non_null_compact {
    ($(impl$(<$param:ident: $bound:path>)? for $ty:ty;)*) => {$(
        impl$(<$param: $bound>)? Codec for $ty {
            const MIN_LEN: usize = 1;
            fn read(buf: &mut &[u8], version: i16) -> Result<Self, DecodeError> {
                match read_compact_length::<Self>(buf)? {
                    None => Err(DecodeError::new(DecodeErrorKind::UnexpectedNull)),
                    Some(length) => Self::read_body(buf, length, version),
                }
            }
            fn write<B: BufMut>(&self, buf: &mut B, version: i16) {
                varint::put_uvarint(buf, self.length() as u32 + 1);
                self.write_body(buf, version);
            }
            fn size(&self, version: i16) -> usize {
                varint::uvarint_len(self.length() as u32 + 1) + self.body_size(version)
            }
            fn check(&self, version: i16) -> Result<(), EncodeError> {
                self.check_body(version)
            }
        }
    )*};
}

non_null_compact! {
    impl for String;
    impl for Bytes;
    impl<T: Codec> for Vec<T>;
}

impl Compact for String {
    const UNIT_LEN: usize = 1;
    fn read_body(buf: &mut &[u8], length: usize, _version: i16) -> Result<Self, DecodeError> {
        if length > MAX_STRING_LENGTH {
            return Err(DecodeError::new(DecodeErrorKind::StringTooLong { length }));
        }
        let bytes = take(buf, length)?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| DecodeError::new(DecodeErrorKind::InvalidUtf8))
    }
    fn length(&self) -> usize {
        self.len()
    }
    fn write_body<B: BufMut>(&self, buf: &mut B, _version: i16) {
        buf.put_slice(self.as_bytes());
    }
    fn body_size(&self, _version: i16) -> usize {
        self.len()
    }
    fn check_body(&self, _version: i16) -> Result<(), EncodeError> {
        if self.len() > MAX_STRING_LENGTH {
            return Err(EncodeError::new(EncodeErrorKind::StringTooLong {
                length: self.len(),
            }));
        }
        Ok(())
    }
}

impl Compact for Bytes {
    const UNIT_LEN: usize = 1;
    fn read_body(buf: &mut &[u8], length: usize, _version: i16) -> Result<Self, DecodeError> {
        Ok(Bytes::copy_from_slice(take(buf, length)?))
    }
    fn length(&self) -> usize {
        self.len()
    }
    fn write_body<B: BufMut>(&self, buf: &mut B, _version: i16) {
        buf.put_slice(self);
    }
    fn body_size(&self, _version: i16) -> usize {
        self.len()
    }
    fn check_body(&self, _version: i16) -> Result<(), EncodeError> {
        check_compact_length(self.len())
    }
}

impl<T: Codec> Compact for Vec<T> {
    const UNIT_LEN: usize = T::MIN_LEN;
    fn read_body(buf: &mut &[u8], length: usize, version: i16) -> Result<Self, DecodeError> {
        // The count is already bounded by the bytes left; the up-front capacity is bounded too,
        // so memory grows with the elements actually read.
        let mut items = Vec::with_capacity(length.min(MAX_PREALLOCATED_ELEMENTS));
        for _ in 0..length {
            items.push(T::read(buf, version)?);
        }
        Ok(items)
    }
    fn length(&self) -> usize {
        self.len()
    }
    fn write_body<B: BufMut>(&self, buf: &mut B, version: i16) {
        for item in self {
            item.write(buf, version);
        }
    }
    fn body_size(&self, version: i16) -> usize {
        self.iter().map(|item| item.size(version)).sum()
    }
    fn check_body(&self, version: i16) -> Result<(), EncodeError> {
        check_compact_length(self.len())?;
        self.iter().try_for_each(|item| item.check(version))
    }
}

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

/// Whether `value` equals `default` (a helper for the generated code, which fixes the type).
pub fn is_default<T: PartialEq>(value: &T, default: T) -> bool {
    *value == default
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_counts_fail_before_allocating() {
        // Compact array count 2^31 - 1 of int32 with four bytes behind it.
        let input = [0x80, 0x80, 0x80, 0x80, 0x08, 0, 0, 0, 0];
        let err = <Vec<i32>>::read(&mut &input[..], 0).unwrap_err();
        assert!(
            matches!(err.kind, DecodeErrorKind::LengthPastEnd { .. }),
            "{err}"
        );
        let err = <Option<String>>::read(&mut &input[..], 0).unwrap_err();
        assert!(
            matches!(err.kind, DecodeErrorKind::LengthPastEnd { .. }),
            "{err}"
        );
        let err = read_tagged_fields(&mut &input[..], |_, _| Ok(false)).unwrap_err();
        assert!(
            matches!(err.kind, DecodeErrorKind::LengthPastEnd { .. }),
            "{err}"
        );
    }

    #[test]
    fn null_is_rejected_where_not_nullable() {
        assert_eq!(<Option<String>>::read(&mut &[0u8][..], 0), Ok(None));
        let err = String::read(&mut &[0u8][..], 0).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::UnexpectedNull);
    }

    #[test]
    fn strings_are_bounded_and_utf8() {
        let long = "x".repeat(MAX_STRING_LENGTH + 1);
        assert!(long.check(0).is_err());
        let mut out = Vec::new();
        long.write(&mut out, 0);
        let err = String::read(&mut &out[..], 0).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::StringTooLong { .. }));
        let err = String::read(&mut &[3u8, 0xff, 0xfe][..], 0).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::InvalidUtf8);
    }

    #[test]
    fn tags_must_ascend() {
        let input = [2u8, 5, 0, 3, 0];
        let err = read_tagged_fields(&mut &input[..], |_, _| Ok(false)).unwrap_err();
        assert_eq!(
            err.kind,
            DecodeErrorKind::TagOrder {
                tag: 3,
                previous: 5
            }
        );
    }
}
