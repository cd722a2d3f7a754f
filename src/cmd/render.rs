//! A command's result as the command line prints it: text as Kubo's CLI does, or one JSON object per line with
//! `--json`. Results that mean failure to a script (blocks missing from `block rm`, bad blocks in `repo verify`)
//! print what they found and then return the error.

use std::io::Write;

use anyhow::{Result, bail};
use serde::Serialize;

use super::view::View;
use crate::node::bitswap::ledger::Ledger;
use crate::ops::Outcome;
use crate::ops::outcome::{BitswapStat, IdInfo, PinType, RebuildReport, RepoStat};

fn line(out: &mut dyn Write, value: &impl Serialize) -> Result<()> {
    writeln!(out, "{}", serde_json::to_string(value)?)?;
    Ok(())
}

pub fn render(view: &View, outcome: Outcome, out: &mut dyn Write) -> Result<()> {
    match outcome {
        Outcome::Added { roots } => {
            if let (true, Some(last)) = (view.quieter, roots.last()) {
                writeln!(out, "{last}")?;
            }
        }
        Outcome::Streamed { .. } | Outcome::Exported { .. } | Outcome::Imported { .. } => {}
        Outcome::Saved { cid, dest, stats } => match stats {
            Some(stats) if view.json => line(out, &stats)?,
            _ => writeln!(out, "Saved {cid} to {}", dest.display())?,
        },
        Outcome::Listed { entries } => {
            for e in entries {
                if view.json {
                    line(out, &e)?;
                } else {
                    let slash = if e.kind.is_dir() { "/" } else { "" };
                    writeln!(out, "{} {} {}{slash}", e.cid, e.size, e.name)?;
                }
            }
        }
        Outcome::BlockPut { cid } => writeln!(out, "{cid}")?,
        Outcome::BlockStat { cid, size } => {
            if view.json {
                line(out, &serde_json::json!({ "cid": cid.to_string(), "size": size }))?;
            } else {
                writeln!(out, "Key: {cid}\nSize: {size}")?;
            }
        }
        Outcome::BlocksRemoved { results } => {
            let (mut missing, mut pinned) = (0, 0);
            let one = results.len() == 1;
            for r in results {
                let why = match &r.pinned {
                    _ if r.removed => {
                        writeln!(out, "removed {}", r.cid)?;
                        continue;
                    }
                    Some(why) => {
                        pinned += 1;
                        format!("cannot remove {}: {why}", r.cid)
                    }
                    None => {
                        missing += 1;
                        format!("block {} not found in the local store", r.cid)
                    }
                };
                // One block: its reason is the one error line.
                if one {
                    bail!("{why}");
                }
                eprintln!("error: {why}");
            }
            match (missing, pinned) {
                (0, 0) => {}
                (m, 0) => bail!("{m} block(s) were not in the store"),
                (0, p) => bail!("{p} block(s) are pinned and were kept (`pin rm` first)"),
                (m, p) => bail!("{m} block(s) were not in the store; {p} are pinned and were kept"),
            }
        }
        Outcome::Fetched { cid, blocks, bytes } => {
            line(out, &serde_json::json!({ "cid": cid.to_string(), "blocks": blocks, "bytes": bytes }))?;
        }
        Outcome::Explored(explored) => {
            for row in explored.rows {
                line(out, &row)?;
            }
        }
        Outcome::Pinned { cid, direct } => {
            writeln!(out, "pinned {cid} {}", if direct { "directly" } else { "recursively" })?;
        }
        Outcome::Unpinned { cid } => writeln!(out, "unpinned {cid}")?,
        Outcome::Pins { pins } => {
            for p in pins {
                if view.json {
                    line(out, &p)?;
                } else {
                    writeln!(out, "{} {}", p.cid, if p.kind == PinType::Recursive { "recursive" } else { "direct" })?;
                }
            }
        }
        Outcome::RepoStat(s) => repo_stat(view, &s, out)?,
        Outcome::Verified(report) => {
            if view.json {
                line(out, &report)?;
            } else {
                warn(&report.problems);
                for bad in &report.bad {
                    writeln!(out, "bad block {bad}")?;
                }
                writeln!(out, "verified {} blocks ({} bytes)", report.checked, report.bytes)?;
            }
            if !report.bad.is_empty() {
                bail!(
                    "{} block(s) failed verification; they now count as missing: add their data again or fetch them",
                    report.bad.len()
                );
            }
            if !report.problems.is_empty() {
                bail!("the repo has {} problem(s), listed above", report.problems.len());
            }
        }
        Outcome::Rebuilt { report, problems } => {
            if view.json {
                line(out, &report)?;
            } else {
                rebuilt(&report, out)?;
                warn(&problems);
            }
        }
        Outcome::Collected(stats) => {
            if view.json {
                line(out, &stats)?;
            } else {
                writeln!(out, "removed {} blocks ({} bytes)", stats.removed_blocks, stats.removed_bytes)?;
            }
        }
        Outcome::CidInfo(info) => {
            if view.json {
                line(out, &info)?;
            } else {
                writeln!(out, "CID:       {}", info.cid)?;
                writeln!(out, "Version:   {}", info.version)?;
                writeln!(out, "Codec:     {} (0x{:x})", info.codec, info.codec_code)?;
                let mh = &info.multihash;
                writeln!(out, "Multihash: {} (0x{:x}), {} bytes", mh.name, mh.code, mh.length)?;
                writeln!(out, "Digest:    {}", mh.digest_hex)?;
                writeln!(out, "CIDv1:     {}", info.cid_v1)?;
                writeln!(out, "CIDv0:     {}", info.cid_v0.as_deref().unwrap_or("-"))?;
            }
        }
        Outcome::Id(id) => identity(view, &id, out)?,
        Outcome::Peers { peers } => {
            for p in peers {
                if view.json {
                    line(out, &p)?;
                } else if view.verbose {
                    let agent = p.agent.as_deref().unwrap_or("-");
                    let direction = match p.direction {
                        Some(crate::node::events::Direction::In) => "inbound",
                        Some(crate::node::events::Direction::Out) => "outbound",
                        None => "-",
                    };
                    let latency = p.latency_ms.map_or("-".to_string(), |ms| format!("{ms:.1}ms"));
                    let bitswap = match (&p.bitswap_version, p.bitswap) {
                        (Some(v), _) => format!("bitswap/{v}"),
                        (None, true) => "bitswap".to_string(),
                        (None, false) => "-".to_string(),
                    };
                    let relayed = if p.relayed { " relayed" } else { "" };
                    writeln!(
                        out,
                        "{}/p2p/{} {direction}{relayed} {latency} {agent} {bitswap} in:{} out:{}",
                        p.addr,
                        p.peer,
                        si_bytes(p.bytes_received as f64),
                        si_bytes(p.bytes_sent as f64)
                    )?;
                    for protocol in &p.protocols {
                        writeln!(out, "  {protocol}")?;
                    }
                } else {
                    writeln!(out, "{}/p2p/{}", p.addr, p.peer)?;
                }
            }
        }
        Outcome::Connected { .. } => writeln!(out, "connect {} success", view.arg)?,
        Outcome::Disconnected { .. } => writeln!(out, "disconnect {} success", view.arg)?,
        Outcome::Providers { providers, streamed } => {
            for p in providers.iter().filter(|_| !streamed) {
                if view.json {
                    line(out, &p)?;
                } else {
                    writeln!(out, "{}", p.text())?;
                }
            }
        }
        Outcome::PeerAddrs { addrs, .. } => {
            for a in addrs {
                writeln!(out, "{a}")?;
            }
        }
        Outcome::Provided { cid, peers, blocks: 1 } => writeln!(out, "provided {cid} to {peers} peers")?,
        Outcome::Provided { cid, peers, blocks } => {
            writeln!(out, "provided {cid} and the {} blocks under it to {peers} peers or more", blocks - 1)?
        }
        Outcome::Checked(report) => {
            if view.json {
                line(out, &report)?;
            } else {
                write!(out, "{}", crate::ops::check::text(&report))?;
            }
            // Scripts read the exit status: non-zero when no reachable peer serves it.
            if !report.ok {
                out.flush()?;
                anyhow::bail!("{}", report.verdict);
            }
        }
        Outcome::BitswapStat(s) => bitswap_stat(view, &s, out)?,
        Outcome::BitswapMessages { messages } => {
            for m in &messages {
                if view.json {
                    line(out, m)?;
                } else {
                    writeln!(out, "{}", m.lines().join("\n"))?;
                }
            }
        }
        Outcome::Bandwidth(b) => {
            if view.json {
                line(out, &b)?;
            } else {
                writeln!(
                    out,
                    "Bandwidth\nTotalIn: {}\nTotalOut: {}",
                    si_bytes(b.total_in as f64),
                    si_bytes(b.total_out as f64)
                )?;
                writeln!(out, "RateIn: {}/s\nRateOut: {}/s", si_bytes(b.rate_in), si_bytes(b.rate_out))?;
            }
        }
        Outcome::Wantlist { ours } => {
            for w in &ours {
                if view.json {
                    line(out, w)?;
                } else {
                    writeln!(out, "{}", w.cid)?;
                }
            }
        }
        Outcome::PeerWants { wants, .. } => {
            for w in &wants {
                if view.json {
                    line(out, w)?;
                } else {
                    writeln!(out, "{} {}", w.cid, w.want_type)?;
                }
            }
        }
        Outcome::Ledger { ledger, .. } => self::ledger(view, &ledger, out)?,
        Outcome::Why(report) => {
            if view.json {
                line(out, &report)?;
            } else {
                for l in report.lines() {
                    writeln!(out, "{l}")?;
                }
            }
        }
    }
    Ok(())
}

