//! Frame costs of a replay at scale (issue 14): replays a recording headlessly, paced as `swarmscope replay --speed
//! X` paces it (33 ms frames), into a TestBackend, and prints the median, p99 and max of the render time and of the
//! reducer time per frame. `cargo run --release --example bench_replay FILE [SPEED] [WxH] [PANE]`;
//! scripts/bench-replay records a 256 MiB get first.

use std::time::Duration;

use swarmscope::app::replay::frame_costs;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or_else(|| anyhow::anyhow!("usage: bench_replay FILE [SPEED] [WxH] [PANE]"))?;
    let speed: f64 = args.next().map_or(Ok(10.0), |s| s.parse())?;
    let size = args.next().unwrap_or_else(|| "200x50".into());
    let (w, h) = size.split_once('x').ok_or_else(|| anyhow::anyhow!("size as WxH"))?;
    let (w, h): (u16, u16) = (w.parse()?, h.parse()?);
    let pane = args.next();
    let costs = frame_costs(path.as_ref(), speed, w, h, pane.as_deref())?;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let stats = |mut v: Vec<Duration>| {
        v.sort();
        let p = |q: f64| ms(v[((v.len() - 1) as f64 * q) as usize]);
        (p(0.5), p(0.99), ms(*v.last().unwrap_or(&Duration::ZERO)))
    };
    anyhow::ensure!(!costs.is_empty(), "no frames: an empty recording?");
    let lines: usize = costs.iter().map(|c| c.lines).sum();
    let (rmed, rp99, rmax) = stats(costs.iter().map(|c| c.render).collect());
    let (amed, ap99, amax) = stats(costs.iter().map(|c| c.apply).collect());
    let both = stats(costs.iter().map(|c| c.render + c.apply).collect());
    println!(
        "{} frames at {w}x{h} ({}), {speed}x, {lines} lines\n\
         render ms: median {rmed:.2} p99 {rp99:.2} max {rmax:.2}\n\
         reducer ms per frame: median {amed:.2} p99 {ap99:.2} max {amax:.2}\n\
         frame (reducer + render) ms: median {:.2} p99 {:.2} max {:.2}",
        costs.len(),
        pane.as_deref().unwrap_or("default pane"),
        both.0,
        both.1,
        both.2
    );
    Ok(())
}
