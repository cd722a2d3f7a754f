// A real Helia Bitswap peer on 127.0.0.1 only: TCP + noise + yamux, identify, ping, bitswap. No bootstrap, no
// mDNS, no DHT, no routers: it talks to the peers it is told about and to no one else.
//
//   node peer.mjs serve --profile default|kubo [--listen MULTIADDR] FILE
//       imports FILE, prints {"cid", "peer_id", "addrs": [...]} and serves until stdin closes or it is killed.
//       --listen (default /ip4/127.0.0.1/tcp/0): another address, for a peer inside a test's network namespace.
//   node peer.mjs fetch CID MULTIADDR OUT_FILE
//       dials MULTIADDR, fetches the UnixFS file CID over Bitswap into OUT_FILE, prints {"bytes", "ms"}.
import './polyfill.mjs'
import fs from 'node:fs'
import { createHeliaLight } from 'helia'
import { withLibp2pLight } from '@helia/libp2p'
import { withBitswap } from '@helia/bitswap'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { unixfs } from '@helia/unixfs'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { importPath, parseArgs, run } from './lib.mjs'

async function peer (listen = '/ip4/127.0.0.1/tcp/0') {
  const helia = withBitswap(withLibp2pLight(createHeliaLight(), {
    addresses: { listen: [listen] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping() }
  }))
  await helia.start()
  return helia
}

const [mode, ...args] = process.argv.slice(2)
if (mode === 'serve') {
  const { flags, rest } = parseArgs(args)
  const helia = await peer(flags.listen)
  const cid = await importPath(helia, rest[0], flags.profile ?? 'default')
  process.stdout.write(JSON.stringify({
    cid: cid.toString(),
    peer_id: helia.libp2p.peerId.toString(),
    addrs: helia.libp2p.getMultiaddrs().map(a => a.toString())
  }) + '\n')
  process.stdin.resume()
  process.stdin.on('end', async () => { await helia.stop(); process.exit(0) })
} else if (mode === 'fetch') {
  run(async () => {
    const [cid, addr, out] = args
    const helia = await peer()
    const start = Date.now()
    await helia.libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(20_000) })
    const fd = fs.openSync(out, 'w')
    let bytes = 0
    for await (const chunk of unixfs(helia).cat(CID.parse(cid), { signal: AbortSignal.timeout(120_000) })) {
      fs.writeSync(fd, chunk)
      bytes += chunk.length
    }
    fs.closeSync(fd)
    const ms = Date.now() - start
    await helia.stop()
    return { bytes, ms }
  })
} else {
  process.stderr.write('usage: node peer.mjs serve|fetch ...\n')
  process.exit(2)
}
