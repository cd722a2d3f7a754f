//! The message inspector's memory (issue 14 part 4): the last Bitswap messages received, decoded for a person —
//! each want with its type, priority, cancel and sendDontHave; each presence; pendingBytes; each block's prefix as
//! CID version, codec and multihash, and its size against Bitswap's limits. A transfer row names the message it came
//! in (`msg` on `bitswap` events), so the TUI can show it.
//!
//! Bounded: the node keeps the last [`KEEP`] messages (all peers together, so a thousand peers cost no more than
//! one), and at most [`ENTRIES`] of each list per message with the full counts beside them. No block bytes are kept.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::codec::MAX_MESSAGE;
use super::message::WantType;
use super::protocol::{Parsed, ReceivedBlock};
use super::streams::MAX_SERVED_BLOCK;

/// Messages kept.
pub const KEEP: usize = 256;
/// Wants, presences and blocks kept per message (each list).
pub const ENTRIES: usize = 64;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WantInfo {
    pub cid: String,
    /// `have` or `block`.
    pub want_type: String,
    pub priority: i32,
    pub cancel: bool,
    pub send_dont_have: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PresenceInfo {
    pub cid: String,
    pub have: bool,
}

/// A block as its prefix describes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockInfo {
    /// `None` when no CID could be built from the prefix.
    pub cid: Option<String>,
    pub version: Option<u64>,
    pub codec: Option<String>,
    pub multihash: Option<String>,
    pub digest_len: Option<usize>,
    /// Bytes (for a block that verified).
    pub size: Option<u64>,
    /// Over the 2 MiB block limit that boxo and Helia keep.
    pub over_limit: bool,
    /// Why it was refused (hash mismatch, unsupported hash…); `None` when it verified.
    pub refused: Option<String>,
}

/// One received message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageInfo {
    pub id: u64,
    pub at_ms: u64,
    pub peer: String,
    /// The Bitswap protocol the stream spoke.
    pub protocol: String,
    /// The frame's size, against [`MAX_MESSAGE`] (`frame_limit`).
    pub frame_bytes: u64,
    pub frame_limit: u64,
    /// A full wantlist (replaces the previous one) rather than an update.
    pub full: bool,
    pub pending_bytes: i32,
    pub wants: Vec<WantInfo>,
    pub wants_total: usize,
    pub presences: Vec<PresenceInfo>,
    pub presences_total: usize,
    pub blocks: Vec<BlockInfo>,
    pub blocks_total: usize,
    /// Entries whose CID did not parse.
    pub malformed: usize,
}

fn codec_name(code: u64) -> String {
    match code {
        0x55 => "raw".into(),
        0x70 => "dag-pb".into(),
        0x71 => "dag-cbor".into(),
        0x0129 => "dag-json".into(),
        0x0200 => "json".into(),
        other => format!("0x{other:x}"),
    }
}

fn hash_name(code: u64) -> String {
    match code {
        0x12 => "sha2-256".into(),
        0x13 => "sha2-512".into(),
        0x16 => "sha3-256".into(),
        0x1e => "blake3".into(),
        0x00 => "identity".into(),
        other => format!("0x{other:x}"),
    }
}

fn block_info(cid: Option<&cid::Cid>, size: Option<u64>, refused: Option<String>) -> BlockInfo {
    BlockInfo {
        cid: cid.map(|c| c.to_string()),
        version: cid.map(|c| c.version() as u64),
        codec: cid.map(|c| codec_name(c.codec())),
        multihash: cid.map(|c| hash_name(c.hash().code())),
        digest_len: cid.map(|c| c.hash().size() as usize),
        size,
        over_limit: size.is_some_and(|s| s > MAX_SERVED_BLOCK),
        refused,
    }
}

