import type { AnalyzerState } from '../checks/sources.ts'
import { describeError, type SourceModule, sameActions, unreadable } from './types.ts'

/** IAM Access Analyzer's analyzers in every monitored region (A3's access-analyzer-disabled), live. */
export const analyzersSource: SourceModule<'analyzers'> = {
  name: 'analyzers',
  actions: sameActions('access-analyzer:ListAnalyzers'),
  async collect(ctx) {
    if (!ctx.accessAnalyzer) return unreadable(ctx.now, 'no Access Analyzer client')
    // Loaded only when analyzers are read: the event handler rarely needs this client.
    const { listAnalyzers } = await import('../aws/access-analyzer.ts')
    const byRegion = new Map<string, AnalyzerState[]>()
    const partial = new Map<string, string>()
    const problems: string[] = []
    await Promise.all(
      ctx.regions.map(async (region) => {
        try {
          byRegion.set(region, await listAnalyzers(await ctx.accessAnalyzer!(region)))
        } catch (err) {
          const why = `ListAnalyzers in ${region} failed: ${describeError(err)}`
          partial.set(`access-analyzer/${region}`, why)
          problems.push(why)
        }
      }),
    )
    return { data: { byRegion }, complete: problems.length === 0, asOf: ctx.now, problems, partial }
  },
}
