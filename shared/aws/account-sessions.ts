import type { AccessAnalyzerClient } from '@aws-sdk/client-accessanalyzer'
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail'
import { EventBridgeClient } from '@aws-sdk/client-eventbridge'
import type { IAMClient } from '@aws-sdk/client-iam'
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts'
import type { AwsCredentialIdentity } from '@smithy/types'
import { readerRoleArn } from '../organization/model.ts'
import { accessAnalyzerClient } from './access-analyzer.ts'
import { awsClient, type ClientOverrides, errorCode, iamClient } from './clients.ts'
import { cloudTrailClient } from './cloudtrail.ts'

/** One account's clients: its own (the central account) or through its reader role. */
export interface AccountClients {
  accountId: string
  iam: IAMClient
  cloudTrail: CloudTrailClient
  accessAnalyzer: (region: string) => AccessAnalyzerClient
  events: (region: string) => EventBridgeClient
  /** Closes its connections (a member's clients; the central account's are the function's own). */
  destroy?: () => void
}

/**
 * The reader role could not be assumed, and AWS said so (AccessDenied): the role is missing, or does
 * not trust the caller. Anything else (throttling, a timeout) is transient and proves nothing.
 */
export class ReaderDenied extends Error {
  override name = 'ReaderDenied'
}

interface SessionArgs {
  sts: STSClient
  roleName: string
  centralAccountId: string
  /** The central account's own clients (no role to assume there). */
  central: AccountClients
  partition?: string
  sessionName?: string
  overrides?: ClientOverrides
}

/** How long a denied reader role is taken as denied before STS is asked again. */
const DENIAL_MS = 5 * 60_000

const DENIED = new Set(['AccessDenied', 'AccessDeniedException'])

/** Re-assumed this long before the session expires (the SDK refreshes a provider's identity 5 minutes early too). */
const SESSION_SECONDS = 3600

/**
 * Clients for the accounts of an organization: the central account's own, and each member's through
 * `sts:AssumeRole` on its reader role (one session per account, refreshed by the SDK as it nears its
 * expiry). The session name says who is asking (`iamwatch-<function>`), as CloudTrail in the member shows.
 */
export class AccountSessions {
  private readonly cache = new Map<string, AccountClients>()
  private readonly checked = new Map<string, Promise<void>>()
  private readonly sessions = new Map<string, Promise<AwsCredentialIdentity>>()
  private readonly args: SessionArgs

  constructor(args: SessionArgs) {
    this.args = args
  }

  /** The account's clients; a member's are usable once `verify` succeeded (or lazily, failing per call). */
  clientsFor(accountId: string): AccountClients {
    if (accountId === this.args.centralAccountId) return this.args.central
    let clients = this.cache.get(accountId)
    if (!clients) {
      clients = this.memberClients(accountId)
      this.cache.set(accountId, clients)
    }
    return clients
  }

  /**
   * Has a session of the account's reader role (assumed now, or still fresh), so a denied role is known
   * before any read: ReaderDenied when AWS refused it, the error itself when it is transient. A denial is
   * remembered for 5 minutes (a warm event handler does not ask STS again on each of an unmonitored
   * account's events), then tried again: a role deployed since is used from then on.
   */
  verify(accountId: string): Promise<void> {
    if (accountId === this.args.centralAccountId) return Promise.resolve()
    const denied = this.checked.get(accountId)
    if (denied) return denied
    const p = this.session(accountId).then(() => undefined)
    p.catch((err) => {
      if (!(err instanceof ReaderDenied)) return
      const remembered = Promise.reject(err)
      remembered.catch(() => undefined)
      this.checked.set(accountId, remembered)
      const t = setTimeout(
        () => this.checked.get(accountId) === remembered && this.checked.delete(accountId),
        DENIAL_MS,
      )
      t.unref?.()
    })
    return p
  }

  /** One session per account, shared by its clients, assumed again 5 minutes before it expires. */
  private session(accountId: string): Promise<AwsCredentialIdentity> {
    const known = this.sessions.get(accountId)
    if (known) return known
    const p = this.assume(accountId)
    this.sessions.set(accountId, p)
    p.then(
      (c) => {
        const ms = c.expiration ? c.expiration.getTime() - Date.now() - 300_000 : SESSION_SECONDS * 1000
        const t = setTimeout(
          () => this.sessions.get(accountId) === p && this.sessions.delete(accountId),
          Math.max(0, ms),
        )
        t.unref?.()
      },
      () => this.sessions.get(accountId) === p && this.sessions.delete(accountId),
    )
    return p
  }

  private async assume(accountId: string): Promise<AwsCredentialIdentity> {
    const roleArn = readerRoleArn(this.args.partition ?? 'aws', accountId, this.args.roleName)
    try {
      const out = await this.args.sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: (this.args.sessionName ?? 'iamwatch').slice(0, 64),
          DurationSeconds: SESSION_SECONDS,
        }),
      )
      const c = out.Credentials
      if (!c?.AccessKeyId || !c.SecretAccessKey)
        throw new Error(`AssumeRole ${roleArn} returned no credentials`)
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
        ...(c.Expiration ? { expiration: c.Expiration } : {}),
      }
    } catch (err) {
      if (DENIED.has(errorCode(err)))
        throw new ReaderDenied(`${roleArn}: ${(err as Error).message ?? 'AccessDenied'}`, { cause: err })
      throw err
    }
  }

  private memberClients(accountId: string): AccountClients {
    const credentials = () => this.session(accountId)
    const o: ClientOverrides = { ...this.args.overrides, credentials }
    const analyzers = new Map<string, AccessAnalyzerClient>()
    const buses = new Map<string, EventBridgeClient>()
    const iam = iamClient(o)
    const cloudTrail = cloudTrailClient(o)
    return {
      accountId,
      iam,
      cloudTrail,
      destroy: () => {
        for (const c of [iam, cloudTrail, ...analyzers.values(), ...buses.values()]) c.destroy()
      },
      accessAnalyzer: (region) => {
        const c = analyzers.get(region) ?? accessAnalyzerClient(region, o)
        analyzers.set(region, c)
        return c
      },
      events: (region) => {
        const c = buses.get(region) ?? eventBridgeClient({ ...o, region })
        buses.set(region, c)
        return c
      },
    }
  }

  /** Closes every member client's connections. */
  destroy(): void {
    for (const c of this.cache.values()) c.destroy?.()
    this.cache.clear()
  }
}

export function eventBridgeClient(o: ClientOverrides = {}): EventBridgeClient {
  return awsClient(EventBridgeClient, 'EventBridge', o)
}
