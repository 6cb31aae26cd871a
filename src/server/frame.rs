//! Kafka's request framing: a big-endian `int32` size, then that many bytes.
//!
//! Owns the check that comes before any allocation: a size that is negative or above
//! `socket.request.max.bytes` is rejected from the four size bytes alone, so a peer cannot make
//! yakt reserve memory it never sends. An incomplete frame is not an error (style: check, then
//! parse); an invalid one ends that connection only.

use bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder;

/// Why a frame was refused. Each one closes the connection that sent it.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The size prefix was negative.
    #[error("negative frame size {0}")]
    NegativeSize(i32),
    /// The size prefix was above `socket.request.max.bytes`.
    #[error("frame size {size} is above socket.request.max.bytes={max}")]
    TooLarge {
        /// The declared size.
        size: i32,
        /// The configured bound.
        max: i32,
    },
    /// The socket failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Splits a byte stream into request frames (without their size prefix).
#[derive(Debug, Clone)]
pub struct FrameCodec {
    max_frame_bytes: i32,
}

impl FrameCodec {
    /// A codec that refuses frames above `max_frame_bytes` (Kafka's `socket.request.max.bytes`).
    pub fn new(max_frame_bytes: i32) -> Self {
        Self { max_frame_bytes }
    }
}

impl Decoder for FrameCodec {
    type Item = BytesMut;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, FrameError> {
        if src.len() < 4 {
            return Ok(None);
        }
        let size = i32::from_be_bytes([src[0], src[1], src[2], src[3]]);
        if size < 0 {
            return Err(FrameError::NegativeSize(size));
        }
        if size > self.max_frame_bytes {
            return Err(FrameError::TooLarge {
                size,
                max: self.max_frame_bytes,
            });
        }
        let total = 4 + size as usize;
        if src.len() < total {
            // Reserve only up to what was declared, and the declared size is bounded above.
            src.reserve(total - src.len());
            return Ok(None);
        }
        src.advance(4);
        Ok(Some(src.split_to(size as usize)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut out = (body.len() as i32).to_be_bytes().to_vec();
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn split_frames_wait_for_the_rest() {
        let mut codec = FrameCodec::new(100);
        let bytes = frame(b"hello");
        let mut buf = BytesMut::new();
        for (i, byte) in bytes.iter().enumerate() {
            buf.extend_from_slice(&[*byte]);
            let got = codec.decode(&mut buf).unwrap();
            if i + 1 < bytes.len() {
                assert!(got.is_none(), "frame complete after {} bytes", i + 1);
            } else {
                assert_eq!(&got.unwrap()[..], b"hello");
            }
        }
        assert!(buf.is_empty());
    }

    #[test]
    fn coalesced_frames_come_out_one_by_one() {
        let mut codec = FrameCodec::new(100);
        let mut buf = BytesMut::new();
        buf.extend_from_slice(&frame(b"one"));
        buf.extend_from_slice(&frame(b""));
        buf.extend_from_slice(&frame(b"three"));
        assert_eq!(&codec.decode(&mut buf).unwrap().unwrap()[..], b"one");
        assert_eq!(&codec.decode(&mut buf).unwrap().unwrap()[..], b"");
        assert_eq!(&codec.decode(&mut buf).unwrap().unwrap()[..], b"three");
        assert!(codec.decode(&mut buf).unwrap().is_none());
    }

    #[test]
    fn oversize_is_refused_before_the_body_arrives() {
        let mut codec = FrameCodec::new(100);
        let mut buf = BytesMut::from(&101i32.to_be_bytes()[..]);
        assert!(matches!(
            codec.decode(&mut buf),
            Err(FrameError::TooLarge {
                size: 101,
                max: 100
            })
        ));
        let mut buf = BytesMut::from(&100i32.to_be_bytes()[..]);
        assert!(codec.decode(&mut buf).unwrap().is_none());
    }

    #[test]
    fn negative_size_is_refused() {
        let mut codec = FrameCodec::new(100);
        let mut buf = BytesMut::from(&(-1i32).to_be_bytes()[..]);
        assert!(matches!(
            codec.decode(&mut buf),
            Err(FrameError::NegativeSize(-1))
        ));
    }
}
