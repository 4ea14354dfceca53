// Before anything else, wrk against the bare control alone: when the control cannot use a whole CPU, its rate is
// capped by something other than its own code (wrk's threads being busy, or the CPUs being full with wrk taking its
// share), and every ratio "x the control" flatters the service. The report says so.
import { cpus } from 'node:os'
import { alternate, median, round, summarize, type Sample, type Schedule, type Summary, type Target } from './load.js'

// A process at or above this share of one CPU is taken to be saturated.
export const SATURATED = 0.85

export interface GeneratorCheck {
  tool: 'wrk'
  threads: number
  connections: number
  control: Summary
  // CPUs in use during the measured rounds (medians): the control server's process and wrk's.
  controlCpus: number
  generatorCpus: number
  cpus: number
  generatorCpuUsPerRequest: number
  cappedByGenerator: boolean
  verdict: string
}

export function judgeGenerator (samples: Sample[], threads: number, machineCpus: number): Omit<GeneratorCheck, 'tool' | 'threads' | 'connections' | 'control'> {
  const controlCpus = round(median(samples.map((sample) => (sample.cpu?.service ?? 0) / sample.seconds)), 2)
  const generatorCpus = round(median(samples.map((sample) => sample.generatorCpuSeconds / sample.seconds)), 2)
  const generatorCpuUsPerRequest = round(median(samples.map((sample) => sample.responses > 0 ? sample.generatorCpuSeconds / sample.responses * 1e6 : Infinity)), 1)
  const usable = Math.min(threads, machineCpus)
  let cappedByGenerator = false
  let verdict: string
  if (controlCpus >= SATURATED) {
    verdict = `the control used ${controlCpus} CPU (wrk ${generatorCpus}): its rate is its own limit, not the generator's`
  } else if (generatorCpus >= SATURATED * usable) {
    cappedByGenerator = true
    verdict = `CAPPED BY THE GENERATOR: wrk's ${threads} threads used ${generatorCpus} CPU, the control only ${controlCpus}; ratios against the control flatter the service (try --threads)`
  } else if (controlCpus + generatorCpus >= SATURATED * machineCpus) {
    cappedByGenerator = true
    verdict = `CAPPED BY SHARING THE CPUS WITH THE GENERATOR: the control used ${controlCpus} CPU and wrk ${generatorCpus} of ${machineCpus}; ratios against the control flatter the service less than an in-process generator would, but the control's rate is not its own limit`
  } else {
    verdict = `neither the control (${controlCpus} CPU) nor wrk (${generatorCpus}) used its share of the ${machineCpus} CPUs: other load on the machine capped the control`
  }
  return { controlCpus, generatorCpus, cpus: machineCpus, generatorCpuUsPerRequest, cappedByGenerator, verdict }
}

export async function checkGenerator (control: Target, schedule: Schedule, connections: number, threads: number, progress: (line: string) => void): Promise<GeneratorCheck> {
  const [samples] = await alternate([{ target: control, connections }], schedule, progress) as [Sample[]]
  const judged = judgeGenerator(samples, threads, cpus().length)
  progress(`  ${judged.verdict}`)
  return { tool: 'wrk', threads: Math.min(threads, connections), connections, control: summarize(samples), ...judged }
}
