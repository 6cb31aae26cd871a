//! Decoding and encoding errors, each naming the structure and field it concerns.

use std::fmt;

use super::MAX_STRING_LENGTH;
use crate::varint::VarintError;

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
