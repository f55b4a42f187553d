/** Dates and times written in an IANA time zone (the daily digest's), with Intl, cached per zone. */

interface ZonedParts {
  year: string
  month: string
  day: string
  hour: string
  minute: string
  weekday: string
  monthName: string
}

const FORMATTERS = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = FORMATTERS.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      weekday: 'long',
    })
    FORMATTERS.set(timeZone, f)
  }
  return f
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

function zoned(date: Date, timeZone: string): ZonedParts {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  )
  const month = parts.month ?? '01'
  return {
    year: parts.year ?? '1970',
    month,
    day: parts.day ?? '01',
    // Some engines write midnight as 24 even in h23.
    hour: parts.hour === '24' ? '00' : (parts.hour ?? '00'),
    minute: parts.minute ?? '00',
    weekday: parts.weekday ?? '',
    monthName: MONTHS[Number(month) - 1] ?? month,
  }
}

/** The calendar date of `date` in `timeZone`: YYYY-MM-DD (the daily digest's day). */
export function zonedDay(date: Date, timeZone: string): string {
  const p = zoned(date, timeZone)
  return `${p.year}-${p.month}-${p.day}`
}

/** `2026-03-10 08:00` in `timeZone`. */
export function zonedTime(date: Date, timeZone: string): string {
  const p = zoned(date, timeZone)
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`
}

/** `Tuesday 10 March 2026` in `timeZone`. */
export function zonedLongDate(date: Date, timeZone: string): string {
  const p = zoned(date, timeZone)
  return `${p.weekday} ${Number(p.day)} ${p.monthName} ${p.year}`.trim()
}

/** An ISO time in the zone, or the value as it came when it is not a time. */
export const timeIn = (iso: string, timeZone: string) => {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : zonedTime(d, timeZone)
}