impl MessageInfo {
    /// What a person needs to see of `parsed`, at most [`ENTRIES`] of each list.
    pub fn of(id: u64, at_ms: u64, peer: String, protocol: &str, parsed: &Parsed) -> Self {
        let wants = parsed.wants.iter().take(ENTRIES).map(|w| WantInfo {
            cid: w.cid.to_string(),
            want_type: match w.want_type {
                WantType::Have => "have".into(),
                WantType::Block => "block".into(),
            },
            priority: w.priority,
            cancel: w.cancel,
            send_dont_have: w.send_dont_have,
        });
        let haves = parsed.haves.iter().map(|c| PresenceInfo { cid: c.to_string(), have: true });
        let dont = parsed.dont_haves.iter().map(|c| PresenceInfo { cid: c.to_string(), have: false });
        let blocks = parsed.blocks.iter().take(ENTRIES).map(|b| match b {
            ReceivedBlock::Ok(block) => block_info(Some(block.cid()), Some(block.data().len() as u64), None),
            ReceivedBlock::Rejected { cid, reason } => block_info(cid.as_ref(), None, Some(reason.clone())),
        });
        MessageInfo {
            id,
            at_ms,
            peer,
            protocol: protocol.to_string(),
            frame_bytes: parsed.frame_bytes,
            frame_limit: MAX_MESSAGE as u64,
            full: parsed.full,
            pending_bytes: parsed.pending_bytes,
            wants: wants.collect(),
            wants_total: parsed.wants.len(),
            presences: haves.chain(dont).take(ENTRIES).collect(),
            presences_total: parsed.haves.len() + parsed.dont_haves.len(),
            blocks: blocks.collect(),
            blocks_total: parsed.blocks.len(),
            malformed: parsed.malformed,
        }
    }
}

impl MessageInfo {
    /// The message for a person: a title line, then one line per kept entry (`bitswap messages` and the TUI's
    /// inspector show the same).
    pub fn lines(&self) -> Vec<String> {
        let kib = |b: u64| format!("{:.1} KiB", b as f64 / 1024.0);
        let mut out = vec![format!(
            "message #{} from {} at {} ms · bitswap {} · {} · frame {} of {} · pendingBytes {}",
            self.id,
            self.peer,
            self.at_ms,
            self.protocol,
            if self.full { "full wantlist" } else { "wantlist update" },
            kib(self.frame_bytes),
            kib(self.frame_limit),
            self.pending_bytes
        )];
        for w in &self.wants {
            let mut flags = format!("priority {}", w.priority);
            if w.send_dont_have {
                flags.push_str(" sendDontHave");
            }
            let kind = if w.cancel { "CANCEL".to_string() } else { format!("WANT_{}", w.want_type.to_uppercase()) };
            out.push(format!("  {kind:<10} {} {flags}", w.cid));
        }
        more(&mut out, self.wants_total, self.wants.len(), "wants");
        for p in &self.presences {
            out.push(format!("  {:<10} {}", if p.have { "HAVE" } else { "DONT_HAVE" }, p.cid));
        }
        more(&mut out, self.presences_total, self.presences.len(), "presences");
        for b in &self.blocks {
            let prefix = match (b.version, &b.codec, &b.multihash, b.digest_len) {
                (Some(v), Some(c), Some(h), Some(l)) => format!("cidv{v} {c} {h}/{l}"),
                _ => "no CID".into(),
            };
            let size = b.size.map_or(String::new(), |s| format!(" {s} B"));
            let limit = if b.over_limit { " OVER the 2 MiB block limit" } else { "" };
            let refused = b.refused.as_ref().map_or(String::new(), |r| format!(" REFUSED: {r}"));
            out.push(format!("  {:<10} {} {prefix}{size}{limit}{refused}", "BLOCK", b.cid.as_deref().unwrap_or("?")));
        }
        more(&mut out, self.blocks_total, self.blocks.len(), "blocks");
        if self.malformed > 0 {
            out.push(format!("  {} entries with a CID that does not parse", self.malformed));
        }
        out
    }
}

fn more(out: &mut Vec<String>, total: usize, shown: usize, what: &str) {
    if total > shown {
        out.push(format!("  … and {} more {what} (the inspector keeps {ENTRIES} per message)", total - shown));
    }
}

/// The last messages received, newest last.
#[derive(Debug, Default)]
pub struct Inspector {
    kept: VecDeque<MessageInfo>,
    next_id: u64,
}

impl Inspector {
    /// Keeps `parsed` (dropping the oldest past [`KEEP`]); returns its id.
    pub fn record(&mut self, at_ms: u64, peer: String, protocol: &str, parsed: &Parsed) -> u64 {
        self.next_id += 1;
        if self.kept.len() == KEEP {
            self.kept.pop_front();
        }
        self.kept.push_back(MessageInfo::of(self.next_id, at_ms, peer, protocol, parsed));
        self.next_id
    }

    /// The message `id`, while it is kept.
    pub fn get(&self, id: u64) -> Option<&MessageInfo> {
        // Ids grow by one, so the position is known unless it was dropped.
        let first = self.kept.front()?.id;
        self.kept.get(id.checked_sub(first)? as usize).filter(|m| m.id == id)
    }

