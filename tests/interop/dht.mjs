// A js Kademlia DHT on 127.0.0.1 only: N Helia nodes with @libp2p/kad-dht on /ipfs/kad/1.0.0 in server mode,
// TCP + noise + yamux, identify, ping, bitswap. No bootstrap list, no mDNS, no routers: these nodes dial only each
// other and the peers the test names. Loopback needs three non-default settings (shared/INTEROP.md): server mode,
// a peer-info mapper that keeps 127.0.0.1 addresses, and an allow list past the 5-inbound-per-second limit.
//
//   node dht.mjs net N
//       starts N nodes joined into one DHT, prints {"nodes": [{"peer_id", "addrs"}]}, then answers one JSON line
//       per command line on stdin until stdin closes:
//       {"op": "provide", "node": I, "file": PATH}        imports PATH into node I, provides it: {"cid", "ms"}
//       {"op": "findprovs", "node": I, "cid": CID}        the providers node I finds: {"providers": [...], "ms"}
//       {"op": "router", "node": I}
//           a delegated routing v1 HTTP server (@helia/delegated-routing-v1-http-api-server) on 127.0.0.1 port 0,
//           answering from node I's routing (this DHT): {"url"}
//       {"op": "fetch", "bootstrap": MA, "cid": CID, "out": PATH}
//           a fresh node bootstrapped to MA finds CID's providers through the DHT, dials them and fetches the
//           UnixFS file into PATH: {"bytes", "ms", "first_ms" (first bytes), "find_ms" (provider found), "provider"};
//           times from the fresh node's creation
import './polyfill.mjs'
import fs from 'node:fs'
import readline from 'node:readline'
import { createHeliaLight } from 'helia'
import { withLibp2pLight } from '@helia/libp2p'
import { withBitswap } from '@helia/bitswap'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { createDelegatedRoutingV1HttpApiServer } from '@helia/delegated-routing-v1-http-api-server'
import { unixfs } from '@helia/unixfs'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { importPath } from './lib.mjs'

async function dhtNode () {
  const helia = withBitswap(withLibp2pLight(createHeliaLight(), {
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { allow: ['/ip4/127.0.0.0/ipcidr/8'] },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({ protocol: '/ipfs/kad/1.0.0', clientMode: false, peerInfoMapper: passthroughMapper })
    }
  }))
  await helia.start()
  return helia
}

const sleep = (ms) => new Promise(resolve => setTimeout(resolve, ms))

/** Waits until the node's routing table holds a peer (js queries wait for that anyway). */
async function settled (helia, ms = 5000) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if ((helia.libp2p.services.dht.routingTable?.size ?? 0) > 0) return
    await sleep(50)
  }
}

function info (helia) {
  return { peer_id: helia.libp2p.peerId.toString(), addrs: helia.libp2p.getMultiaddrs().map(a => a.toString()) }
}

async function findProviders (helia, cid, limit = 20, timeout = 20_000) {
  const providers = []
  for await (const p of helia.libp2p.contentRouting.findProviders(cid, { signal: AbortSignal.timeout(timeout) })) {
    if (!providers.some(q => q.id.equals(p.id))) providers.push(p)
    if (providers.length >= limit) break
  }
  return providers
}

const routers = []

async function handle (nodes, cmd) {
  const start = Date.now()
  if (cmd.op === 'router') {
    const server = await createDelegatedRoutingV1HttpApiServer(nodes[cmd.node], { listen: { host: '127.0.0.1', port: 0 } })
    routers.push(server)
    return { url: `http://127.0.0.1:${server.server.address().port}` }
  }
  if (cmd.op === 'provide') {
    const helia = nodes[cmd.node]
    const cid = await importPath(helia, cmd.file, 'default')
    await helia.libp2p.contentRouting.provide(cid, { signal: AbortSignal.timeout(30_000) })
    return { cid: cid.toString(), ms: Date.now() - start }
  }
  if (cmd.op === 'findprovs') {
    const found = await findProviders(nodes[cmd.node], CID.parse(cmd.cid))
    return { providers: found.map(p => p.id.toString()), ms: Date.now() - start }
  }
  if (cmd.op === 'fetch') {
    const helia = await dhtNode()
    try {
      await helia.libp2p.dial(multiaddr(cmd.bootstrap), { signal: AbortSignal.timeout(10_000) })
      await settled(helia)
      const cid = CID.parse(cmd.cid)
      const found = await findProviders(helia, cid, 1)
      if (found.length === 0) throw new Error(`no provider of ${cmd.cid} found through the DHT`)
      const provider = found[0]
      const foundMs = Date.now() - start
      await helia.libp2p.dial(provider.id, { signal: AbortSignal.timeout(10_000) })
      const fd = fs.openSync(cmd.out, 'w')
      let bytes = 0
      let firstMs
      for await (const chunk of unixfs(helia).cat(cid, { signal: AbortSignal.timeout(60_000) })) {
        firstMs ??= Date.now() - start
        fs.writeSync(fd, chunk)
        bytes += chunk.length
      }
      fs.closeSync(fd)
      return { bytes, ms: Date.now() - start, first_ms: firstMs, find_ms: foundMs, provider: provider.id.toString() }
    } finally {
      await helia.stop()
    }
  }
  throw new Error(`unknown op ${cmd.op}`)
}

const [mode, ...args] = process.argv.slice(2)
if (mode !== 'net') {
  process.stderr.write('usage: node dht.mjs net N\n')
  process.exit(2)
}
const n = Number(args[0] ?? 6)
const nodes = []
for (let i = 0; i < n; i++) nodes.push(await dhtNode())
// A ring plus a hub: every node knows node 0 and its neighbour, so each routing table fills from the first query.
for (let i = 1; i < n; i++) {
  await nodes[i].libp2p.dial(nodes[0].libp2p.getMultiaddrs()[0])
  if (i > 1) await nodes[i].libp2p.dial(nodes[i - 1].libp2p.getMultiaddrs()[0])
}
await Promise.all(nodes.map(h => settled(h)))
process.stdout.write(JSON.stringify({ nodes: nodes.map(info) }) + '\n')

const lines = readline.createInterface({ input: process.stdin })
for await (const line of lines) {
  if (!line.trim()) continue
  let out
  try {
    out = await handle(nodes, JSON.parse(line))
  } catch (err) {
    out = { error: String(err?.stack ?? err) }
  }
  process.stdout.write(JSON.stringify(out) + '\n')
}
await Promise.all(routers.map(r => r.close()))
await Promise.all(nodes.map(h => h.stop()))
process.exit(0)
