//! The Amino DHT as rust-libp2p's Kademlia on `/ipfs/kad/1.0.0`: its configuration, and the keys IPFS uses.
//!
//! Provider records are keyed by the CID's **multihash** (go's and js's DHTs do so: a CIDv0 and a CIDv1 of the same
//! bytes share their providers). The record store is bounded: at most [`MAX_KEYS`] keys with providers (our own
//! and those kept for others in server mode), [`PROVIDERS_PER_KEY`] providers each.

use std::num::NonZeroUsize;
use std::time::Duration;

use cid::Cid;
use libp2p::kad::store::{MemoryStore, MemoryStoreConfig};
use libp2p::kad::{self, Mode, RecordKey};
use libp2p::{PeerId, StreamProtocol};

use super::config::DhtMode;
use super::provide::{RECORD_TTL, REPROVIDE_EVERY};

/// The Amino DHT's protocol, as Kubo and Helia speak it.
pub const PROTOCOL: StreamProtocol = StreamProtocol::new("/ipfs/kad/1.0.0");
/// Keys with provider records kept at most (ours and others').
pub const MAX_KEYS: usize = 65_536;
/// Providers kept per key: the replication factor, as go's DHT.
pub const PROVIDERS_PER_KEY: usize = 20;
/// A query gives up after this (go's DHT: 60 s for a whole lookup); each request has its own 10 s timeout.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(60);
/// Largest DHT message accepted: js and go allow 4 MiB.
pub const MAX_PACKET: usize = 4 << 20;

pub type Kad = kad::Behaviour<MemoryStore>;

/// The provider-record key of a CID: its multihash.
pub fn provider_key(cid: &Cid) -> RecordKey {
    RecordKey::new(&cid.hash().to_bytes())
}

/// The Kademlia mode a configured DHT mode starts in (auto stays a client until AutoNAT says the node is public:
/// `nat::dht_mode` decides from then on).
pub fn mode_of(dht: DhtMode) -> Mode {
    super::nat::dht_mode(dht, super::nat::Reachability::Unknown)
}

pub fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Client => "client",
        Mode::Server => "server",
    }
}

/// A Kademlia behaviour for `peer`, in client mode until the node applies its configured mode.
pub fn behaviour(peer: PeerId) -> Kad {
    let mut c = kad::Config::new(PROTOCOL);
    c.set_query_timeout(QUERY_TIMEOUT)
        .set_max_packet_size(MAX_PACKET)
        .set_provider_publication_interval(Some(REPROVIDE_EVERY))
        .set_provider_record_ttl(Some(RECORD_TTL))
        .set_replication_factor(NonZeroUsize::new(PROVIDERS_PER_KEY).unwrap_or(NonZeroUsize::MIN));
    let store = MemoryStore::with_config(
        peer,
        MemoryStoreConfig {
            max_provided_keys: MAX_KEYS,
            max_providers_per_key: PROVIDERS_PER_KEY,
            ..MemoryStoreConfig::default()
        },
    );
    let mut k = kad::Behaviour::with_config(peer, store, c);
    k.set_mode(Some(Mode::Client));
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cidv0_and_its_cidv1_share_one_provider_key() {
        let v0: Cid = "QmT36SRc6xtQKZXnYW5ctk31FuZ4e6CsVNFJ4mwJk4sn5o".parse().unwrap();
        let v1 = Cid::new_v1(0x70, *v0.hash());
        assert_eq!(provider_key(&v0), provider_key(&v1));
        assert_eq!(provider_key(&v0).as_ref(), v0.hash().to_bytes().as_slice(), "the bare multihash");
    }

    #[test]
    fn auto_is_a_client_until_reachability_is_known() {
        assert_eq!(mode_of(DhtMode::Auto), Mode::Client);
        assert_eq!(mode_of(DhtMode::Server), Mode::Server);
        assert_eq!(mode_name(mode_of(DhtMode::Client)), "client");
    }
}
