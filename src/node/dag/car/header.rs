//! Just enough dag-cbor to read CAR headers: maps, arrays, text and byte strings, unsigned integers, tag 42
//! (CIDs), and skipping anything else that a header may carry. Bounded depth; never panics.

use cid::Cid;

use super::CarError;

/// A parsed header: its version and roots (CAR v2's inner pragma has no roots).
pub struct Header {
    pub version: u64,
    pub roots: Vec<Cid>,
}

struct Cbor<'a> {
    buf: &'a [u8],
    pos: usize,
}

fn bad(msg: impl Into<String>) -> CarError {
    CarError::Header(msg.into())
}

impl<'a> Cbor<'a> {
    fn byte(&mut self) -> Result<u8, CarError> {
        let b = *self.buf.get(self.pos).ok_or(CarError::Truncated("header ends inside a value"))?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], CarError> {
        let end = usize::try_from(n).ok().and_then(|n| self.pos.checked_add(n)).filter(|&e| e <= self.buf.len());
        let end = end.ok_or(CarError::Truncated("header ends inside a value"))?;
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// The next `N` bytes, for a big-endian integer argument.
    fn array<const N: usize>(&mut self) -> Result<[u8; N], CarError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N as u64)?);
        Ok(out)
    }

    /// Major type and argument of the next item.
    fn head(&mut self) -> Result<(u8, u64), CarError> {
        let b = self.byte()?;
        let (major, info) = (b >> 5, b & 0x1f);
        let arg = match info {
            0..=23 => u64::from(info),
            24 => u64::from(self.byte()?),
            25 => u64::from(u16::from_be_bytes(self.array()?)),
            26 => u64::from(u32::from_be_bytes(self.array()?)),
            27 => u64::from_be_bytes(self.array()?),
            _ => return Err(bad("indefinite lengths are not dag-cbor")),
        };
        Ok((major, arg))
    }

    fn text(&mut self) -> Result<&'a str, CarError> {
        match self.head()? {
            (3, n) => std::str::from_utf8(self.take(n)?).map_err(|_| bad("map key is not UTF-8")),
            _ => Err(bad("map key is not a string")),
        }
    }

    fn cid(&mut self) -> Result<Cid, CarError> {
        match self.head()? {
            (6, 42) => {}
            _ => return Err(bad("root is not a CID (tag 42)")),
        }
        let bytes = match self.head()? {
            (2, n) => self.take(n)?,
            _ => return Err(bad("CID is not a byte string")),
        };
        match bytes.split_first() {
            Some((0, rest)) => Cid::try_from(rest).map_err(|e| bad(format!("root CID: {e}"))),
            _ => Err(bad("CID bytes lack the 0x00 multibase prefix")),
        }
    }

    fn skip(&mut self, depth: usize) -> Result<(), CarError> {
        if depth > 16 {
            return Err(bad("nested too deeply"));
        }
        let (major, arg) = self.head()?;
        match major {
            0 | 1 | 7 => Ok(()),
            2 | 3 => self.take(arg).map(|_| ()),
            4 => (0..arg).try_for_each(|_| self.skip(depth + 1)),
            5 => (0..arg).try_for_each(|_| self.skip(depth + 1).and_then(|_| self.skip(depth + 1))),
            _ => self.skip(depth + 1), // tag: skip the tagged item
        }
    }
}

pub fn decode(buf: &[u8]) -> Result<Header, CarError> {
    let mut c = Cbor { buf, pos: 0 };
    let (major, entries) = c.head()?;
    if major != 5 {
        return Err(bad("not a map"));
    }
    let (mut version, mut roots) = (None, None);
    for _ in 0..entries {
        match c.text()? {
            "version" => match c.head()? {
                (0, v) => version = Some(v),
                _ => return Err(bad("version is not an integer")),
            },
            "roots" => {
                let (major, n) = c.head()?;
                if major != 4 {
                    return Err(bad("roots is not an array"));
                }
                let mut list = Vec::new();
                for _ in 0..n {
                    list.push(c.cid()?);
                }
                roots = Some(list);
            }
            _ => c.skip(0)?,
        }
    }
    if c.pos != buf.len() {
        return Err(bad("trailing bytes after the header map"));
    }
    let version = version.ok_or_else(|| bad("no version"))?;
    Ok(Header { version, roots: roots.unwrap_or_default() })
}
