//! Late blocks: blocks stored after a peer asked us for them (added by the user, imported, fetched). The node task
//! asks here on every store change which peers' wants the new blocks answer. Serving them (a HAVE or the block,
//! sent to each waiting peer) is the next step (issue 11); for now the node reports how many wants wait.

use cid::Cid;
use libp2p::PeerId;

use super::wantlist::PeerWantlist;

/// The (peer, CID) pairs of wants that `added` answers, over every peer's wantlist. Matched by multihash, so a
/// want under CIDv0 is answered by a block announced under CIDv1.
pub fn waiting<'a>(
    wantlists: impl IntoIterator<Item = (&'a PeerId, &'a PeerWantlist)>,
    added: &[Cid],
) -> Vec<(PeerId, Cid)> {
    let mut out = Vec::new();
    if added.is_empty() {
        return out;
    }
    for (peer, wants) in wantlists {
        if wants.is_empty() {
            continue;
        }
        out.extend(added.iter().filter(|cid| wants.contains(cid)).map(|cid| (*peer, *cid)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::bitswap::message::WantType;
    use crate::node::bitswap::protocol::Want;
    use crate::node::block::{Block, DAG_PB, RAW, SHA2_256};

    #[test]
    fn wants_are_matched_by_multihash() {
        let block = Block::from_data(cid::Version::V0, DAG_PB, SHA2_256, vec![0x0a, 0x00]).unwrap();
        let v0 = *block.cid();
        let v1 = Cid::new_v1(DAG_PB, *v0.hash());
        let other = *Block::from_data(cid::Version::V1, RAW, SHA2_256, vec![1]).unwrap().cid();
        let mut wants = PeerWantlist::default();
        let want = Want { cid: v0, want_type: WantType::Block, send_dont_have: true, cancel: false, priority: 1 };
        wants.apply(false, &[want]);
        let (alice, bob) = (PeerId::random(), PeerId::random());
        let none = PeerWantlist::default();
        let got = waiting([(&alice, &wants), (&bob, &none)], &[other, v1]);
        assert_eq!(got, vec![(alice, v1)]);
        assert!(waiting([(&alice, &wants)], &[]).is_empty());
    }
}
