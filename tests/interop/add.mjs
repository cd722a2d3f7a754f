// node add.mjs --profile default|helia|kubo [--chunker C] [--layout trickle] [--max-links N] [--wrap true] PATH…
//   ->  {"cid": "<first root>", "cids": ["<root of each PATH>", …], "blocks": N}
// Imports files or directory trees (hidden names skipped, as swarmscope and Kubo do) with @helia/unixfs, each into
// the same in-memory blockstore; `blocks` counts the blocks of them all.
import { importerNode, importPath, parseArgs, run } from './lib.mjs'

run(async () => {
  const { flags, rest } = parseArgs(process.argv.slice(2))
  const helia = importerNode()
  const cids = []
  for (const target of rest) cids.push((await importPath(helia, target, flags.profile ?? 'default', flags)).toString())
  let blocks = 0
  for await (const _ of helia.blockstore.getAll()) blocks++
  return { cid: cids[0], cids, blocks }
})
