import { buildApp } from 'fauxqs'

export interface LocalSnsSqs {
  endpoint: string
  stop(): Promise<void>
}

/** fauxqs in-process, bound to 127.0.0.1 on a free port (its CLI would bind every interface). */
export async function startFauxqs(): Promise<LocalSnsSqs> {
  const app = buildApp({ logger: false, host: '127.0.0.1', defaultRegion: 'us-east-1' })
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  const url = new URL(address)
  return { endpoint: `http://127.0.0.1:${url.port}`, stop: () => app.close() }
}
