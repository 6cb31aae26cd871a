//! The compact declaration of a flexible Kafka message: `structure!` turns a list of fields
//! (type, default, first version, optional tag) into a struct with `Default`, [`Codec`],
//! [`KafkaJson`] and [`Sample`]; `record!` adds the api key and valid versions of a metadata record and its public
//! `encode` / `decode` / `encoded_len`. Every structure keeps the tagged fields it does not know,
//! so decode-then-encode gives back the same bytes.
//!
//! A declaration reads:
//!
//! ```text
//! record! {
//!     /// Doc of the record.
//!     PartitionChangeRecord = 5, versions 0..=2 {
//!         /// Doc of the field.
//!         partition_id: i32 = -1, since 0;
//!         isr: Option<Vec<i32>>, since 0, tag 0;   // default: Default::default()
//!     }
//! }
//! ```
//!
//! Tagged fields must be declared in ascending tag order (checked at compile time); a tagged
//! field is written only when it differs from its default, as Kafka does.

use bytes::BufMut;

use crate::codec::{Codec, DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
use crate::json::KafkaJson;
use crate::sample::{Sample, SampleRng};

/// A top-level message with an api key and a range of valid versions (a metadata record).
pub trait ApiMessage:
    Codec + Sample + KafkaJson + Default + Clone + PartialEq + std::fmt::Debug
{
    /// The record's name in Kafka, e.g. `PartitionRecord`.
    const NAME: &'static str;
    /// The api key in the metadata frame.
    const API_KEY: i16;
    /// The lowest valid version.
    const LOWEST_VERSION: i16;
    /// The highest valid version.
    const HIGHEST_VERSION: i16;

    /// Whether `version` is valid for this message.
    fn is_valid_version(version: i16) -> bool {
        (Self::LOWEST_VERSION..=Self::HIGHEST_VERSION).contains(&version)
    }

    /// Reads the body at `version`, advancing `buf` (bytes after the body are left in `buf`).
    fn decode_body(buf: &mut &[u8], version: i16) -> Result<Self, DecodeError> {
        if !Self::is_valid_version(version) {
            return Err(DecodeError::new(DecodeErrorKind::UnsupportedVersion {
                version,
                lowest: Self::LOWEST_VERSION,
                highest: Self::HIGHEST_VERSION,
            })
            .within(Self::NAME, ""));
        }
        Self::read(buf, version)
    }

    /// Writes the body at `version` after checking that every field fits that version.
    fn encode_body<B: BufMut>(&self, version: i16, buf: &mut B) -> Result<(), EncodeError> {
        if !Self::is_valid_version(version) {
            return Err(EncodeError::new(EncodeErrorKind::UnsupportedVersion {
                version,
                lowest: Self::LOWEST_VERSION,
                highest: Self::HIGHEST_VERSION,
            })
            .within(Self::NAME, ""));
        }
        self.check(version)?;
        self.write(buf, version);
        Ok(())
    }

    /// A pseudo-random value valid at `version`, fixed by `seed`.
    fn sample_for_version(seed: u64, version: i16) -> Self {
        Self::sample(&mut SampleRng::new(seed), version)
    }
}

/// Whether every tag in `tags` is above the one before (used in a compile-time assertion).
pub const fn tags_ascend(tags: &[Option<u32>]) -> bool {
    let mut previous: Option<u32> = None;
    let mut i = 0;
    while i < tags.len() {
        if let Some(tag) = tags[i] {
            if let Some(previous) = previous {
                if tag <= previous {
                    return false;
                }
            }
            previous = Some(tag);
        }
        i += 1;
    }
    true
}

/// `Some(tag)` for a tagged field, `None` for a plain one.
macro_rules! field_tag {
    () => {
        None::<u32>
    };
    ($tag:literal) => {
        Some::<u32>($tag)
    };
}

/// The declared default, or `Default::default()`.
macro_rules! field_default {
    () => {
        Default::default()
    };
    ($default:expr) => {
        $default
    };
}

/// Declares a structure of a flexible message; see the module docs.
macro_rules! structure {
    (
        $(#[doc = $doc:literal])*
        $name:ident {
            $(
                $(#[doc = $field_doc:literal])*
                $field:ident : $ty:ty $(= $default:expr)?, since $since:literal $(, tag $tag:literal)? ;
            )*
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $( $(#[doc = $field_doc])* pub $field: $ty, )*
            /// Tagged fields not known at the version read, kept so re-encoding gives the same bytes.
            pub unknown_tagged_fields: Vec<$crate::codec::RawTaggedField>,
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    $( $field: field_default!($($default)?), )*
                    unknown_tagged_fields: Vec::new(),
                }
            }
        }

        const _: () = assert!(
            $crate::message::tags_ascend(&[$( field_tag!($($tag)?) ),*]),
            concat!(stringify!($name), ": tagged fields must be declared in ascending tag order")
        );

        impl $name {
            /// Whether `tag` is a tagged field this structure knows at `version`.
            #[allow(unused_variables)]
            pub fn is_known_tag(tag: u32, version: i16) -> bool {
                false $( || (field_tag!($($tag)?) == Some(tag) && version >= $since) )*
            }

            #[allow(unused_mut, unused_variables)]
            fn tagged_fields_count(&self, version: i16) -> usize {
                let mut count = self.unknown_tagged_fields.len();
                $(
                    if field_tag!($($tag)?).is_some()
                        && version >= $since
                        && !$crate::codec::is_default(&self.$field, field_default!($($default)?))
                    {
                        count += 1;
                    }
                )*
                count
            }
        }

        impl $crate::codec::Codec for $name {
            // The tagged-field count plus the fields present at every version.
            const MIN_LEN: usize = 1 $(
                + if field_tag!($($tag)?).is_none() && $since == 0 {
                    <$ty as $crate::codec::Codec>::MIN_LEN
                } else {
                    0
                }
            )*;

            #[allow(unused_mut, unused_variables)]
            fn read(buf: &mut &[u8], version: i16) -> Result<Self, $crate::codec::DecodeError> {
                let mut this = Self::default();
                $(
                    if field_tag!($($tag)?).is_none() && version >= $since {
                        this.$field = $crate::codec::Codec::read(buf, version)
                            .map_err(|err| err.within(stringify!($name), stringify!($field)))?;
                    }
                )*
                let unknown = $crate::codec::read_tagged_fields(buf, |tag, data| {
                    $(
                        if field_tag!($($tag)?) == Some(tag) && version >= $since {
                            this.$field = $crate::codec::Codec::read(data, version)
                                .map_err(|err| err.within(stringify!($name), stringify!($field)))?;
                            return Ok(true);
                        }
                    )*
                    Ok(false)
                })
                .map_err(|err| err.within(stringify!($name), "tagged fields"))?;
                this.unknown_tagged_fields = unknown;
                Ok(this)
            }

            #[allow(unused_mut, unused_variables)]
            fn write<B: bytes::BufMut>(&self, buf: &mut B, version: i16) {
                $(
                    if field_tag!($($tag)?).is_none() && version >= $since {
                        $crate::codec::Codec::write(&self.$field, buf, version);
                    }
                )*
                $crate::varint::put_uvarint(buf, self.tagged_fields_count(version) as u32);
                let mut unknown = &self.unknown_tagged_fields[..];
                $(
                    if let Some(tag) = field_tag!($($tag)?) {
                        if version >= $since
                            && !$crate::codec::is_default(&self.$field, field_default!($($default)?))
                        {
                            $crate::codec::write_raw_tagged_fields_below(buf, &mut unknown, tag);
                            $crate::codec::write_tagged_field(buf, tag, &self.$field, version);
                        }
                    }
                )*
                $crate::codec::write_raw_tagged_fields(buf, unknown);
            }

            #[allow(unused_mut, unused_variables)]
            fn size(&self, version: i16) -> usize {
                let mut size = $crate::varint::uvarint_len(self.tagged_fields_count(version) as u32)
                    + $crate::codec::raw_tagged_fields_size(&self.unknown_tagged_fields);
                $(
                    if version >= $since {
                        match field_tag!($($tag)?) {
                            None => size += $crate::codec::Codec::size(&self.$field, version),
                            Some(tag) => {
                                if !$crate::codec::is_default(&self.$field, field_default!($($default)?)) {
                                    size += $crate::codec::tagged_field_size(tag, &self.$field, version);
                                }
                            }
                        }
                    }
                )*
                size
            }

            #[allow(unused_variables)]
            fn check(&self, version: i16) -> Result<(), $crate::codec::EncodeError> {
                $(
                    if version >= $since {
                        $crate::codec::Codec::check(&self.$field, version)
                            .map_err(|err| err.within(stringify!($name), stringify!($field)))?;
                    } else if !$crate::codec::is_default(&self.$field, field_default!($($default)?)) {
                        return Err($crate::codec::EncodeError {
                            structure: stringify!($name),
                            field: stringify!($field),
                            kind: $crate::codec::EncodeErrorKind::FieldNotInVersion { version },
                        });
                    }
                )*
                $crate::codec::check_raw_tagged_fields(&self.unknown_tagged_fields, |tag| {
                    Self::is_known_tag(tag, version)
                })
                .map_err(|err| err.within(stringify!($name), "unknown_tagged_fields"))
            }
        }

        impl $crate::json::KafkaJson for $name {
            #[allow(unused_mut, unused_variables)]
            fn to_kafka_json(&self, version: i16) -> $crate::json::Value {
                let mut object = $crate::json::Map::new();
                $(
                    if version >= $since
                        && (field_tag!($($tag)?).is_none()
                            || !$crate::codec::is_default(&self.$field, field_default!($($default)?)))
                    {
                        object.insert(
                            $crate::json::camel_case(stringify!($field)),
                            $crate::json::KafkaJson::to_kafka_json(&self.$field, version),
                        );
                    }
                )*
                $crate::json::Value::Object(object)
            }
        }

        impl $crate::sample::Sample for $name {
            #[allow(unused_mut)]
            fn sample(rng: &mut $crate::sample::SampleRng, version: i16) -> Self {
                let mut this = Self::default();
                $(
                    if version >= $since {
                        this.$field = $crate::sample::Sample::sample(rng, version);
                    }
                )*
                this.unknown_tagged_fields = $crate::sample::sample_unknown_tagged_fields(rng, |tag| {
                    Self::is_known_tag(tag, version)
                });
                this
            }
        }
    };
}

/// Declares a metadata record: a [`structure!`] with an api key and valid versions.
macro_rules! record {
    (
        $(#[doc = $doc:literal])*
        $name:ident = $key:literal, versions $lowest:literal ..= $highest:literal { $($body:tt)* }
    ) => {
        structure! {
            $(#[doc = $doc])*
            $name { $($body)* }
        }

        impl $crate::message::ApiMessage for $name {
            const NAME: &'static str = stringify!($name);
            const API_KEY: i16 = $key;
            const LOWEST_VERSION: i16 = $lowest;
            const HIGHEST_VERSION: i16 = $highest;
        }

        impl $name {
            /// Reads the record body at `version` (bytes after it are left in `buf`).
            pub fn decode(buf: &mut &[u8], version: i16) -> Result<Self, $crate::codec::DecodeError> {
                <Self as $crate::message::ApiMessage>::decode_body(buf, version)
            }

            /// Writes the record body at `version`, after checking every field fits that version.
            pub fn encode<B: bytes::BufMut>(
                &self,
                version: i16,
                buf: &mut B,
            ) -> Result<(), $crate::codec::EncodeError> {
                <Self as $crate::message::ApiMessage>::encode_body(self, version, buf)
            }

            /// Bytes [`encode`](Self::encode) writes at `version`.
            pub fn encoded_len(&self, version: i16) -> usize {
                $crate::codec::Codec::size(self, version)
            }
        }
    };
}
