// Scenario 6's measure: the CPU a server process spends per request, from /proc, taken round by round beside its control's.
import type { Target } from './load.js'
import { cpuSeconds } from './processes.js'

// The CPU a server process spent and the answers it gave during each run of a target, in order.
export interface CpuTurn { seconds: number, requests: number }

export function cpuMetered (target: Target, pid: number, turns: CpuTurn[]): Target {
  return {
    label: target.label,
    async run (seconds, connections) {
      const before = cpuSeconds(pid)
      const sample = await target.run(seconds, connections)
      turns.push({ seconds: cpuSeconds(pid) - before, requests: sample.responses })
      return sample
    }
  }
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

// CPU per request of each measured round (alternate()'s first run of a target is its warm-up, left out), the service's
// over the control's round by round, and the median of those ratios: this machine's slow phases, which double the CPU of
// whatever runs for a minute or so, fall on single rounds, and the two turns of one round run back to back (README).
export function cpuRatioByRound (serviceTurns: CpuTurn[], controlTurns: CpuTurn[]) {
  const perRequest = (turn: CpuTurn) => turn.requests > 0 ? turn.seconds / turn.requests * 1e6 : Infinity
  const service = serviceTurns.slice(1).map(perRequest)
  const control = controlTurns.slice(1).map(perRequest)
  return {
    serviceCpu: median(service),
    controlCpu: median(control),
    ratio: median(service.map((cpu, index) => cpu / (control[index] ?? Infinity)))
  }
}
