import { type Command, InvalidArgumentError, Option } from 'commander'
import { parseInstant } from '../../shared/app/as-of.ts'
import { auditDigests } from '../../shared/app/digest.ts'
import { type DigestObjects, S3DigestObjects } from '../../shared/aws/digests.ts'
import { FindingsStore } from '../../shared/aws/findings-store.ts'
import { type ItemMac, kmsItemMac, signingPublicKey } from '../../shared/aws/kms.ts'
import { DIGEST_ROOT, type TableHead, tableHead } from '../../shared/engine/digest.ts'
import { mapLimit } from '../../shared/engine/limit.ts'
import {
  type ChainInput,
  digestProblem,
  macProblem,
  Verifier,
  type VerifyReport,
} from '../../shared/engine/verify.ts'
import type { CliContext } from '../context.ts'

interface VerifyOptions {
  table: string
  since?: string
  json?: boolean
  macKey?: string
  digestBucket?: string
  digestKey?: string
}

/** Exit code when anything does not verify. */
const EXIT_BROKEN = 3

function timeOption(value: string): string {
  try {
    return parseInstant(value)
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message)
  }
}

/** The signed digests to compare the table with: the bucket, and the signing key's public half. */
export interface DigestCheck {
  objects: DigestObjects
  publicKey: Uint8Array
  /** The account whose digests are read when the bucket has none at all (the signing key's). */
  accountId?: string
}

/** The checks with keys: the item MAC key (kms:VerifyMac) and the signed digests. */
export interface VerifyChecks {
  mac?: ItemMac
  digests?: DigestCheck
}

/** The accounts the bucket holds digests of (`digests/<account>/`), and the signing key's own. */
async function digestAccounts(d: DigestCheck): Promise<string[]> {
  const { prefixes } = await d.objects.list(`${DIGEST_ROOT}/`, { delimiter: '/' })
  const accounts = new Set(prefixes.map((p) => p.slice(DIGEST_ROOT.length + 1, -1)).filter((a) => a !== ''))
  if (d.accountId) accounts.add(d.accountId)
  return [...accounts].sort()
}

/**
 * Verifies the table: every finding (or, with `since`, those with a transition at or after it) against
 * its state's head. The whole table is read once in parallel scan segments; `since` reads the
 * history-as-of index for the findings to check, then each of them. With a MAC key, each state's head
 * MAC is verified (one kms:VerifyMac a finding; the chain then authenticates every item below it); with
 * digests, the findings' heads are compared with the heads the signed digests recorded (every finding,
 * so only without `since`: a finding deleted outright is found only so).
 */
export async function verifyTable(
  store: FindingsStore,
  since?: string,
  checks: VerifyChecks = {},
): Promise<VerifyReport> {
  const verifier = new Verifier()
  const chains = new Map<string, { state?: ChainInput['state']; headMac?: string }>()
  const heads: TableHead[] = []
  const add = (chain: ChainInput) => {
    verifier.add(chain)
    chains.set(chain.findingId, { state: chain.state, headMac: chain.headMac })
    const head = checks.digests ? tableHead(chain) : undefined
    if (head) heads.push(head)
  }
  if (since === undefined) await store.forEachFinding(add)
  else {
    const ids = new Set<string>()
    await store.forEachAsOfEntry({ from: since }, (e) => ids.add(e.findingId))
    await mapLimit([...ids], 16, async (id) => add(await store.readFinding(id)))
  }
  const mac = checks.mac
  if (mac)
    await mapLimit([...chains], 16, async ([id, { state, headMac }]) => {
      if (!state) return
      const verdict =
        headMac === undefined ? undefined : await mac.verify(state.headHash, Buffer.from(headMac, 'base64'))
      const problem = macProblem(id, state, verdict)
      if (problem) verifier.addProblem(problem)
    })
  const digests = checks.digests
  if (digests)
    for (const accountId of await digestAccounts(digests)) {
      const audit = await auditDigests(
        { digests: digests.objects, accountId, publicKeys: digests.publicKey },
        since === undefined ? heads : undefined,
      )
      for (const p of audit.problems) verifier.addProblem(digestProblem(p))
    }
  return verifier.report()
}

const clean = (s: string) =>
  s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '?')

