// helia 7 / libp2p 3 use Promise.withResolvers (Node >= 22); these machines have Node 20. Imported first.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers () {
    let resolve, reject
    const promise = new Promise((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}
