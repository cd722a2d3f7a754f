//! Varint-delimited Bitswap frames on a stream, with the spec's limits.
//!
//! The declared frame length is judged before a byte of the body is read or allocated (beetswap checks only the
//! size of the varint prefix; a hostile peer could then make it allocate whatever it declares), and the body's
//! buffer grows only as its bytes arrive, each step charged to the caller's budget (see `budget`).

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use prost::Message as _;

use super::encode;
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
    /// The node-wide budget for unfinished frames refused this one.
    #[error("{0}")]
    Budget(String),
}

/// A frame's buffer starts at this size (or the frame's, if smaller) and doubles as bytes arrive.
const FIRST_CHUNK: usize = 64 << 10;

/// Reads one message; `Ok(None)` when the stream ends cleanly between frames.
pub async fn read_message<R: AsyncRead + Unpin>(r: &mut R, max: usize) -> Result<Option<Message>, FrameError> {
    read_message_with(r, max, &mut |_| Ok(())).await
}

/// Reads one message, charging its buffer to `grow` as it grows with the bytes that arrive (never on the declared
/// length alone: a peer that declares 4 MiB and sends 10 bytes costs 10 bytes' worth). A refused charge ends the
/// read with [`FrameError::Budget`]. Block bytes in the message share the frame's buffer (no copy).
pub async fn read_message_with<R: AsyncRead + Unpin>(
    r: &mut R,
    max: usize,
    grow: &mut (dyn FnMut(usize) -> Result<(), String> + Send),
) -> Result<Option<Message>, FrameError> {
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
            let body = read_body(r, len as usize, grow).await?;
            return Ok(Some(Message::decode(bytes::Bytes::from(body))?));
        }
    }
    Err(FrameError::BadVarint)
}

/// The `len` bytes of a frame's body, in a buffer that doubles (each step charged) as they arrive.
async fn read_body<R: AsyncRead + Unpin>(
    r: &mut R,
    len: usize,
    grow: &mut (dyn FnMut(usize) -> Result<(), String> + Send),
) -> Result<Vec<u8>, FrameError> {
    let mut body: Vec<u8> = Vec::new();
    let mut filled = 0;
    while filled < len {
        if filled == body.len() {
            let next = if body.is_empty() { len.min(FIRST_CHUNK) } else { (body.len() * 2).min(len) };
            grow(next - body.len()).map_err(FrameError::Budget)?;
            body.reserve_exact(next - body.len());
            body.resize(next, 0);
        }
        match r.read(&mut body[filled..]).await {
            Ok(0) => return Err(FrameError::Truncated),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(FrameError::Io(e)),
        }
    }
    Ok(body)
}

/// Writes one message as a frame and flushes it. The frame is written part by part (`encode::frame`): block bytes
/// go from the `Bytes` the store read straight into the stream, never into an encoded copy. Each part is one
/// yamux data frame or more: a block adds one small frame (its tag and length) to the frames yamux splits it into.
pub async fn write_message<W: AsyncWrite + Unpin>(w: &mut W, msg: &Message) -> std::io::Result<()> {
    for part in encode::frame(msg).parts() {
        w.write_all(part).await?;
    }
    w.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::bitswap::message::{Wantlist, WantlistEntry};
    use crate::node::bitswap::protocol::{Outgoing, Version};
    use crate::node::block::{self, Block};

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

    #[test]
    fn the_buffer_grows_as_bytes_arrive_and_each_step_is_charged() {
        // 4 MiB declared, 10 bytes sent: one first chunk charged, not 4 MiB.
        let mut frame = Vec::new();
        prost::encoding::encode_varint(MAX_MESSAGE as u64, &mut frame);
        frame.extend_from_slice(&[0u8; 10]);
        let mut charged = Vec::new();
        let mut grow = |n: usize| {
            charged.push(n);
            Ok(())
        };
        assert!(matches!(
            block_on(read_message_with(&mut &frame[..], MAX_MESSAGE, &mut grow)),
            Err(FrameError::Truncated)
        ));
        assert_eq!(charged, vec![FIRST_CHUNK]);

        // A whole 3 MiB message: charged in doubling steps that add up to its length exactly.
        let block = Block::from_data(cid::Version::V1, block::RAW, block::SHA2_256, vec![5u8; 3 << 20]).unwrap();
        let msg = Outgoing { blocks: vec![block.clone()], ..Default::default() }.to_message(Version::V120);
        let mut buf = Vec::new();
        block_on(write_message(&mut buf, &msg)).unwrap();
        let mut charged = Vec::new();
        let mut grow = |n: usize| {
            charged.push(n);
            Ok(())
        };
        let got = block_on(read_message_with(&mut &buf[..], MAX_MESSAGE, &mut grow)).unwrap().unwrap();
        assert_eq!(got.payload[0].data, block.data().clone());
        let body = buf.len() - 4; // a 4-byte varint prefix
        assert_eq!(charged.iter().sum::<usize>(), body);
        assert_eq!(charged[..3], [FIRST_CHUNK, FIRST_CHUNK, 2 * FIRST_CHUNK]);

        // A refused step ends the read with the reason.
        let mut grow = |n: usize| if n > FIRST_CHUNK { Err("no room".to_string()) } else { Ok(()) };
        match block_on(read_message_with(&mut &buf[..], MAX_MESSAGE, &mut grow)) {
            Err(FrameError::Budget(why)) => assert_eq!(why, "no room"),
            other => panic!("{other:?}"),
        }
    }
}
