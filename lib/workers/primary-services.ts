// What the primary runs for the whole service beside its workers (cluster-wide limits, metrics aggregation): started
// before the first worker is forked, closed after the last one has exited. Nothing yet.
import type { Logger } from 'pino'
import type { Config } from '../config.js'

export interface PrimaryServices {
  close: () => Promise<void>
}

export async function startPrimaryServices (_config: Config, _logger: Logger): Promise<PrimaryServices> {
  return { close: async () => {} }
}
