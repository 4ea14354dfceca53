// What the primary runs for the whole service beside its workers, started before the first worker is forked: the counts
// of every limit (so that an allowance is the service's, not each worker's) and the gathering of /metrics.
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import { holdCountsForWorkers } from '../limits/cluster-limits.js'
import { serviceLimits } from '../limits/service-limits.js'
import { gatherForWorkers } from './cluster-metrics.js'

export interface PrimaryServices {
  close: () => Promise<void>
}

export async function startPrimaryServices (config: Config, logger: Logger): Promise<PrimaryServices> {
  const limits = serviceLimits(config)
  holdCountsForWorkers([limits.global, limits.auth, limits.loginFailures])
  const stopGathering = gatherForWorkers()
  logger.debug({ event: 'primary_services_started' }, 'counting limits and gathering metrics for the workers')
  return {
    close: async () => { stopGathering() }
  }
}
