//! The node's identity: an Ed25519 key created on first start and kept in the repo (owner-only), so the peer id
//! stays the same across restarts as Kubo's and Helia's do.

use std::io::Write;
use std::path::Path;

use libp2p::identity::Keypair;

pub const IDENTITY_FILE: &str = "identity.key";

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("identity file {0}: {1}")]
    Io(String, std::io::Error),
    #[error("identity file {0} is not a libp2p private key: {1}")]
    Decode(String, String),
}

/// Loads the repo's key, creating it on first use.
pub fn load_or_create(repo: &Path) -> Result<Keypair, IdentityError> {
    let path = repo.join(IDENTITY_FILE);
    let name = path.display().to_string();
    match std::fs::read(&path) {
        Ok(bytes) => Keypair::from_protobuf_encoding(&bytes).map_err(|e| IdentityError::Decode(name, e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(repo).map_err(|e| IdentityError::Io(name.clone(), e))?;
            let key = Keypair::generate_ed25519();
            let bytes = key.to_protobuf_encoding().map_err(|e| IdentityError::Decode(name.clone(), e.to_string()))?;
            let tmp = repo.join(format!("{IDENTITY_FILE}.tmp"));
            let write = || -> std::io::Result<()> {
                use std::os::unix::fs::OpenOptionsExt;
                let mut f =
                    std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
                f.write_all(&bytes)?;
                f.sync_all()?;
                std::fs::rename(&tmp, &path)
            };
            write().map_err(|e| IdentityError::Io(name, e))?;
            Ok(key)
        }
        Err(e) => Err(IdentityError::Io(name, e)),
    }
}
