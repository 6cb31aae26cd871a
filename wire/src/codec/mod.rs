//! Codec primitives of Kafka's flexible message format, as used by every metadata record: fixed
//! integers, bool, float64, uuid, compact strings/bytes/arrays (uvarint length + 1, 0 = null) and
//! the tagged-field section (uvarint count, then ascending tag / size / bytes).
//!
//! Decoding is bounded: every length and count is checked against the bytes left before anything
//! is allocated, and every failure is a [`DecodeError`] naming the structure and field.

use bytes::{BufMut, Bytes};

use crate::uuid::Uuid;
use crate::varint;

mod error;
mod tagged;

pub use error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
pub use tagged::{
    check_raw_tagged_fields, raw_tagged_fields_size, read_tagged_fields, tagged_field_size,
    write_raw_tagged_fields, write_raw_tagged_fields_below, write_tagged_field, RawTaggedField,
};

/// Kafka's limit on a string's encoded length (`Short.MAX_VALUE`).
pub const MAX_STRING_LENGTH: usize = 0x7fff;

/// Most elements an array reserves room for before reading them.
const MAX_PREALLOCATED_ELEMENTS: usize = 1024;

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
