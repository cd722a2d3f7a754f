//! Starting the listeners, with a port in use as a clear error. libp2p-tcp sets SO_REUSEPORT on every listening
//! socket (so that dials can reuse the listen port), and two processes that both set it share a port without
//! complaint: a second daemon on a port in use used to start and take half of the first one's incoming
//! connections. So each port is first bound here without SO_REUSEPORT, which fails while anyone listens on it; the
//! probe is closed again before libp2p binds (two daemons started in the same microsecond could still both pass).
//! libp2p's own listen errors (QUIC's UDP bind) display as an empty string: their cause is dug out of the chain.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr, TcpListener, UdpSocket};

use libp2p::core::transport::ListenerId;
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, Swarm};

use super::StartError;

/// What a port in use is called, and what to do about it.
const IN_USE: &str = "address already in use (is another swarmscope running? pick another port with --listen)";

/// Listens on every address; the first that fails stops the start with the reason.
pub(crate) fn listen_all<B: libp2p::swarm::NetworkBehaviour>(
    swarm: &mut Swarm<B>,
    addrs: &[Multiaddr],
) -> Result<HashMap<ListenerId, bool>, StartError> {
    let mut listeners = HashMap::new();
    for addr in addrs {
        let failed = |reason: String| StartError::Listen { addr: addr.to_string(), reason };
        // A `/p2p-circuit` address names the relay's port, not one of ours: nothing to probe.
        if !crate::node::routing::circuit::is_relayed(addr) {
            probe(addr).map_err(|e| failed(describe_io(&e)))?;
        }
        let id = swarm.listen_on(addr.clone()).map_err(|e| failed(describe(&e)))?;
        listeners.insert(id, false);
    }
    Ok(listeners)
}

/// Binds `addr`'s TCP or UDP port without SO_REUSEPORT and closes it again; port 0 and other transports pass.
fn probe(addr: &Multiaddr) -> io::Result<()> {
    let mut ip: Option<IpAddr> = None;
    for p in addr.iter() {
        match p {
            Protocol::Ip4(a) => ip = Some(a.into()),
            Protocol::Ip6(a) => ip = Some(a.into()),
            Protocol::Tcp(port) if port != 0 => {
                if let Some(ip) = ip {
                    // std sets SO_REUSEADDR (a port left in TIME_WAIT by a stopped daemon is free), never
                    // SO_REUSEPORT: binding fails while another socket listens on the port.
                    TcpListener::bind(SocketAddr::new(ip, port))?;
                }
                return Ok(());
            }
            Protocol::Udp(port) if port != 0 => {
                if let Some(ip) = ip {
                    UdpSocket::bind(SocketAddr::new(ip, port))?;
                }
                return Ok(());
            }
            _ => {}
        }
    }
    Ok(())
}

fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::AddrInUse => IN_USE.to_string(),
        io::ErrorKind::AddrNotAvailable => "no such address on this machine".to_string(),
        io::ErrorKind::PermissionDenied => format!("{e} (ports below 1024 need privileges)"),
        _ => e.to_string(),
    }
}

/// One line for an error and its causes: the non-empty messages, outermost first, each said once; a port in use
/// anywhere in the chain is said the standard way. libp2p's boxed transports wrap errors in `Either`s that forward
/// `source()` past themselves, so the io::Error of a QUIC bind cannot be reached by type: its message is matched.
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(e);
    while let Some(err) = next {
        if err.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::AddrInUse) {
            return IN_USE.to_string();
        }
        let text = err.to_string().replace('\n', " ");
        let text = text.trim();
        if text.to_lowercase().contains("address already in use") {
            return IN_USE.to_string();
        }
        if !text.is_empty() && !parts.iter().any(|p| p.contains(text)) {
            parts.push(text.to_string());
        }
        next = err.source();
    }
    if parts.is_empty() { "unknown error (the transport gave no reason)".to_string() } else { parts.join(": ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_in_use_is_found_and_port_0_passes() {
        let held = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = held.local_addr().unwrap().port();
        let addr: Multiaddr = format!("/ip4/127.0.0.1/tcp/{port}").parse().unwrap();
        assert_eq!(describe_io(&probe(&addr).unwrap_err()), IN_USE);
        assert!(probe(&"/ip4/127.0.0.1/tcp/0".parse().unwrap()).is_ok());

        let held = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = held.local_addr().unwrap().port();
        let addr: Multiaddr = format!("/ip4/127.0.0.1/udp/{port}/quic-v1").parse().unwrap();
        assert_eq!(describe_io(&probe(&addr).unwrap_err()), IN_USE);
        assert!(probe(&"/ip4/127.0.0.1/udp/0/quic-v1".parse().unwrap()).is_ok());
    }

    #[test]
    fn an_empty_outer_message_gives_way_to_its_cause() {
        #[derive(Debug)]
        struct Silent(io::Error);
        impl std::fmt::Display for Silent {
            fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                Ok(())
            }
        }
        impl std::error::Error for Silent {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let refused = Silent(io::Error::new(io::ErrorKind::ConnectionRefused, "no"));
        assert_eq!(describe(&refused), "no");
        let in_use = Silent(io::Error::other(Silent(io::Error::from(io::ErrorKind::AddrInUse))));
        assert_eq!(describe(&in_use), IN_USE);
        assert_eq!(
            describe(&Silent(io::Error::other(Silent(io::Error::other(""))))),
            "unknown error (the transport gave no reason)"
        );
    }

    #[tokio::test]
    async fn libp2p_own_listen_errors_say_why() {
        // Ports held without SO_REUSEPORT: libp2p's bind itself fails, past the probe (a daemon that won the race).
        let key = libp2p::identity::Keypair::generate_ed25519();
        let limits = crate::node::swarm::Limits::default();
        let mut swarm = crate::node::swarm::build(key, false, std::time::Duration::from_secs(5), limits).unwrap();
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let quic: Multiaddr =
            format!("/ip4/127.0.0.1/udp/{}/quic-v1", udp.local_addr().unwrap().port()).parse().unwrap();
        assert_eq!(describe(&swarm.listen_on(quic).unwrap_err()), IN_USE);
        let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr: Multiaddr = format!("/ip4/127.0.0.1/tcp/{}", tcp.local_addr().unwrap().port()).parse().unwrap();
        assert_eq!(describe(&swarm.listen_on(addr).unwrap_err()), IN_USE);
    }
}
