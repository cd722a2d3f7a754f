//! Streamed output with the caller's cap, and input that stops when the command is cancelled.

use std::io::{Read, Write};

use anyhow::{Context, Result};
use tokio_util::sync::CancellationToken;

use super::{Cancelled, Ctx};

/// A writer that takes at most `cap` bytes and then refuses, and refuses once cancelled: whatever produces the
/// output (`cat`, a CAR writer) stops there instead of reading the rest.
struct Capped<'a> {
    inner: &'a mut dyn Write,
    room: u64,
    written: u64,
    full: bool,
    cancel: &'a CancellationToken,
}

impl Write for Capped<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.cancel.is_cancelled() {
            return Err(std::io::Error::other(Cancelled));
        }
        if self.room == 0 {
            self.full = true;
            return Err(std::io::Error::other("output cap reached"));
        }
        let n = (data.len() as u64).min(self.room) as usize;
        let n = self.inner.write(&data[..n])?;
        self.room -= n as u64;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Runs `produce` into the command's streamed output. Returns the bytes written and whether the cap cut them
/// (then `produce`'s error is the cap, not a failure).
pub fn stream<T, E>(ctx: &mut Ctx, produce: impl FnOnce(&mut dyn Write) -> Result<T, E>) -> Result<(u64, bool)>
where
    E: Into<anyhow::Error>,
{
    let cancel = ctx.cancel.clone();
    let mut capped = Capped {
        inner: ctx.output,
        room: ctx.output_cap.unwrap_or(u64::MAX),
        written: 0,
        full: false,
        cancel: &cancel,
    };
    let produced = produce(&mut capped);
    let (written, full) = (capped.written, capped.full);
    match produced {
        Ok(_) => {}
        Err(_) if full => {}
        Err(_) if cancel.is_cancelled() => return Err(Cancelled.into()),
        Err(e) => return Err(e.into()),
    }
    ctx.output.flush().context("writing to stdout")?;
    Ok((written, full))
}

/// Input that fails once the command is cancelled, so that an import stops at the next read.
pub struct CancelRead<'a, R> {
    pub inner: R,
    pub cancel: &'a CancellationToken,
}

impl<R: Read> Read for CancelRead<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.cancel.is_cancelled() {
            return Err(std::io::Error::other(Cancelled));
        }
        self.inner.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx_with<'a>(
        out: &'a mut Vec<u8>,
        input: &'a mut &'static [u8],
        events: &'a mut dyn FnMut(super::super::OpEvent),
        cap: Option<u64>,
    ) -> Ctx<'a> {
        Ctx {
            repo: "/nonexistent".into(),
            cwd: "/".into(),
            op: crate::node::op::OpId(1),
            shared: None,
            cancel: CancellationToken::new(),
            input,
            output: out,
            output_cap: cap,
            events,
        }
    }

    #[test]
    fn the_cap_stops_the_producer_and_is_not_an_error() {
        let (mut out, mut input, mut events) = (Vec::new(), &b""[..], |_| {});
        let mut ctx = ctx_with(&mut out, &mut input, &mut events, Some(10));
        let mut calls = 0;
        let (n, truncated) = stream(&mut ctx, |w| -> std::io::Result<()> {
            loop {
                calls += 1;
                w.write_all(b"0123456")?;
            }
        })
        .unwrap();
        assert_eq!((n, truncated, calls), (10, true, 2));
        assert_eq!(out, b"0123456012");
    }

    #[test]
    fn a_real_error_and_a_cancel_are_errors() {
        let (mut out, mut input, mut events) = (Vec::new(), &b""[..], |_| {});
        let mut ctx = ctx_with(&mut out, &mut input, &mut events, None);
        let e = stream(&mut ctx, |_| Err::<(), _>(anyhow::anyhow!("block missing"))).unwrap_err();
        assert_eq!(e.to_string(), "block missing");
        ctx.cancel.cancel();
        let e = stream(&mut ctx, |w| w.write_all(b"x")).unwrap_err();
        assert!(e.is::<Cancelled>(), "{e}");
    }
}