    /// The newest `n` messages, from `peer` only when given, newest first.
    pub fn recent(&self, peer: Option<&str>, n: usize) -> Vec<MessageInfo> {
        self.kept.iter().rev().filter(|m| peer.is_none_or(|p| m.peer == p)).take(n).cloned().collect()
    }

    /// As [`Self::recent`], and only messages that carry `cid` among their kept entries when given.
    pub fn find(&self, peer: Option<libp2p::PeerId>, cid: Option<cid::Cid>, n: usize) -> Vec<MessageInfo> {
        let peer = peer.map(|p| p.to_string());
        let cid = cid.map(|c| c.to_string());
        let carries = |m: &MessageInfo| {
            cid.as_ref().is_none_or(|c| {
                m.wants.iter().any(|w| &w.cid == c)
                    || m.presences.iter().any(|p| &p.cid == c)
                    || m.blocks.iter().any(|b| b.cid.as_ref() == Some(c))
            })
        };
        let from = |m: &MessageInfo| peer.as_ref().is_none_or(|p| &m.peer == p);
        self.kept.iter().rev().filter(|m| from(m) && carries(m)).take(n).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::bitswap::protocol::Want;
    use crate::node::block::Block;

    fn block(n: u8, len: usize) -> Block {
        Block::from_data(cid::Version::V1, 0x55, 0x12, vec![n; len]).unwrap()
    }

    #[test]
    fn decodes_entries_presences_and_block_prefixes() {
        let b = block(1, 3 << 20);
        let parsed = Parsed {
            full: false,
            wants: vec![Want {
                cid: *block(2, 5).cid(),
                want_type: WantType::Have,
                send_dont_have: true,
                cancel: false,
                priority: 7,
            }],
            blocks: vec![
                ReceivedBlock::Ok(b.clone()),
                ReceivedBlock::Rejected { cid: Some(*block(3, 5).cid()), reason: "hash mismatch".into() },
            ],
            haves: vec![*block(4, 5).cid()],
            dont_haves: vec![*block(5, 5).cid()],
            malformed: 1,
            frame_bytes: 3_200_000,
            pending_bytes: 42,
        };
        let m = MessageInfo::of(9, 100, "P".into(), "/ipfs/bitswap/1.2.0", &parsed);
        assert_eq!(m.wants[0].want_type, "have");
        assert!(m.wants[0].send_dont_have && m.wants[0].priority == 7 && !m.wants[0].cancel);
        assert_eq!(m.presences.iter().map(|p| p.have).collect::<Vec<_>>(), [true, false]);
        let ok = &m.blocks[0];
        assert_eq!(
            (ok.version, ok.codec.as_deref(), ok.multihash.as_deref(), ok.digest_len),
            (Some(1), Some("raw"), Some("sha2-256"), Some(32))
        );
        assert!(ok.over_limit && ok.size == Some(3 << 20) && ok.refused.is_none(), "3 MiB is over the 2 MiB limit");
        assert_eq!(m.blocks[1].refused.as_deref(), Some("hash mismatch"));
        assert_eq!((m.frame_bytes, m.frame_limit, m.pending_bytes, m.malformed), (3_200_000, 4 << 20, 42, 1));
        let text = m.lines().join("\n");
        assert!(text.contains("WANT_HAVE") && text.contains("priority 7 sendDontHave"), "{text}");
        assert!(text.contains("cidv1 raw sha2-256/32 3145728 B OVER the 2 MiB block limit"), "{text}");
        assert!(text.contains("REFUSED: hash mismatch") && text.contains("DONT_HAVE"), "{text}");
    }

    #[test]
    fn keeps_the_newest_messages_and_entries_within_bounds() {
        let mut inspector = Inspector::default();
        let many = Parsed { haves: (0..200u8).map(|i| *block(i, 3).cid()).collect(), ..Parsed::default() };
        let mut ids = Vec::new();
        for i in 0..(KEEP + 10) {
            ids.push(inspector.record(i as u64, format!("P{}", i % 2), "/ipfs/bitswap/1.2.0", &many));
        }
        assert!(inspector.get(ids[0]).is_none(), "the oldest were dropped");
        let last = inspector.get(*ids.last().unwrap()).unwrap();
        assert_eq!((last.presences.len(), last.presences_total), (ENTRIES, 200));
        let recent = inspector.recent(Some("P1"), 3);
        assert_eq!(recent.len(), 3);
        assert!(recent.iter().all(|m| m.peer == "P1") && recent[0].id > recent[1].id, "newest first, that peer only");
        assert!(inspector.get(u64::MAX).is_none() && inspector.get(0).is_none());
    }
}
