// Shared by the harness scripts: an offline Helia node and the two import profiles.
import './polyfill.mjs'
import fs from 'node:fs'
import path from 'node:path'
import { createHeliaLight } from 'helia'
import { unixfs } from '@helia/unixfs'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'

/** A Helia node with an in-memory blockstore and no networking at all (no libp2p, no routers). */
export function offlineHelia () {
  return createHeliaLight()
}

/** Import options: `default` is @helia/unixfs's own defaults; `kubo` is Kubo's `ipfs add` defaults. */
export function profileOptions (profile) {
  if (profile === 'default') return {}
  if (profile === 'kubo') {
    return {
      cidVersion: 0,
      rawLeaves: false,
      leafType: 'file',
      chunker: fixedSize({ chunkSize: 262144 }),
      layout: balanced({ maxChildrenPerNode: 174 })
    }
  }
  throw new Error(`unknown profile ${profile} (default or kubo)`)
}

/** Entries of a directory tree for addAll, as `globSource` gives them: paths under the directory's own name. */
export function * treeEntries (dir) {
  const base = path.basename(dir)
  function * walk (abs, rel) {
    const names = fs.readdirSync(abs).filter(n => !n.startsWith('.'))
    for (const name of names) {
      const childAbs = path.join(abs, name)
      const childRel = `${rel}/${name}`
      const st = fs.lstatSync(childAbs)
      if (st.isDirectory()) {
        yield { path: childRel }
        yield * walk(childAbs, childRel)
      } else if (st.isFile()) {
        yield { path: childRel, content: fs.createReadStream(childAbs) }
      }
    }
  }
  yield { path: base }
  yield * walk(dir, base)
}

/** Imports a file or a directory tree; returns the root CID. */
export async function importPath (helia, target, profile) {
  const fsys = unixfs(helia)
  const options = profileOptions(profile)
  if (fs.statSync(target).isDirectory()) {
    let root
    for await (const entry of fsys.addAll(treeEntries(target), options)) root = entry
    return root.cid
  }
  return fsys.addByteStream(fs.createReadStream(target), options)
}

/** Parses `--flag value` pairs and positionals. */
export function parseArgs (argv) {
  const flags = {}
  const rest = []
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) flags[argv[i].slice(2)] = argv[++i]
    else rest.push(argv[i])
  }
  return { flags, rest }
}

/** Runs main, printing its result as one JSON line, or the error on stderr with exit code 1. */
export function run (main) {
  main().then(
    (out) => { process.stdout.write(JSON.stringify(out) + '\n'); process.exit(0) },
    (err) => { process.stderr.write(`error: ${err.stack ?? err}\n`); process.exit(1) }
  )
}
