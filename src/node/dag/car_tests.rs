use super::*;
use crate::node::block::{DAG_PB, RAW, SHA2_256};
use crate::node::dag::MemoryStore;
use crate::node::dag::pb::{Link, Node};

fn raw(data: &[u8]) -> Block {
    Block::from_data(cid::Version::V1, RAW, SHA2_256, data.to_vec()).unwrap()
}

/// A small DAG: a root linking two raw leaves and a repeated one (written once).
fn dag(store: &MemoryStore) -> Cid {
    let (a, b) = (raw(b"leaf a"), raw(b"leaf b"));
    let links = [&a, &b, &a].iter().map(|l| Link { cid: *l.cid(), name: String::new(), tsize: Some(6) }).collect();
    let root = Block::from_data(cid::Version::V0, DAG_PB, SHA2_256, Node { data: None, links }.encode()).unwrap();
    let cid = *root.cid();
    for blk in [a, b, root] {
        (&*store).put(blk).unwrap();
    }
    cid
}

fn car_bytes() -> (Vec<u8>, Cid) {
    let store = MemoryStore::default();
    let root = dag(&store);
    let mut out = Vec::new();
    let stats = write_car(&store, &[root], &mut out).unwrap();
    assert_eq!(stats.blocks, 3);
    (out, root)
}

#[test]
fn round_trip_keeps_roots_blocks_and_order() {
    let (bytes, root) = car_bytes();
    let fresh = MemoryStore::default();
    let (roots, stats) = import_car(&bytes[..], &mut &fresh).unwrap();
    assert_eq!(roots, vec![root]);
    assert_eq!(stats.blocks, 3);
    let mut reader = CarReader::new(&bytes[..]).unwrap();
    assert_eq!(reader.next_block().unwrap().unwrap().cid(), &root, "root first (pre-order)");
    assert_eq!(reader.next_block().unwrap().unwrap().data().as_ref(), b"leaf a");
}

#[test]
fn header_matches_the_ipld_car_encoding() {
    // @ipld/car (5.4) writes this header for the single root bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq:
    // a2 65 "roots" 81 d8 2a 58 25 00 <36 CID bytes> 67 "version" 01.
    let root: Cid = "bafkreibceu2i6hie2z7kn7ydttsn62w7kjzbauysqv7gc443k7g7atv5sq".parse().unwrap();
    let h = encode_header(&[root]);
    let mut expected = vec![0xa2, 0x65];
    expected.extend_from_slice(b"roots");
    expected.extend_from_slice(&[0x81, 0xd8, 0x2a, 0x58, 0x25, 0x00]);
    expected.extend_from_slice(&root.to_bytes());
    expected.push(0x67);
    expected.extend_from_slice(b"version");
    expected.push(0x01);
    assert_eq!(h, expected);
    let parsed = header::decode(&h).unwrap();
    assert_eq!((parsed.version, parsed.roots), (1, vec![root]));
}

#[test]
fn a_tampered_block_is_refused_with_its_cid() {
    let (mut bytes, _) = car_bytes();
    let n = bytes.len();
    bytes[n - 1] ^= 1;
    let err = import_car(&bytes[..], &mut MemoryStore::default()).unwrap_err();
    assert!(matches!(err, CarError::Mismatch { .. }), "{err}");
    assert!(err.to_string().contains("bafkrei"), "{err}");
}

#[test]
fn every_truncation_is_an_error_never_a_panic() {
    let (bytes, _) = car_bytes();
    for cut in 0..bytes.len() {
        let result = import_car(&bytes[..cut], &mut MemoryStore::default());
        // A cut exactly between sections is a valid shorter CAR; anything else must fail.
        if let Ok((_, stats)) = result {
            assert!(stats.blocks < 3, "cut at {cut} read everything");
        }
    }
    assert!(import_car(&bytes[..0], &mut MemoryStore::default()).is_err());
}

#[test]
fn hostile_lengths_are_refused_before_allocating() {
    let (bytes, _) = car_bytes();
    let header_len = bytes[0] as usize + 1;
    let mut hostile = bytes[..header_len].to_vec();
    hostile.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]); // 2^59
    let err = import_car(&hostile[..], &mut MemoryStore::default()).unwrap_err();
    assert!(matches!(err, CarError::TooLarge { .. }), "{err}");
    let huge_header = [0xff, 0xff, 0xff, 0xff, 0x0f];
    assert!(matches!(CarReader::new(&huge_header[..]), Err(CarError::TooLarge { .. })));
    let overflow = [0xff; 11];
    assert!(CarReader::new(&overflow[..]).is_err());
}

#[test]
fn garbage_headers_are_errors() {
    for h in [&[0x01, 0x00][..], &[0x02, 0xa1, 0x60][..], &[0x03, 0xbf, 0x00, 0x00][..], &[0x01, 0xa1][..]] {
        assert!(CarReader::new(h).is_err(), "{h:?}");
    }
    let v3 = {
        let mut body = vec![0xa1, 0x67];
        body.extend_from_slice(b"version");
        body.push(0x03);
        let mut car = vec![body.len() as u8];
        car.extend(body);
        car
    };
    assert!(matches!(CarReader::new(&v3[..]), Err(CarError::Version(3))));
}

#[test]
fn car_v2_payload_is_read() {
    let (v1, root) = car_bytes();
    let mut v2 = vec![0x0a, 0xa1, 0x67];
    v2.extend_from_slice(b"version");
    v2.push(0x02);
    let data_offset = 11u64 + 40;
    let mut fixed = vec![0u8; 16];
    fixed.extend_from_slice(&data_offset.to_le_bytes());
    fixed.extend_from_slice(&(v1.len() as u64).to_le_bytes());
    fixed.extend_from_slice(&0u64.to_le_bytes());
    v2.extend(fixed);
    v2.extend_from_slice(&v1);
    v2.extend_from_slice(b"index bytes that must not be read as sections");
    let (roots, stats) = import_car(&v2[..], &mut MemoryStore::default()).unwrap();
    assert_eq!((roots, stats.blocks), (vec![root], 3));
}
