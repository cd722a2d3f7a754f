// node car-export.mjs --profile default|kubo PATH OUT.car  ->  {"root": "...", "bytes": N}
// Imports PATH with Helia's importer, then writes the DAG as a CAR with @helia/car.
import fs from 'node:fs'
import { car } from '@helia/car'
import { offlineHelia, importPath, parseArgs, run } from './lib.mjs'

run(async () => {
  const { flags, rest } = parseArgs(process.argv.slice(2))
  const helia = await offlineHelia()
  const root = await importPath(helia, rest[0], flags.profile ?? 'default')
  const out = fs.createWriteStream(rest[1])
  let bytes = 0
  for await (const chunk of car(helia).export(root)) {
    bytes += chunk.length
    if (!out.write(chunk)) await new Promise(resolve => out.once('drain', resolve))
  }
  await new Promise((resolve, reject) => out.end(err => err ? reject(err) : resolve()))
  return { root: root.toString(), bytes }
})