export function reportText(
  r: VerifyReport,
  ms: number,
  since?: string,
  checked: { mac?: boolean; digests?: boolean } = {},
): string {
  const scope = since ? ` with a transition since ${since}` : ''
  const what = [
    'hash chains',
    ...(checked.mac ? ['head MACs'] : []),
    ...(checked.digests ? ['signed digests'] : []),
  ].join(', ')
  const head = `verified ${r.findings} finding(s)${scope}, ${r.items} history item(s) (${what}), in ${(ms / 1000).toFixed(1)} s: `
  if (r.ok) return `${head}every chain intact, each ending at its finding's head\n`
  const lines = r.problems.map(
    (p) => `${clean(p.findingId ?? p.digestKey ?? '-')}  ${p.kind}: ${clean(p.message)}`,
  )
  const other = r.problems.filter((p) => p.findingId === undefined).length
  const more = other > 0 ? `, ${other} problem(s) of the digests` : ''
  return `${head}${r.broken} finding(s) with problems${more}\n${lines.join('\n')}\n`
}

export function registerVerify(program: Command, ctx: CliContext): void {
  program
    .command('verify')
    .description(
      "Verify every finding's hash chain against its head: altered, missing, extra or misplaced history items, and state items that differ from their head; with a MAC key, each head's MAC; with the digest bucket and signing key, the heads the signed digests recorded (exit 3 if anything does not verify)",
    )
    .requiredOption(
      '--table <name>',
      'the DynamoDB findings table (default: $IAMWATCH_TABLE)',
      ctx.env.IAMWATCH_TABLE,
    )
    .addOption(
      new Option(
        '--since <time>',
        'only findings with a transition at or after this ISO 8601 time (or date)',
      ).argParser(timeOption),
    )
    .option(
      '--mac-key <arn>',
      "the item MAC key (kms:VerifyMac): each state's head MAC is verified (default: $IAMWATCH_MAC_KEY_ARN)",
      ctx.env.IAMWATCH_MAC_KEY_ARN || undefined,
    )
    .option(
      '--digest-bucket <name>',
      'the signed digests: the findings are compared with the heads they recorded (default: $IAMWATCH_DIGEST_BUCKET)',
      ctx.env.IAMWATCH_DIGEST_BUCKET || undefined,
    )
    .option(
      '--digest-key <arn>',
      "the digests' signing key, whose public key (kms:GetPublicKey) verifies them (default: $IAMWATCH_DIGEST_KEY_ARN)",
      ctx.env.IAMWATCH_DIGEST_KEY_ARN || undefined,
    )
    .option('--json', 'the report as one JSON object')
    .action(async (opts: VerifyOptions) => {
      if (opts.digestBucket && !opts.digestKey)
        throw new Error(
          '--digest-bucket needs --digest-key (or $IAMWATCH_DIGEST_KEY_ARN): the key the digests are verified with',
        )
      const aws = await ctx.aws()
      const store = new FindingsStore(aws.dynamo(), ctx.useTable(opts.table))
      const checks: VerifyChecks = {}
      if (opts.macKey) checks.mac = kmsItemMac(aws.kms(), opts.macKey)
      else ctx.io.err('MACs not checked: no --mac-key\n')
      if (opts.digestBucket && opts.digestKey) {
        const key = await signingPublicKey(aws.kms(), opts.digestKey)
        const accountId = /^arn:[^:]+:kms:[^:]*:(\d{12}):/.exec(key.keyId)?.[1]
        checks.digests = {
          objects: new S3DigestObjects(aws.s3(), opts.digestBucket),
          publicKey: key.publicKey,
          ...(accountId ? { accountId } : {}),
        }
        if (opts.since)
          ctx.io.err(
            'digests checked without the findings: with --since, a finding deleted outright is not found\n',
          )
      } else ctx.io.err('digests not checked: no --digest-bucket\n')
      const started = performance.now()
      const report = await verifyTable(store, opts.since, checks)
      const ms = performance.now() - started
      ctx.io.out(
        opts.json
          ? `${JSON.stringify({
              ...report,
              checked: { chains: true, macs: Boolean(checks.mac), digests: Boolean(checks.digests) },
              ...(opts.since ? { since: opts.since } : {}),
            })}\n`
          : reportText(report, ms, opts.since, {
              mac: Boolean(checks.mac),
              digests: Boolean(checks.digests),
            }),
      )
      if (!report.ok) ctx.exit(EXIT_BROKEN)
    })
}
