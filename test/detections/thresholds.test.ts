import { describe, expect, it } from 'vitest'
import { detectionSettings, parseConfig } from '../../shared/config/config.ts'
import { evaluateEvent } from '../../shared/detections/evaluate.ts'
import { MemoryCounters } from '../../shared/detections/thresholds.ts'
import { event, record, root, signin } from '../support/events.ts'

const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 10, minute)).toISOString()
const denied = (minute: number, id = `deny-${minute}`) =>
  event(
    record({
      eventID: id,
      eventTime: at(minute),
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      errorCode: 'AccessDenied',
    }),
  )

async function run(events: ReturnType<typeof event>[], config: unknown = {}) {
  const counters = new MemoryCounters()
  const settings = detectionSettings(parseConfig(config))
  const fired: string[] = []
  for (const e of events)
    for (const f of (await evaluateEvent(e, settings, { counters })).fired)
      fired.push(`${f.detection.id}@${e.eventId}`)
  return fired
}

describe('threshold detections', () => {
  it('unauthorized-api-calls fires once when the 20th denied call lands within the hour', async () => {
    const fired = await run(Array.from({ length: 25 }, (_, i) => denied(i)))
    expect(fired).toEqual(['unauthorized-api-calls@deny-19'])
  })

  it('counts events whose eventIDs are names an object already has (constructor, __proto__, toString)', async () => {
    // Prepare: the 18th to 20th denied calls carry hostile eventIDs
    const events = Array.from({ length: 17 }, (_, i) => denied(i))
    events.push(denied(17, 'constructor'), denied(18, '__proto__'), denied(19, 'toString'))
    // Act
    const fired = await run(events)
    // Assess
    expect(fired).toEqual(['unauthorized-api-calls@toString'])
  })

  it('does not fire when no hour holds 20 of them (one every 4 minutes)', async () => {
    expect(await run(Array.from({ length: 25 }, (_, i) => denied(i * 4)))).toEqual([])
  })

  it('counts a redelivered event once', async () => {
    const again = Array.from({ length: 19 }, (_, i) => denied(i)).flatMap((e) => [e, e])
    expect(await run(again)).toEqual([])
  })

  it('re-fires for the event that crossed when that event is delivered again', async () => {
    const events = Array.from({ length: 20 }, (_, i) => denied(i))
    expect(await run([...events, events[19]!])).toEqual([
      'unauthorized-api-calls@deny-19',
      'unauthorized-api-calls@deny-19',
    ])
  })

  it('fires again only after a full window since it last fired', async () => {
    const events = [
      ...Array.from({ length: 20 }, (_, i) => denied(i)),
      ...Array.from({ length: 20 }, (_, i) => denied(30 + i)),
    ]
    // 10 in 15 minutes: the first crossing at minute 9; the next needs 15 quiet minutes and 10 new calls.
    expect(
      await run(events, {
        detections: { 'unauthorized-api-calls': { params: { count: 10, windowMinutes: 15 } } },
      }),
    ).toEqual(['unauthorized-api-calls@deny-9', 'unauthorized-api-calls@deny-39'])
  })

  it('root-console-login-failed escalates to critical on a burst of 5 in 15 minutes', async () => {
    const counters = new MemoryCounters()
    const settings = detectionSettings(parseConfig({}))
    const severities: string[] = []
    for (let i = 0; i < 5; i++) {
      const e = event(
        signin('ConsoleLogin', 'Failure', { eventID: `f${i}`, eventTime: at(i), userIdentity: root }),
      )
      for (const f of (await evaluateEvent(e, settings, { counters })).fired)
        if (f.detection.id === 'root-console-login-failed') severities.push(`${f.kind}:${f.severity}`)
    }
    expect(severities).toEqual([
      'match:high',
      'match:high',
      'match:high',
      'match:high',
      'match:high',
      'threshold:critical',
    ])
  })
})
