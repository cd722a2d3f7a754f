//! Late blocks: blocks stored after a peer asked us for them (added by the user, imported, fetched, or stored again
//! after a gc). Kubo's server sends such a block to every peer whose wantlist holds it as soon as it is stored (a
//! HAVE for a WANT_HAVE); so do we: on every store change the node task asks here which peers' wants the new blocks
//! answer and queues those wants, marked late, in each peer's serve queue.

use cid::Cid;
use libp2p::PeerId;

use super::wantlist::{Entry, PeerWantlist};

/// The wants, by peer, that `added` answers, over every peer's wantlist. Matched by multihash, so a want under
/// CIDv0 is answered by a block announced under CIDv1 (the entry keeps the peer's CID).
pub fn waiting<'a>(
    wantlists: impl IntoIterator<Item = (&'a PeerId, &'a PeerWantlist)>,
    added: &[Cid],
) -> Vec<(PeerId, Vec<Entry>)> {
    let mut out = Vec::new();
    if added.is_empty() {
        return out;
    }
    for (peer, wants) in wantlists {
        if wants.is_empty() {
            continue;
        }
        let answered: Vec<Entry> = added.iter().filter_map(|cid| wants.get(cid).cloned()).collect();
        if !answered.is_empty() {
            out.push((*peer, answered));
        }
    }
    out
}

/// Every want of every peer: after the node missed store changes (`store_resync`) any of them may have arrived,
/// so all are re-checked against the store (late: answered only if the block is there now).
pub fn all<'a>(wantlists: impl IntoIterator<Item = (&'a PeerId, &'a PeerWantlist)>) -> Vec<(PeerId, Vec<Entry>)> {
    wantlists.into_iter().filter(|(_, w)| !w.is_empty()).map(|(p, w)| (*p, w.entries().cloned().collect())).collect()
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
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].0, got[0].1.len()), (alice, 1));
        assert_eq!(got[0].1[0].cid, v0, "the entry keeps the CID the peer asked under");
        assert!(waiting([(&alice, &wants)], &[]).is_empty());
        let every = all([(&alice, &wants), (&bob, &none)]);
        assert_eq!((every.len(), every[0].1.len()), (1, 1));
    }
}
