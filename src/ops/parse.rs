//! Parsing what users type (on the command line and in the TUI's input bar) into typed values, with errors that
//! quote the input, cut short: a 1.7 MB identity CID must not become a 1.7 MB error line.

use cid::Cid;
use libp2p::{Multiaddr, PeerId};

use crate::node::dag::resolver::IpfsPath;

/// Characters of the user's input an error quotes at most.
const QUOTED: usize = 64;

/// `text` quoted for an error message: at most [`QUOTED`] characters, then "…".
pub fn quote(text: &str) -> String {
    match text.char_indices().nth(QUOTED) {
        Some((at, _)) => format!("{:?}", format!("{}…", &text[..at])),
        None => format!("{text:?}"),
    }
}

/// A CID, also as `/ipfs/<cid>`.
pub fn cid(text: &str) -> Result<Cid, String> {
    let trimmed = text.trim().trim_start_matches("/ipfs/");
    Cid::try_from(trimmed).map_err(|e| format!("invalid CID {}: {e}", quote(text)))
}

/// An IPFS path: `CID`, `CID/a/b` or `/ipfs/CID/a/b`. A bad CID is reported as one, as before paths existed.
pub fn path(text: &str) -> Result<IpfsPath, String> {
    IpfsPath::parse(text).map_err(|e| {
        let t = text.trim();
        let bare = !t.trim_start_matches("/ipfs/").contains('/');
        if bare { format!("invalid CID {}: {e}", quote(text)) } else { format!("invalid path {}: {e}", quote(text)) }
    })
}

pub fn multiaddr(text: &str) -> Result<Multiaddr, String> {
    text.parse().map_err(|e| format!("invalid multiaddr {}: {e}", quote(text)))
}

pub fn peer_id(text: &str) -> Result<PeerId, String> {
    text.parse().map_err(|e| format!("invalid peer id {}: {e}", quote(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_quote_short_input_whole_and_long_input_cut() {
        assert!(cid("not-a-cid").unwrap_err().starts_with("invalid CID \"not-a-cid\": "));
        // An identity CID of 100 KB: valid text, too big to parse into a `Cid`.
        let digest = vec![7u8; 100_000];
        let huge =
            cid::CidGeneric::<100_000>::new_v1(0x55, multihash::Multihash::wrap(0, &digest).unwrap()).to_string();
        let e = cid(&huge).unwrap_err();
        assert!(e.len() < 200, "{} bytes", e.len());
        assert!(e.starts_with(&format!("invalid CID \"{}…\"", &huge[..QUOTED])), "{e}");
        assert!(multiaddr(&"/x".repeat(100)).unwrap_err().contains("…\""));
        assert!(peer_id("nope").unwrap_err().starts_with("invalid peer id \"nope\""));
        assert_eq!(path("bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq/a").unwrap().segments, ["a"]);
        assert!(path("not-a-cid").unwrap_err().starts_with("invalid CID \"not-a-cid\": "));
        assert!(path("/ipfs/nope/a").unwrap_err().starts_with("invalid path \"/ipfs/nope/a\": "));
        assert_eq!(cid("/ipfs/bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq").unwrap().codec(), 0x55);
    }
}
