// npm run bench: parses the options, runs the scenarios, prints the table and writes the results file.
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { RefusedRun } from './load.js'
import { parseOptions, UsageError, USAGE } from './options.js'
import { formatTable } from './report.js'
import { runBench } from './run.js'

export interface Output {
  // The table.
  print: (text: string) => void
  // Progress and failures.
  progress: (text: string) => void
}

export async function main (argv: string[], output: Output): Promise<number> {
  if (argv.includes('--help')) {
    output.print(USAGE)
    return 0
  }
  let options
  try {
    options = parseOptions(argv)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    output.progress(`${error.message}\n\n${USAGE}`)
    return 2
  }
  let results
  try {
    results = await runBench(options, output.progress)
  } catch (error) {
    if (!(error instanceof RefusedRun)) throw error
    output.progress(error.message)
    return 1
  }
  output.print(formatTable(results))
  await mkdir(dirname(options.out), { recursive: true })
  await writeFile(options.out, `${JSON.stringify(results, null, 2)}\n`)
  output.progress(`results written to ${options.out}`)
  return 0
}
