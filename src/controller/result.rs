//! What a request handler returns: the records to append and the response to send once they
//! are committed (Kafka's `ControllerResult`), and the Kafka error of one failed item.

use kafka_protocol::ResponseError;
use yakt_wire::MetadataRecord;

/// The most records one user operation may produce (Kafka's `MAX_RECORDS_PER_USER_OP`);
/// past it the whole request fails with POLICY_VIOLATION.
pub const MAX_RECORDS_PER_USER_OP: usize = 10_000;

/// Records to append (each with its version) and the response to send after they commit.
#[derive(Debug, Clone, PartialEq)]
pub struct ControllerResult<R> {
    /// The records, in order.
    pub records: Vec<(MetadataRecord, i16)>,
    /// The response.
    pub response: R,
    /// Whether the records must land in one batch (all or nothing).
    pub atomic: bool,
}

impl<R> ControllerResult<R> {
    /// Records that may be split across batches.
    pub fn of(records: Vec<(MetadataRecord, i16)>, response: R) -> ControllerResult<R> {
        ControllerResult {
            records,
            response,
            atomic: false,
        }
    }

    /// Records that must be appended as one batch.
    pub fn atomic(records: Vec<(MetadataRecord, i16)>, response: R) -> ControllerResult<R> {
        ControllerResult {
            records,
            response,
            atomic: true,
        }
    }

    /// A response with no records.
    pub fn response_only(response: R) -> ControllerResult<R> {
        ControllerResult::of(Vec::new(), response)
    }
}

/// A Kafka error code and message for one request, topic or partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The error code (0 for none).
    pub code: i16,
    /// The message, if any.
    pub message: Option<String>,
}

impl ApiError {
    /// No error.
    pub const NONE: ApiError = ApiError {
        code: 0,
        message: None,
    };

    /// `error` with a message.
    pub fn new(error: ResponseError, message: impl Into<String>) -> ApiError {
        ApiError {
            code: error.code(),
            message: Some(message.into()),
        }
    }

    /// `error` with no message.
    pub fn bare(error: ResponseError) -> ApiError {
        ApiError {
            code: error.code(),
            message: None,
        }
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.code != 0
    }

    /// The error as kafka-protocol's enum (`None` for no error).
    pub fn error(&self) -> Option<ResponseError> {
        ResponseError::try_from_code(self.code)
    }
}

/// The error when an operation would write more than [`MAX_RECORDS_PER_USER_OP`] records.
pub fn too_many_records() -> ApiError {
    ApiError::new(
        ResponseError::PolicyViolation,
        "Unable to perform excessively large batch operation.",
    )
}
