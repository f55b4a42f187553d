import { bundleAll } from './bundle.ts'

for (const [name, { file, bytes, entryBytes }] of Object.entries(await bundleAll())) {
  console.log(
    `${name.padEnd(18)} ${(entryBytes / 1024).toFixed(0).padStart(5)} KB entry, ${(bytes / 1024).toFixed(0).padStart(5)} KB in all  ${file}`,
  )
}
