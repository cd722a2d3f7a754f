// node add.mjs --profile default|kubo PATH  ->  {"cid": "...", "blocks": N}
// Imports a file or a directory tree (hidden names skipped, as swarmscope and Kubo do) with Helia's importer.
import { offlineHelia, importPath, parseArgs, run } from './lib.mjs'

run(async () => {
  const { flags, rest } = parseArgs(process.argv.slice(2))
  const helia = offlineHelia()
  const cid = await importPath(helia, rest[0], flags.profile ?? 'default')
  let blocks = 0
  for await (const _ of helia.blockstore.getAll()) blocks++
  return { cid: cid.toString(), blocks }
})
