use super::*;

#[test]
fn profiles_and_overrides() {
    assert_eq!(ImportOptions::resolve(None, None, None, None).unwrap(), ImportOptions::unixfs_v1_2025());
    let kubo = ImportOptions::resolve(Some("kubo"), None, None, None).unwrap();
    assert_eq!(kubo, ImportOptions::legacy_cid_v0());
    assert_eq!(kubo.shard_estimate, SizeEstimate::LinkBytes);
    assert_eq!(ImportOptions::unixfs_v1_2025().shard_estimate, SizeEstimate::BlockBytes);
    assert_eq!(ImportOptions::profile("helia").unwrap().shard_estimate, SizeEstimate::LinkBytes);
    let v1 = ImportOptions::resolve(Some("kubo"), Some(1), None, None).unwrap();
    assert!(v1.raw_leaves && v1.cid_version == cid::Version::V1 && v1.chunk_size == 262_144);
    let v1_pb = ImportOptions::resolve(Some("kubo"), Some(1), Some(false), None).unwrap();
    assert!(!v1_pb.raw_leaves);
    let v0 = ImportOptions::resolve(None, Some(0), None, Some("size-1000")).unwrap();
    assert!(!v0.raw_leaves && v0.chunk_size == 1000);
    assert_eq!(ImportOptions::resolve(None, Some(0), Some(true), None), Err(ProfileError::RawLeavesNeedV1));
    assert!(matches!(ImportOptions::resolve(Some("x"), None, None, None), Err(ProfileError::UnknownProfile(_))));
}

#[test]
fn chunkers_parse_as_kubo_writes_them() {
    assert_eq!(parse_chunker("size-1000"), Ok(Chunking::Size(1000)));
    let rabin = |min, avg, max| Ok(Chunking::Rabin(RabinParams { min, avg, max }));
    assert_eq!(parse_chunker("rabin"), rabin(87_381, 262_144, 393_216));
    assert_eq!(parse_chunker("rabin-1000"), rabin(333, 1000, 1500));
    assert_eq!(parse_chunker("rabin-100-200-300"), rabin(100, 200, 300));
    for bad in [
        "",
        "size-0",
        "size-",
        "size-99999999",
        "size-1k",
        "rabin-",
        "rabin-x",
        "rabin-1-2",
        "rabin-15-100-200",
        "rabin-300-200-400",
        "rabin-100-500-400",
        "rabin-100-200-3000000",
        "rabin-30",
        "buzhash",
    ] {
        assert!(parse_chunker(bad).is_err(), "{bad}");
    }
    let opts = ImportOptions::resolve(None, None, None, Some("rabin-100-200-300")).unwrap();
    assert_eq!(opts.rabin, Some(RabinParams { min: 100, avg: 200, max: 300 }));
}

#[test]
fn hashes_follow_kubos_cid_version_rules() {
    let flags = |profile, cid_version, raw_leaves, hash| ImportFlags {
        profile,
        cid_version,
        raw_leaves,
        hash: Some(hash),
        ..Default::default()
    };
    // Kubo: a hash other than sha2-256 makes an unset CID version 1, and CIDv1 means raw leaves unless told.
    let o = ImportOptions::resolve_flags(&flags(Some("kubo"), None, None, "blake3")).unwrap();
    assert_eq!((o.hash, o.cid_version, o.raw_leaves), (BLAKE3, cid::Version::V1, true));
    let o = ImportOptions::resolve_flags(&flags(Some("kubo"), None, Some(false), "sha2-512")).unwrap();
    assert_eq!((o.hash, o.cid_version, o.raw_leaves), (SHA2_512, cid::Version::V1, false));
    assert_eq!(
        ImportOptions::resolve_flags(&flags(Some("kubo"), Some(0), None, "blake2b-256")),
        Err(ProfileError::HashNeedsV1)
    );
    let o = ImportOptions::resolve_flags(&flags(Some("kubo"), Some(0), None, "sha2-256")).unwrap();
    assert_eq!(o, ImportOptions::legacy_cid_v0());
    assert_eq!(parse_hash("SHA3-256"), Ok(SHA3_256));
    for bad in ["identity", "md5", "sha1", ""] {
        assert!(matches!(parse_hash(bad), Err(ProfileError::BadHash(_))), "{bad}");
    }
    let trickle = ImportOptions::resolve_flags(&ImportFlags { trickle: true, ..Default::default() }).unwrap();
    assert_eq!(trickle.layout, Layout::Trickle);
}
