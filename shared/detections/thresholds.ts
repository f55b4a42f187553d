/**
 * Sliding-window counters for thresholded detections. Adding the same event twice counts it once; a
 * counter fires once per crossing: again only after a full window has passed since it last fired. The
 * event that made it fire fires again if it is redelivered (so a crash between firing and recording
 * the finding loses nothing; the finding write is idempotent on the event id).
 */
export interface CounterUpdate {
  counterId: string
  eventId: string
  atMs: number
  windowMs: number
  threshold: number
}

export interface CounterResult {
  count: number
  crossed: boolean
}

export interface CounterStore {
  add(update: CounterUpdate): Promise<CounterResult>
}

export interface CounterState {
  events: Record<string, number>
  lastFiredAt?: number
  firedBy?: string
}

/** The decision, shared by every store: given the state after adding the event, does it fire? */
export function decide(
  state: CounterState,
  u: CounterUpdate,
): CounterResult & { fire?: { at: number; by: string } } {
  const since = u.atMs - u.windowMs
  const count = Object.values(state.events).filter((t) => t > since && t <= u.atMs).length
  if (state.firedBy === u.eventId) return { count, crossed: true }
  const quiet = state.lastFiredAt === undefined || state.lastFiredAt <= since
  if (count >= u.threshold && quiet) return { count, crossed: true, fire: { at: u.atMs, by: u.eventId } }
  return { count, crossed: false }
}

/** Keeps at most `keep` newest event times (enough to decide any crossing). */
export function prune(events: Record<string, number>, keep: number): Record<string, number> {
  const entries = Object.entries(events)
  if (entries.length <= keep) return events
  return Object.assign(
    Object.create(null),
    Object.fromEntries(entries.sort((a, b) => b[1] - a[1]).slice(0, keep)),
  )
}

/** In memory: the CLI's replay (fresh per invocation) and the tests. */
export class MemoryCounters implements CounterStore {
  private readonly states = new Map<string, CounterState>()

  async add(u: CounterUpdate): Promise<CounterResult> {
    // No prototype: an eventID such as `constructor` or `__proto__` is an ordinary key.
    const state = this.states.get(u.counterId) ?? { events: Object.create(null) as Record<string, number> }
    state.events[u.eventId] ??= u.atMs
    state.events = prune(state.events, u.threshold * 2)
    const result = decide(state, u)
    if (result.fire) {
      state.lastFiredAt = result.fire.at
      state.firedBy = result.fire.by
    }
    this.states.set(u.counterId, state)
    return { count: result.count, crossed: result.crossed }
  }
}
