// Shared by the harness scripts: an offline Helia node and the two import profiles.
import './polyfill.mjs'
import fs from 'node:fs'
import path from 'node:path'
import { unixfs } from '@helia/unixfs'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { fixedSize, rabin } from 'ipfs-unixfs-importer/chunker'
import { balanced, trickle } from 'ipfs-unixfs-importer/layout'

/** A Helia node with an in-memory blockstore and no networking at all (no libp2p, no routers). */
export async function offlineHelia () {
  const { createHeliaLight } = await import('helia')
  return createHeliaLight()
}

/**
 * All that @helia/unixfs's importer uses of a Helia node: its blockstore (in memory). Imports through it are
 * Helia's, byte for byte, without loading Helia itself (seconds of CPU per process on these machines).
 */
export function importerNode () {
  return { blockstore: new MemoryBlockstore() }
}

/**
 * Import options of a profile, as swarmscope names them:
 * - `default`: the importer's `unixfs-v1-2025` profile (swarmscope's default; HAMT size estimated in block bytes);
 * - `helia`: @helia/unixfs's own defaults (the same files, HAMT size estimated in link bytes);
 * - `kubo`: Kubo's `ipfs add` defaults, the importer's `unixfs-v0-2015` profile.
 * `flags` may add `chunker` (size-N, rabin-AVG, rabin-MIN-AVG-MAX), `layout` (balanced or trickle), `max-links`
 * and `wrap` (true: wrap in a directory, as `ipfs add -w`).
 */
export function profileOptions (profile, flags = {}) {
  let options
  let maxLinks = 1024
  if (profile === 'default') {
    options = { profile: 'unixfs-v1-2025' }
  } else if (profile === 'helia') {
    options = {}
  } else if (profile === 'kubo') {
    maxLinks = 174
    options = {
      profile: 'unixfs-v0-2015',
      cidVersion: 0,
      rawLeaves: false,
      leafType: 'file',
      chunker: fixedSize({ chunkSize: 262144 }),
      layout: balanced({ maxChildrenPerNode: maxLinks })
    }
  } else {
    throw new Error(`unknown profile ${profile} (default, helia or kubo)`)
  }
  if (flags['max-links'] != null) {
    maxLinks = Number(flags['max-links'])
    options.layout = balanced({ maxChildrenPerNode: maxLinks })
  }
  if (flags.layout === 'trickle') options.layout = trickle({ maxChildrenPerNode: maxLinks, layerRepeat: 4 })
  if (flags.chunker != null) options.chunker = parseChunker(flags.chunker)
  if (flags.wrap === 'true') options.wrapWithDirectory = true
  return options
}

/** Kubo's chunker syntax mapped onto Helia's chunkers. */
function parseChunker (spec) {
  const parts = spec.split('-')
  if (parts[0] === 'size' && parts.length === 2) return fixedSize({ chunkSize: Number(parts[1]) })
  if (parts[0] === 'rabin' && parts.length === 2) return rabin({ avgChunkSize: Number(parts[1]) })
  if (parts[0] === 'rabin' && parts.length === 4) {
    const [minChunkSize, avgChunkSize, maxChunkSize] = parts.slice(1).map(Number)
    return rabin({ minChunkSize, avgChunkSize, maxChunkSize })
  }
  throw new Error(`unsupported chunker ${spec}`)
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
      } else if (st.isSymbolicLink()) {
        yield { path: childRel, link: fs.readlinkSync(childAbs) }
      }
    }
  }
  yield { path: base }
  yield * walk(dir, base)
}

/** Imports a file or a directory tree; returns the root CID. `flags` as in `profileOptions`. */
export async function importPath (helia, target, profile, flags = {}) {
  const fsys = unixfs(helia)
  const options = profileOptions(profile, flags)
  const isDir = fs.statSync(target).isDirectory()
  if (isDir || options.wrapWithDirectory) {
    const entries = isDir ? treeEntries(target) : [{ path: path.basename(target), content: fs.createReadStream(target) }]
    let root
    for await (const entry of fsys.addAll(entries, options)) root = entry
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
