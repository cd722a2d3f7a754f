//! `cat`, `get` and `ls`: reading UnixFS content out of the local store.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::node::dag::exporter;

pub fn cat(repo: &Path, cid: &str) -> Result<()> {
    let cid = super::parse_cid(cid)?;
    let store = super::open_store(repo)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    exporter::cat(&store, &cid, &mut out)?;
    out.flush().context("writing to stdout")?;
    Ok(())
}

pub fn get(repo: &Path, cid: &str, output: Option<&Path>) -> Result<()> {
    let cid = super::parse_cid(cid)?;
    let store = super::open_store(repo)?;
    let default = cid.to_string();
    let dest = output.unwrap_or_else(|| Path::new(&default));
    exporter::get(&store, &cid, dest)?;
    println!("Saved {} to {}", cid, dest.display());
    Ok(())
}

/// One line of `ls --json`.
#[derive(Debug, Serialize)]
struct LsEntry {
    name: String,
    cid: String,
    size: u64,
    #[serde(rename = "type")]
    kind: String,
}

pub fn ls(repo: &Path, cid: &str, json: bool) -> Result<()> {
    let cid = super::parse_cid(cid)?;
    let store = super::open_store(repo)?;
    let entries = exporter::ls(&store, &cid)?;
    for e in entries {
        let kind = format!("{:?}", e.kind).to_lowercase();
        if json {
            let line = LsEntry { name: e.name.clone(), cid: e.cid.to_string(), size: e.size, kind };
            println!("{}", serde_json::to_string(&line)?);
        } else {
            let slash = if kind == "directory" || kind == "hamtshard" { "/" } else { "" };
            println!("{} {} {}{}", e.cid, e.size, e.name, slash);
        }
    }
    Ok(())
}
