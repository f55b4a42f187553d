import { bundleAll } from './bundle.ts'

for (const [name, { file, bytes, entryBytes, packages, packageBytes }] of Object.entries(await bundleAll())) {
  const shipped = packages.length
    ? `  + ${(packageBytes / 1024 / 1024).toFixed(1)} MB in node_modules (${packages.join(', ')})`
    : ''
  console.log(
    `${name.padEnd(19)} ${(entryBytes / 1024).toFixed(0).padStart(5)} KB entry, ${(bytes / 1024).toFixed(0).padStart(5)} KB in all  ${file}${shipped}`,
  )
}
