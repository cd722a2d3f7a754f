// A js circuit relay v2 server and a Helia peer reachable ONLY through it, all on 127.0.0.1 (issue 12: most providers
// on the public network sit behind NAT and are reached through relays).
//
//   node relay.mjs FILE [--dht]
//       starts the relay (TCP on 127.0.0.1, @libp2p/circuit-relay-v2's server) and a Helia peer that listens on
//       nothing but a `/p2p-circuit` address on that relay (it dials the relay over TCP and holds a reservation).
//       The peer imports FILE (Helia's defaults) and serves it over Bitswap. Prints one JSON line:
//       {"relay": {"peer_id", "addrs"}, "peer": {"peer_id", "addrs"}, "cid"}, where the peer's addrs are all
//       circuit addresses; then runs until stdin closes.
//       --dht: the relay is also a Kademlia DHT server (/ipfs/kad/1.0.0, loopback kept as in dht.mjs) and the peer, a
//       DHT client, provides the CID there: its provider record carries only its circuit address.
//
// The relay applies no data or time limit to circuits (js and Kubo relays limit a circuit to 128 KiB and 2 min by
// default, and js marks such a connection "limited", where Bitswap does not run), so a whole file can pass.
import './polyfill.mjs'
import { createLibp2p } from 'libp2p'
import { createHeliaLight } from 'helia'
import { withLibp2pLight } from '@helia/libp2p'
import { withBitswap } from '@helia/bitswap'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { importPath } from './lib.mjs'

const sleep = (ms) => new Promise(resolve => setTimeout(resolve, ms))

const file = process.argv[2]
const withDht = process.argv.includes('--dht')
if (file == null) {
  process.stderr.write('usage: node relay.mjs FILE [--dht]\n')
  process.exit(2)
}
const dht = (clientMode) => kadDHT({ protocol: '/ipfs/kad/1.0.0', clientMode, peerInfoMapper: passthroughMapper })

const relay = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  connectionManager: { allow: ['/ip4/127.0.0.0/ipcidr/8'] },
  services: {
    identify: identify(),
    ping: ping(),
    relay: circuitRelayServer({ reservations: { applyDefaultLimit: false } }),
    ...(withDht ? { dht: dht(false) } : {})
  }
})
await relay.start()
const relayAddr = relay.getMultiaddrs()[0]

const helia = withBitswap(withLibp2pLight(createHeliaLight(), {
  // No direct listen address: only the relay's circuit.
  addresses: { listen: [`${relayAddr.toString()}/p2p-circuit`] },
  transports: [tcp(), circuitRelayTransport()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  connectionManager: { allow: ['/ip4/127.0.0.0/ipcidr/8'] },
  services: { identify: identify(), ping: ping(), ...(withDht ? { dht: dht(true) } : {}) }
}))
await helia.start()

// The circuit address appears once the relay accepted the reservation.
const until = Date.now() + 20_000
let addrs = []
while (Date.now() < until) {
  addrs = helia.libp2p.getMultiaddrs().map(a => a.toString())
  if (addrs.some(a => a.includes('/p2p-circuit'))) break
  await sleep(50)
}
if (!addrs.some(a => a.includes('/p2p-circuit'))) throw new Error('the relay never accepted the reservation')
if (addrs.some(a => !a.includes('/p2p-circuit'))) throw new Error(`a direct address is listened on: ${addrs}`)

const cid = await importPath(helia, file, 'helia')
if (withDht) {
  // js queries wait for a routing-table entry (the relay, once identify and ping answered).
  while ((helia.libp2p.services.dht.routingTable?.size ?? 0) === 0 && Date.now() < until + 10_000) await sleep(50)
  await helia.libp2p.contentRouting.provide(cid, { signal: AbortSignal.timeout(20_000) })
}
process.stdout.write(JSON.stringify({
  relay: { peer_id: relay.peerId.toString(), addrs: relay.getMultiaddrs().map(a => a.toString()) },
  peer: { peer_id: helia.libp2p.peerId.toString(), addrs },
  cid: cid.toString()
}) + '\n')

process.stdin.resume()
await new Promise(resolve => process.stdin.on('end', resolve))
await helia.stop()
await relay.stop()
process.exit(0)