fn repo_stat(view: &View, s: &RepoStat, out: &mut dyn Write) -> Result<()> {
    if view.json {
        #[derive(Serialize)]
        struct Json<'a> {
            repo: String,
            blocks: u64,
            block_bytes: u64,
            disk_bytes: u64,
            bad_blocks: u64,
            problems: &'a [String],
        }
        let (blocks, block_bytes, disk_bytes, bad_blocks) = (s.blocks, s.block_bytes, s.disk_bytes, s.bad_blocks);
        let repo = s.repo.display().to_string();
        return line(out, &Json { repo, blocks, block_bytes, disk_bytes, bad_blocks, problems: &s.problems });
    }
    warn(&s.problems);
    writeln!(out, "Repo:        {}", s.repo.display())?;
    writeln!(out, "Blocks:      {}", s.blocks)?;
    writeln!(out, "Block bytes: {}", s.block_bytes)?;
    let ratio = if s.block_bytes > 0 { s.disk_bytes as f64 / s.block_bytes as f64 } else { 0.0 };
    writeln!(out, "Disk bytes:  {} ({ratio:.3}x block bytes)", s.disk_bytes)?;
    writeln!(out, "Bad blocks:  {}", s.bad_blocks)?;
    Ok(())
}

/// What opening the repo found wrong, on stderr.
fn warn(problems: &[String]) {
    for p in problems {
        eprintln!("warning: {p}");
    }
}

