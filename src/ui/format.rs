//! Short, fixed-width renderings of what panes show: byte counts, ages, ids.

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

/// The tail of an id, which is what tells ids apart ("…k3Xa9").
pub fn short(id: &str, keep: usize) -> String {
    let n = id.chars().count();
    if n <= keep + 1 { id.to_string() } else { format!("…{}", id.chars().skip(n - keep).collect::<String>()) }
}

/// `id` in at most `width` characters, cut in the middle ("bafkrei…atv5sq"): both ends tell CIDs and peer ids
/// apart (the start says the version and codec, the end the hash), so the middle is what goes.
pub fn middle(id: &str, width: usize) -> String {
    let n = id.chars().count();
    if n <= width {
        return id.to_string();
    }
    if width < 3 {
        return id.chars().take(width).collect();
    }
    let head = (width - 1) / 2;
    let tail = width - 1 - head;
    let start: String = id.chars().take(head).collect();
    let end: String = id.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

/// An address in at most `width` characters that keeps its end (the port, or the `/p2p/` id's tail): the start
/// (`/ip4/`) is the least telling part.
pub fn tail(addr: &str, width: usize) -> String {
    let n = addr.chars().count();
    if n <= width || width == 0 {
        return if width == 0 { String::new() } else { addr.to_string() };
    }
    format!("…{}", addr.chars().skip(n - (width - 1)).collect::<String>())
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
}
