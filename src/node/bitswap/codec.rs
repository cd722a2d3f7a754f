//! Varint-delimited Bitswap frames on a stream, with the spec's limits.
//!
//! The declared frame length is judged before a byte of the body is read or allocated (beetswap checks only the
//! size of the varint prefix; a hostile peer could then make it allocate whatever it declares).

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use prost::Message as _;

use super::message::Message;

/// The Bitswap spec's message limit, in both directions.
pub const MAX_MESSAGE: usize = 4 << 20;

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("frame of {0} bytes declared, over the {MAX_MESSAGE}-byte limit")]
    TooLarge(u64),
    #[error("frame length varint is malformed")]
    BadVarint,
    #[error("stream ended inside a frame")]
    Truncated,
    #[error("invalid Bitswap message: {0}")]
    Decode(#[from] prost::DecodeError),
    #[error("stream I/O: {0}")]
    Io(std::io::Error),
}

/// Reads one message; `Ok(None)` when the stream ends cleanly between frames.
pub async fn read_message<R: AsyncRead + Unpin>(r: &mut R, max: usize) -> Result<Option<Message>, FrameError> {
    let mut len: u64 = 0;
    for i in 0..10 {
        let mut byte = [0u8];
        match r.read(&mut byte).await {
            Ok(0) if i == 0 => return Ok(None),
            Ok(0) => return Err(FrameError::Truncated),
            Ok(_) => {}
            Err(e) => return Err(FrameError::Io(e)),
        }
        len |= u64::from(byte[0] & 0x7f) << (7 * i);
        if len > max as u64 {
            return Err(FrameError::TooLarge(len));
        }
        if byte[0] & 0x80 == 0 {
            let mut body = vec![0u8; len as usize];
            r.read_exact(&mut body).await.map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => FrameError::Truncated,
                _ => FrameError::Io(e),
            })?;
            return Ok(Some(Message::decode(&body[..])?));
        }
    }
    Err(FrameError::BadVarint)
}

/// Writes one message as a frame and flushes it.
pub async fn write_message<W: AsyncWrite + Unpin>(w: &mut W, msg: &Message) -> std::io::Result<()> {
    let body = msg.encode_length_delimited_to_vec();
    w.write_all(&body).await?;
    w.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::bitswap::message::{Wantlist, WantlistEntry};

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        futures::executor::block_on(f)
    }

    #[test]
    fn frames_round_trip_and_end_cleanly() {
        let msg = Message {
            wantlist: Some(Wantlist {
                entries: vec![WantlistEntry { block: vec![1, 2], ..Default::default() }],
                full: true,
            }),
            ..Default::default()
        };
        let mut buf = Vec::new();
        block_on(write_message(&mut buf, &msg)).unwrap();
        block_on(write_message(&mut buf, &msg)).unwrap();
        let mut r = &buf[..];
        assert_eq!(block_on(read_message(&mut r, MAX_MESSAGE)).unwrap(), Some(msg.clone()));
        assert_eq!(block_on(read_message(&mut r, MAX_MESSAGE)).unwrap(), Some(msg));
        assert_eq!(block_on(read_message(&mut r, MAX_MESSAGE)).unwrap(), None);
    }

    #[test]
    fn the_declared_length_is_judged_not_the_prefix_size() {
        // 4 MiB + 1 declared in a 4-byte varint: refused before reading a body that is not even there.
        let mut frame = Vec::new();
        prost::encoding::encode_varint((MAX_MESSAGE + 1) as u64, &mut frame);
        let err = block_on(read_message(&mut &frame[..], MAX_MESSAGE)).unwrap_err();
        assert!(matches!(err, FrameError::TooLarge(n) if n == (MAX_MESSAGE + 1) as u64), "{err}");
        // Exactly 4 MiB is fine (then truncated here).
        let mut frame = Vec::new();
        prost::encoding::encode_varint(MAX_MESSAGE as u64, &mut frame);
        assert!(matches!(block_on(read_message(&mut &frame[..], MAX_MESSAGE)), Err(FrameError::Truncated)));
        // A varint that never ends, and one cut short.
        assert!(block_on(read_message(&mut &[0x80u8; 12][..], usize::MAX)).is_err());
        assert!(matches!(block_on(read_message(&mut &[0x85u8][..], MAX_MESSAGE)), Err(FrameError::Truncated)));
        // Garbage protobuf.
        assert!(matches!(
            block_on(read_message(&mut &[3u8, 0xff, 0xff, 0xff][..], MAX_MESSAGE)),
            Err(FrameError::Decode(_))
        ));
    }
}