fn rebuilt(r: &RebuildReport, out: &mut dyn Write) -> Result<()> {
    for line in &r.damaged_blocks {
        writeln!(out, "damaged block skipped: {line}")?;
    }
    for line in &r.damaged_ranges {
        writeln!(out, "unreadable bytes skipped: {line}")?;
    }
    for line in &r.set_aside {
        writeln!(out, "no readable record, set aside as {line}")?;
    }
    if let Some(old) = &r.old_index {
        writeln!(out, "the old index is kept as {old}")?;
    }
    writeln!(
        out,
        "rebuilt the index from {} segments: {} blocks ({} bytes), {} pins; {} duplicate copies, {} damaged blocks skipped",
        r.segments,
        r.blocks,
        r.block_bytes,
        r.pins,
        r.duplicates,
        r.damaged_blocks.len()
    )?;
    Ok(())
}

fn identity(view: &View, id: &IdInfo, out: &mut dyn Write) -> Result<()> {
    if view.json {
        return line(out, id);
    }
    writeln!(out, "{}", id.peer_id)?;
    writeln!(out, "agent: {}", id.agent)?;
    if let (Some(mode), Some(reach)) = (&id.dht_mode, &id.reachability) {
        writeln!(out, "dht: {mode}, reachability: {reach}")?;
    }
    if let Some(routers) = &id.routers {
        let list = if routers.is_empty() { "none".to_string() } else { routers.join(" ") };
        writeln!(out, "routers: {list}")?;
    }
    for a in &id.addresses {
        writeln!(out, "{a}")?;
    }
    Ok(())
}

