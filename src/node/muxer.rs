//! yamux (`/yamux/1.0.0`) for TCP connections, with data frames as large as one noise message.
//!
//! libp2p-yamux 0.48 exposes only the stream limit, and rust-yamux's default splits every write into 16 KiB
//! data frames and flushes after each: over noise that is one 16,414-byte encrypted message, and one socket
//! write, per 16 KiB. A Helia client pays for each message and frame in JavaScript (decrypt call, yamux frame,
//! stream event, length-prefix decoder step): measured, it spent ~15 % more CPU fetching the same file from
//! swarmscope than from Helia, whose js-yamux sends 64 KiB frames (BENCHMARKS.md, "Issue 15: serving Helia").
//! Here a data frame carries up to `SPLIT_SEND_SIZE` bytes so that frame and header fill one noise message
//! exactly. Everything else is yamux's default, as libp2p-yamux configures it; the muxer glue mirrors what
//! libp2p-yamux does (inbound streams made while the connection is driven are buffered, bounded).

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures::{AsyncRead, AsyncWrite, future};
use libp2p::core::muxing::{StreamMuxer, StreamMuxerEvent};
use libp2p::core::upgrade::{InboundConnectionUpgrade, OutboundConnectionUpgrade, UpgradeInfo};

/// The plaintext libp2p-noise puts in one transport message at most (65,535 bytes less 1,024 it keeps for the
/// tag and key material: 64,511), less yamux's 12-byte frame header: one data frame, one noise message. (65,507,
/// the noise protocol's own maximum less the header, measured: each frame went out as a 64,511-byte message and a
/// 1,008-byte one.)
pub const SPLIT_SEND_SIZE: usize = NOISE_MAX_PLAINTEXT - 12;

/// libp2p-noise 0.47's `MAX_FRAME_LEN` (not exported).
const NOISE_MAX_PLAINTEXT: usize = 65_535 - 1_024;

/// Inbound streams held while nobody accepts them; past this a new one is dropped (libp2p-yamux's bound).
const MAX_BUFFERED_INBOUND: usize = 256;

/// The upgrade: yamux's defaults, `max_streams` streams, `SPLIT_SEND_SIZE` data frames.
#[derive(Clone, Debug)]
pub struct Config(yamux::Config);

impl Config {
    pub fn new(max_streams: usize) -> Self {
        let mut c = yamux::Config::default();
        c.set_max_num_streams(max_streams);
        c.set_split_send_size(SPLIT_SEND_SIZE);
        Self(c)
    }
}

impl UpgradeInfo for Config {
    type Info = &'static str;
    type InfoIter = std::iter::Once<Self::Info>;

    fn protocol_info(&self) -> Self::InfoIter {
        std::iter::once("/yamux/1.0.0")
    }
}

impl<C: AsyncRead + AsyncWrite + Send + Unpin + 'static> InboundConnectionUpgrade<C> for Config {
    type Output = Muxer<C>;
    type Error = std::io::Error;
    type Future = future::Ready<Result<Self::Output, Self::Error>>;

    fn upgrade_inbound(self, io: C, _: Self::Info) -> Self::Future {
        future::ready(Ok(Muxer::new(yamux::Connection::new(io, self.0, yamux::Mode::Server))))
    }
}

impl<C: AsyncRead + AsyncWrite + Send + Unpin + 'static> OutboundConnectionUpgrade<C> for Config {
    type Output = Muxer<C>;
    type Error = std::io::Error;
    type Future = future::Ready<Result<Self::Output, Self::Error>>;

    fn upgrade_outbound(self, io: C, _: Self::Info) -> Self::Future {
        future::ready(Ok(Muxer::new(yamux::Connection::new(io, self.0, yamux::Mode::Client))))
    }
}

