//! `pin add|rm|ls`.

use anyhow::{Result, bail};
use serde::Serialize;

use crate::cli::PinCommand;
use crate::node::blockstore::PinKind;

#[derive(Debug, Serialize)]
struct PinEntry {
    cid: String,
    #[serde(rename = "type")]
    kind: PinKind,
}

pub fn run(ctx: &mut super::Ctx, command: PinCommand) -> Result<()> {
    match command {
        PinCommand::Add { cid, direct } => {
            let cid = super::parse_cid(&cid)?;
            let store = ctx.store()?;
            let kind = if direct { PinKind::Direct } else { PinKind::Recursive };
            store.pin_add(&cid, kind)?;
            writeln!(ctx.out, "pinned {cid} {}", if direct { "directly" } else { "recursively" })?;
        }
        PinCommand::Rm { cid } => {
            let cid = super::parse_cid(&cid)?;
            let store = ctx.store()?;
            if !store.pin_rm(&cid)? {
                bail!("{cid} is not pinned");
            }
            writeln!(ctx.out, "unpinned {cid}")?;
        }
        PinCommand::Ls { cid, json } => {
            let filter = cid.as_deref().map(super::parse_cid).transpose()?;
            let store = ctx.store()?;
            let pins: Vec<_> =
                store.pins()?.into_iter().filter(|(c, _)| filter.is_none_or(|f| f.hash() == c.hash())).collect();
            if let (Some(f), true) = (filter, pins.is_empty()) {
                bail!("{f} is not pinned");
            }
            for (cid, kind) in pins {
                if json {
                    writeln!(ctx.out, "{}", serde_json::to_string(&PinEntry { cid: cid.to_string(), kind })?)?;
                } else {
                    writeln!(ctx.out, "{cid} {}", if kind == PinKind::Recursive { "recursive" } else { "direct" })?;
                }
            }
        }
    }
    Ok(())
}
