// node car-import.mjs IN.car OUT_FILE  ->  {"roots": [...], "bytes": N}
// Imports a CAR into Helia with @helia/car, then reads the (first) root back as a UnixFS file into OUT_FILE.
import fs from 'node:fs'
import { car } from '@helia/car'
import { unixfs } from '@helia/unixfs'
import { CarReader } from '@ipld/car'
import { CID } from 'multiformats/cid'
import { offlineHelia, run } from './lib.mjs'

run(async () => {
  const [input, output] = process.argv.slice(2)
  const helia = await offlineHelia()
  const reader = await CarReader.fromIterable(fs.createReadStream(input))
  await car(helia).import(reader)
  // @ipld/car may bring its own copy of multiformats: re-parse so the exporter recognises the CIDs.
  const roots = (await reader.getRoots()).map(r => CID.parse(r.toString()))
  const out = fs.openSync(output, 'w')
  let bytes = 0
  for await (const chunk of unixfs(helia).cat(roots[0], { offline: true })) {
    fs.writeSync(out, chunk)
    bytes += chunk.length
  }
  fs.closeSync(out)
  return { roots: roots.map(r => r.toString()), bytes }
})
