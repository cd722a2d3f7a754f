//! Varint-delimited Bitswap frames on a stream, with the spec's limits.
//!
//! The declared frame length is judged before a byte of the body is read or allocated (beetswap checks only the
//! size of the varint prefix; a hostile peer could then make it allocate whatever it declares). The body is read
//! into one buffer of the declared length whose pages are touched only as its bytes arrive, and each step of
//! what arrived is charged to the caller's budget (see `budget`); block bytes are slices of that buffer.

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use prost::Message as _;

use super::encode;
use super::message::Message;
use crate::node::copies::{self, Site};

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

/// The budget is charged this much for a frame's first bytes (or the frame's size, if smaller), then double the
/// charge each time the bytes that arrived reach it.
const FIRST_CHUNK: usize = 64 << 10;
/// Bytes of a frame's buffer zeroed ahead of a read.
const READ_AHEAD: usize = 256 << 10;

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
            let frame = body.as_ptr_range();
            let msg = Message::decode(body)?;
            count_decode_copies(&msg, frame);
            return Ok(Some(msg));
        }
    }
    Err(FrameError::BadVarint)
}

/// The `len` bytes of a frame's body, read into one buffer of the declared size, so that no byte that arrived is
/// ever moved (a buffer that doubled moved up to the whole frame again: 0.5 copies per block byte, counted). The
/// capacity is reserved, not used: the pages are mapped as bytes are written into them, and what the budget is
/// charged still follows the bytes that arrive, in doubling steps, never the declared length alone.
async fn read_body<R: AsyncRead + Unpin>(
    r: &mut R,
    len: usize,
    grow: &mut (dyn FnMut(usize) -> Result<(), String> + Send),
) -> Result<bytes::Bytes, FrameError> {
    let mut body = bytes::BytesMut::with_capacity(len);
    let (mut charged, mut filled) = (0, 0);
    while filled < len {
        if filled == charged {
            let next = if charged == 0 { len.min(FIRST_CHUNK) } else { (charged * 2).min(len) };
            grow(next - charged).map_err(FrameError::Budget)?;
            charged = next;
        }
        if filled == body.len() {
            // A `futures` reader takes initialised memory: zeroed just ahead of the read, still in cache when it
            // overwrites them.
            body.resize(charged.min(filled + READ_AHEAD), 0);
        }
        match r.read(&mut body[filled..]).await {
            Ok(0) => return Err(FrameError::Truncated),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(FrameError::Io(e)),
        }
    }
    copies::record(Site::FrameRead, len);
    Ok(body.freeze())
}

/// Counts the block bytes of `msg` that do not point into the frame buffer `frame` (a decoder that copied them).
fn count_decode_copies(msg: &Message, frame: std::ops::Range<*const u8>) {
    let blocks = msg.blocks.iter().chain(msg.payload.iter().map(|p| &p.data));
    for data in blocks.filter(|d| !d.is_empty() && !frame.contains(&d.as_ptr())) {
        copies::record(Site::Decode, data.len());
    }
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
    fn block_bytes_are_slices_of_one_frame_buffer() {
        let blocks: Vec<Block> = (0..3u8)
            .map(|i| Block::from_data(cid::Version::V1, block::RAW, block::SHA2_256, vec![i; 700 << 10]).unwrap())
            .collect();
        let msg = Outgoing { blocks: blocks.clone(), ..Default::default() }.to_message(Version::V120);
        let mut buf = Vec::new();
        block_on(write_message(&mut buf, &msg)).unwrap();
        let got = block_on(read_message(&mut &buf[..], MAX_MESSAGE)).unwrap().unwrap();
        let datas: Vec<&bytes::Bytes> = got.payload.iter().map(|p| &p.data).collect();
        assert_eq!(datas.len(), 3);
        for (d, b) in datas.iter().zip(&blocks) {
            assert_eq!(*d, b.data());
        }
        // All three within one allocation of the frame's size: the decoder shared the frame buffer, copied nothing.
        let (first, last) = (datas[0].as_ptr() as usize, datas[2].as_ptr() as usize + datas[2].len());
        assert!(last - first < buf.len(), "{first:x}..{last:x} spans more than the {}-byte frame", buf.len());
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