fn bitswap_stat(view: &View, s: &BitswapStat, out: &mut dyn Write) -> Result<()> {
    if view.json {
        return line(out, s);
    }
    writeln!(out, "bitswap status")?;
    writeln!(out, "\tpeers: {}\n\tpeers departed: {}\n\twantlist: {} keys", s.peers, s.departed, s.wants)?;
    writeln!(out, "\tblocks received: {} ({} bytes)", s.blocks_received, s.bytes_received)?;
    writeln!(out, "\tblocks sent: {} ({} bytes)", s.blocks_sent, s.bytes_sent)?;
    writeln!(out, "\tdup blocks received: {}\n\trejected blocks: {}", s.duplicate_blocks, s.rejected_blocks)?;
    writeln!(out, "\tnode tasks: {}", s.tasks)?;
    writeln!(out, "\tblock byte copies:")?;
    for c in &s.copies {
        writeln!(out, "\t\t{}: {} ({} bytes)", c.site.name(), c.copies, c.bytes)?;
    }
    Ok(())
}

fn ledger(view: &View, ledger: &Ledger, out: &mut dyn Write) -> Result<()> {
    let peer = &view.arg;
    if view.json {
        #[derive(Serialize)]
        struct Json<'a> {
            peer: &'a str,
            debt_ratio: f64,
            #[serde(flatten)]
            ledger: &'a Ledger,
        }
        return line(out, &Json { peer, debt_ratio: ledger.debt_ratio(), ledger });
    }
    writeln!(out, "Ledger for {peer}")?;
    writeln!(out, "Debt ratio:\t{:.6}", ledger.debt_ratio())?;
    writeln!(out, "Exchanges:\t{}", ledger.blocks_sent + ledger.blocks_received)?;
    writeln!(out, "Bytes sent:\t{}", ledger.bytes_sent)?;
    writeln!(out, "Bytes received:\t{}", ledger.bytes_received)?;
    writeln!(out, "Blocks sent:\t{}\nBlocks received:\t{}", ledger.blocks_sent, ledger.blocks_received)?;
    writeln!(out, "Duplicate blocks:\t{}", ledger.duplicate_blocks)?;
    if ledger.left_ms.is_some() {
        writeln!(out, "Connected:\tno (left; ledger kept)")?;
    }
    Ok(())
}

/// Bytes as Kubo prints them (go-humanize's SI form): "512 B", "1.2 kB", "34 MB".
pub fn si_bytes(n: f64) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    if n < 10.0 {
        return format!("{} B", n.round() as u64);
    }
    let exp = ((n.log10() / 3.0).floor() as usize).min(UNITS.len() - 1);
    let val = n / 1000f64.powi(exp as i32);
    if val < 10.0 { format!("{val:.1} {}", UNITS[exp]) } else { format!("{val:.0} {}", UNITS[exp]) }
}

#[cfg(test)]
mod si_tests {
    #[test]
    fn bytes_read_as_in_kubo() {
        assert_eq!(super::si_bytes(0.0), "0 B");
        assert_eq!(super::si_bytes(999.0), "999 B");
        assert_eq!(super::si_bytes(1234.0), "1.2 kB");
        assert_eq!(super::si_bytes(34_000_000.0), "34 MB");
    }
}
