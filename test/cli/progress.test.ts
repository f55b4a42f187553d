import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { main } from '../../bin/cli.ts'
import type { IamSimulator } from '../../local/iam-sim/server.ts'
import { startCliSimulator } from '../support/cli-account.ts'

let sim: IamSimulator

beforeAll(async () => {
  sim = await startCliSimulator(30)
})
afterAll(async () => sim?.stop())
beforeEach(() => {
  for (const service of ['IAM', 'STS', 'CLOUDTRAIL', 'ACCESSANALYZER'])
    vi.stubEnv(`AWS_ENDPOINT_URL_${service}`, sim.endpoint)
})
afterEach(() => {
  vi.unstubAllEnvs()
})

/** Runs the CLI in this process, with stderr a terminal or not. */
async function iamwatch(args: string[], errIsTTY: boolean) {
  let out = ''
  let err = ''
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t), errIsTTY })
  return { code, out, err }
}

/** What a terminal would keep on screen: status lines are overwritten (CR, erase line). */
const screen = (text: string) =>
  text
    .split('\n')
    .map((line) => line.split('\r').at(-1)!.replaceAll('\x1b[2K', ''))
    .join('\n')

describe('progress on stderr', () => {
  it('shows each part starting and finishing, and the elapsed time, when stderr is a terminal', async () => {
    // Act
    const { code, err } = await iamwatch(
      ['scan', '--only', 'credentials,authorization', '--report-poll-ms', '10'],
      true,
    )
    // Assess
    expect(code).toBe(0)
    const shown = screen(err)
    expect(shown).toMatch(
      /^\[ *\d+\.\ds\] scan of account 777788889999 \(us-east-1\): credentials, authorization$/m,
    )
    expect(shown).toMatch(/^\[ *\d+\.\ds\] credentials: started$/m)
    expect(shown).toMatch(/^\[ *\d+\.\ds\] authorization: started$/m)
    expect(shown).toMatch(
      /^\[ *\d+\.\ds\] credentials: finished in \d+\.\d s, complete: \d+ checks judged, 1 failing$/m,
    )
    expect(shown).toMatch(
      /^\[ *\d+\.\ds\] authorization: finished in \d+\.\d s, complete: \d+ checks judged, 2 failing$/m,
    )
    expect(shown).toMatch(/^\[ *\d+\.\ds\] scan finished in \d+\.\d s$/m)
    // The calls as they go: the credential report being generated, the authorization details by page.
    expect(err).toContain('IAM is generating the credential report')
    expect(err).toMatch(/authorization details: page 1 \(\d+ principals?\)/)
    // The last status line is erased before the summary.
    expect(shown.trimEnd().split('\n').at(-1)).toBe('account 777788889999: 3 failing, scan complete')
  })

  it('is silent when stderr is not a terminal: only the summary', async () => {
    // Act
    const { code, err } = await iamwatch(['scan', '--only', 'credentials', '--report-poll-ms', '10'], false)
    // Assess
    expect(code).toBe(0)
    expect(err).toBe('account 777788889999: 1 failing, scan complete\n')
  })

  it('keeps --json output pure JSON lines on stdout while progress goes to a terminal stderr', async () => {
    // Act
    const { code, out, err } = await iamwatch(
      ['scan', '--json', '--only', 'credentials', '--report-poll-ms', '10'],
      true,
    )
    // Assess
    expect(code).toBe(0)
    expect(err).toContain('credentials: started')
    const lines = out.split('\n')
    expect(lines.pop()).toBe('')
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow()
    expect(lines.map((l) => JSON.parse(l).checkId)).toEqual(['access-key-rotation'])
  })
})
