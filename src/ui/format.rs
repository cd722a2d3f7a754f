//! Short, fixed-width renderings of what panes show: byte counts, ages, ids.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// 1536 -> "1.5 KiB".
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 { format!("{n} B") } else { format!("{v:.1} {}", UNITS[u]) }
}

/// 1536 -> "1.5K": for the narrow places (graph titles), as `bytes` without the space and the "iB".
pub fn bytes_short(n: u64) -> String {
    let long = bytes(n);
    match long.split_once(' ') {
        Some((v, "B")) => format!("{v}B"),
        Some((v, unit)) => format!("{v}{}", &unit[..1]),
        None => long,
    }
}

/// Milliseconds -> "850ms", "12s", "3m04s", "2h05m".
pub fn age(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0 => format!("{ms}ms"),
        1..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// Columns `text` takes on a terminal (CJK and most emoji take two).
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// The longest start of `chars` that fits in `width` columns.
fn take_cols(chars: impl Iterator<Item = char>, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in chars {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out
}

/// The longest end of `text` that fits in `width` columns.
fn last_cols(text: &str, width: usize) -> String {
    take_cols(text.chars().rev(), width).chars().rev().collect()
}

/// The tail of an id, which is what tells ids apart ("…k3Xa9").
pub fn short(id: &str, keep: usize) -> String {
    if width(id) <= keep + 1 { id.to_string() } else { format!("…{}", last_cols(id, keep)) }
}

/// `id` in at most `cols` columns, cut in the middle ("bafkrei…atv5sq"): both ends tell CIDs and peer ids apart
/// (the start says the version and codec, the end the hash), so the middle is what goes. Measured in columns, so a
/// file name in CJK or with emoji fits its column too.
pub fn middle(id: &str, cols: usize) -> String {
    if width(id) <= cols {
        return id.to_string();
    }
    if cols < 3 {
        return take_cols(id.chars(), cols);
    }
    let head = (cols - 1) / 2;
    let start = take_cols(id.chars(), head);
    let end = last_cols(id, cols - 1 - width(&start));
    format!("{start}…{end}")
}

/// An address in at most `cols` columns that keeps its end (the port, or the `/p2p/` id's tail): the start
/// (`/ip4/`) is the least telling part.
pub fn tail(addr: &str, cols: usize) -> String {
    if cols == 0 {
        return String::new();
    }
    if width(addr) <= cols {
        return addr.to_string();
    }
    format!("…{}", last_cols(addr, cols - 1))
}

/// `text` in at most `cols` columns, cut at its end with "…" (an agent, a name).
pub fn fit(text: &str, cols: usize) -> String {
    if width(text) <= cols {
        return text.to_string();
    }
    if cols == 0 {
        return String::new();
    }
    format!("{}…", take_cols(text.chars(), cols - 1))
}

/// Clock time of day, UTC, from milliseconds since the epoch.
pub fn clock(ms: u64) -> String {
    let s = (ms / 1000) % 86_400;
    format!("{:02}:{:02}:{:02}.{:03}", s / 3600, (s % 3600) / 60, s % 60, ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 << 30), "3.0 GiB");
        assert_eq!(bytes_short(512), "512B");
        assert_eq!(bytes_short(8 << 20), "8.0M");
        assert_eq!(age(850), "850ms");
        assert_eq!(age(184_000), "3m04s");
        assert_eq!(short("12D3KooWabcdef", 4), "…cdef");
        assert_eq!(clock(3_723_004), "01:02:03.004");
        assert_eq!(middle("bafkreibceu2i6hie", 9), "bafk…6hie");
        assert_eq!(middle("bafkreibceu2i6hie", 9).chars().count(), 9);
        assert_eq!(middle("short", 9), "short");
        assert_eq!(tail("/ip4/127.0.0.1/tcp/40111", 12), "…1/tcp/40111");
    }

    #[test]
    fn cuts_are_measured_in_columns_not_characters() {
        // Each CJK character and the emoji take two columns.
        let name = "日本語のファイル名🚀.txt";
        for cols in 0..30 {
            assert!(width(&middle(name, cols)) <= cols, "middle at {cols}: {}", middle(name, cols));
            assert!(width(&tail(name, cols)) <= cols, "tail at {cols}");
            assert!(width(&fit(name, cols)) <= cols, "fit at {cols}");
        }
        assert_eq!(middle(name, 11), "日本…🚀.txt");
        assert_eq!(fit("日本語のエージェント", 7), "日本語…");
        assert_eq!(tail("/dns/例え.jp/tcp/1", 9), "…jp/tcp/1");
        assert_eq!(short("ab日本", 4), "…日本");
    }
}
