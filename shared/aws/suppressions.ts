import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb'
import type { SuppressionRulesRepository } from '../engine/repository.ts'
import { type SuppressionRule, sameRule } from '../engine/suppression.ts'

/**
 * Suppression rules in the findings table, one partition per account: pk `SUPPRESSION#<account>`, sk
 * `RULE#<id>`, kind `suppression-rule`. Not findings, not history: finding listings (kind `finding`)
 * and the notifier's stream filter (kind `history`) pass them by.
 */
export const ruleKeys = (accountId: string, id: string) => ({
  pk: `SUPPRESSION#${accountId}`,
  sk: `RULE#${id}`,
})

const STORAGE_ONLY = ['pk', 'sk', 'kind'] as const

function toRule(item: Record<string, unknown>): SuppressionRule {
  const out = { ...item }
  for (const k of STORAGE_ONLY) delete out[k]
  return out as unknown as SuppressionRule
}

export class SuppressionRulesStore implements SuppressionRulesRepository {
  readonly writes = { rules: 0 }
  private readonly db: DynamoDBDocumentClient
  readonly tableName: string
  constructor(db: DynamoDBDocumentClient, tableName: string) {
    this.db = db
    this.tableName = tableName
  }

  async listRules(accountId: string): Promise<SuppressionRule[]> {
    const out: SuppressionRule[] = []
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :r)',
        ExpressionAttributeValues: { ':p': ruleKeys(accountId, '').pk, ':r': 'RULE#' },
        ConsistentRead: true,
      },
    )
    for await (const page of pages) for (const item of page.Items ?? []) out.push(toRule(item))
    return out
  }

  async getRule(accountId: string, id: string): Promise<SuppressionRule | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: ruleKeys(accountId, id), ConsistentRead: true }),
    )
    return out.Item ? toRule(out.Item) : undefined
  }

  /** Stores the rule under its id (the same account, check and resource pattern: one rule). */
  async putRule(rule: SuppressionRule & { accountId: string }): Promise<'created' | 'updated' | 'unchanged'> {
    const old = await this.getRule(rule.accountId, rule.id)
    if (old && sameRule(old, rule)) return 'unchanged'
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...ruleKeys(rule.accountId, rule.id), kind: 'suppression-rule', ...rule, source: 'table' },
      }),
    )
    this.writes.rules++
    return old ? 'updated' : 'created'
  }

  async deleteRule(accountId: string, id: string): Promise<SuppressionRule | undefined> {
    const out = await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: ruleKeys(accountId, id), ReturnValues: 'ALL_OLD' }),
    )
    if (out.Attributes) this.writes.rules++
    return out.Attributes ? toRule(out.Attributes) : undefined
  }
}