/// One yamux connection as libp2p's `StreamMuxer`.
pub struct Muxer<C> {
    connection: yamux::Connection<C>,
    /// Inbound streams that arrived while `poll` drove the connection (yamux makes progress only through
    /// `poll_next_inbound`), waiting for `poll_inbound`.
    inbound: VecDeque<yamux::Stream>,
    inbound_waker: Option<Waker>,
}

impl<C: AsyncRead + AsyncWrite + Unpin + 'static> Muxer<C> {
    fn new(connection: yamux::Connection<C>) -> Self {
        Self { connection, inbound: VecDeque::new(), inbound_waker: None }
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Result<yamux::Stream, yamux::ConnectionError>> {
        match self.connection.poll_next_inbound(cx) {
            Poll::Ready(Some(r)) => Poll::Ready(r),
            Poll::Ready(None) => Poll::Ready(Err(yamux::ConnectionError::Closed)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<C: AsyncRead + AsyncWrite + Unpin + 'static> StreamMuxer for Muxer<C> {
    type Substream = yamux::Stream;
    type Error = yamux::ConnectionError;

    fn poll_inbound(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Self::Substream, Self::Error>> {
        if let Some(stream) = self.inbound.pop_front() {
            return Poll::Ready(Ok(stream));
        }
        if let Poll::Ready(r) = self.poll_next(cx) {
            return Poll::Ready(r);
        }
        self.inbound_waker = Some(cx.waker().clone());
        Poll::Pending
    }

    fn poll_outbound(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Self::Substream, Self::Error>> {
        self.connection.poll_new_outbound(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.connection.poll_close(cx)
    }

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<StreamMuxerEvent, Self::Error>> {
        let this = self.get_mut();
        let stream = match this.poll_next(cx) {
            Poll::Ready(r) => r?,
            Poll::Pending => return Poll::Pending,
        };
        if this.inbound.len() >= MAX_BUFFERED_INBOUND {
            tracing::warn!(%stream, "inbound yamux stream dropped: {MAX_BUFFERED_INBOUND} already wait");
        } else {
            this.inbound.push_back(stream);
            if let Some(w) = this.inbound_waker.take() {
                w.wake();
            }
        }
        // Come back at once: other work on this connection may be ready.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use futures::task::noop_waker_ref;

    use super::*;

    /// The wire under a yamux connection: reads never arrive, each write's size is noted.
    struct Wire(Arc<Mutex<Vec<usize>>>);

    impl AsyncRead for Wire {
        fn poll_read(self: Pin<&mut Self>, _: &mut Context<'_>, _: &mut [u8]) -> Poll<io::Result<usize>> {
            Poll::Pending
        }
    }

    impl AsyncWrite for Wire {
        fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
            self.0.lock().unwrap().push(buf.len());
            Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[test]
    fn a_data_frame_and_its_header_fill_one_noise_message() {
        let writes = Arc::new(Mutex::new(Vec::new()));
        let mut conn = yamux::Connection::new(Wire(writes.clone()), Config::new(8).0, yamux::Mode::Client);
        let mut cx = Context::from_waker(noop_waker_ref());
        let Poll::Ready(Ok(mut stream)) = conn.poll_new_outbound(&mut cx) else { panic!("no outbound stream") };
        // Under the 256 KiB a new stream may send before the peer grants more.
        let data = vec![7u8; 200_000];
        let mut sent = 0;
        for _ in 0..1000 {
            if sent < data.len()
                && let Poll::Ready(n) = Pin::new(&mut stream).poll_write(&mut cx, &data[sent..])
            {
                sent += n.unwrap();
            }
            let _ = conn.poll_next_inbound(&mut cx);
        }
        assert_eq!(sent, data.len());
        let bodies: Vec<usize> = writes.lock().unwrap().iter().copied().filter(|&n| n != 12).collect();
        assert_eq!(bodies.iter().sum::<usize>(), data.len(), "{bodies:?}");
        assert_eq!(bodies.iter().max(), Some(&SPLIT_SEND_SIZE), "yamux's default would be 16 KiB: {bodies:?}");
    }
}
