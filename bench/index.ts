// Entry point of `npm run bench` (compiled to dist/bench/index.js); see bench/options.ts for the flags.
import { main } from './main.js'

process.exitCode = await main(process.argv.slice(2), {
  print: (text) => console.log(text),
  progress: (text) => console.error(text)
})
