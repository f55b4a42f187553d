/**
 * Escaping for the channels alerts are read in. Every string that reached us from CloudTrail or IAM
 * (user agents, user and session names, resource names, policy names) is attacker-controlled: it is
 * first made visible — format characters removed (bidi overrides and isolates, zero-width characters,
 * the byte order mark, tag characters: Unicode category Cf and the ones named below), control characters
 * (C0, DEL, C1) and line/paragraph separators turned into spaces so one value never spans lines, lone
 * surrogates replaced — and then escaped for the channel. The machine form (the JSON detail) is not
 * escaped: consumers escape for themselves.
 */

/** Unicode format characters, and the invisible ones named explicitly (all Cf in current Unicode). */
const FORMAT = /[\p{Cf}\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/gu
/** C0 controls (tab, line feed, escape, ...), DEL, C1 controls (NEL, CSI, ...), line and paragraph separators. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** A value as one line of visible text: arrays joined with ", ", invisible characters removed. */
export function stripInvisible(value: unknown): string {
  const text = Array.isArray(value) ? value.map(String).join(', ') : String(value)
  return text.replace(LONE_SURROGATE, '\uFFFD').replace(FORMAT, '').replace(CONTROL, ' ')
}

/**
 * For a subject line (SNS: printable ASCII): visible text with runs of spaces collapsed; any other
 * character becomes `?`. Nothing is transliterated: a look-alike (a Cyrillic `а`, a fullwidth `Ａ`)
 * shows as `?` rather than passing for the ASCII letter.
 */
export function subjectText(value: unknown): string {
  return stripInvisible(value)
    .replace(/[^\x20-\x7e]/gu, '?')
    .replace(/ {2,}/g, ' ')
    .trim()
}

/** Plain text (email, the SNS message body): visible text, nothing else to escape. */
export function escapePlain(value: unknown): string {
  return stripInvisible(value)
}

/**
 * Slack and AWS Chatbot mrkdwn: `&`, `<` and `>` as entities (Slack's only escapes), so `<!channel>`,
 * `<!here>`, `<@U123>`, `<#C123>` and `<https://evil|click>` show as typed instead of notifying or
 * hiding a link. Bare `@channel`, `@here` and `@everyone` get a fullwidth at sign (`＠here`), for
 * integrations that turn names into mentions (link_names); nothing invisible is added.
 */
export function escapeSlack(value: unknown): string {
  return stripInvisible(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(channel|here|everyone)\b/gi, '\uFF20$1')
}

/**
 * Markdown (CommonMark, GitHub): a backslash before emphasis, code, links, strikethrough, table pipes
 * and HTML (`\ * _ ` [ ] ~ | < > &`), and before what would open a block at the start of a line (a
 * heading `#`, a list item `-`/`+`/`1.`/`1)`). Every ASCII punctuation character may be
 * backslash-escaped in CommonMark, so this never shows a stray backslash.
 */
export function escapeMarkdown(value: unknown): string {
  return stripInvisible(value)
    .replace(/[\\`*_[\]~|<>&]/g, '\\$&')
    .replace(/^( {0,3})([#+-])/, '$1\\$2')
    .replace(/^( {0,3}\d{1,9})([.)])/, '$1\\$2')
}

/**
 * What chat markdown would act on, and a look-alike that shows the same but means nothing: emphasis,
 * strikethrough, code, links and mentions (`<@U123>`, `<!here>`, `<url|text>`), tables, entities.
 */
const CHAT_INERT: Readonly<Record<string, string>> = {
  '*': '\u2217', // ∗ asterisk operator
  _: '\uFF3F', // ＿ fullwidth low line
  '~': '\u223C', // ∼ tilde operator
  '`': '\u02CB', // ˋ modifier letter grave accent
  '[': '\uFF3B', // ［
  ']': '\uFF3D', // ］
  '<': '\u2039', // ‹
  '>': '\u203A', // ›
  '|': '\u2223', // ∣ divides
  '&': '\uFF06', // ＆
  '\\': '\u29F5', // ⧵ reverse solidus operator: a backslash cannot escape what follows
}

/**
 * AWS Chatbot `client-markdown`, rendered as Slack mrkdwn or Teams markdown. The two disagree on
 * escapes (Slack shows a backslash, Teams needs one; Slack needs entities, a Teams code span shows
 * them), so no escape works in both: every metacharacter is replaced by a look-alike that neither
 * platform formats (`*bold*` shows as `∗bold∗`, `<@U123>` as `‹@U123›`, a backtick as `ˋ`), and
 * `@channel`, `@here` and `@everyone` get a fullwidth at sign. Nothing invisible is added; the exact
 * string stays in the machine JSON and in the email text.
 */
export function escapeChatMarkdown(value: unknown): string {
  return stripInvisible(value)
    .replace(/[*_~`[\]<>|&\\]/g, (c) => CHAT_INERT[c]!)
    .replace(/@(channel|here|everyone)\b/gi, '\uFF20$1')
}

const HTML: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** HTML text and quoted attribute values: `& < > " '` as entities. */
export function escapeHtml(value: unknown): string {
  return stripInvisible(value).replace(/[&<>"']/g, (c) => HTML[c]!)
}

export type Channel = 'plain' | 'slack' | 'markdown' | 'html' | 'chatbot'

/** The escaping for each channel, to pick by name. */
export const ESCAPE: Readonly<Record<Channel, (value: unknown) => string>> = {
  plain: escapePlain,
  slack: escapeSlack,
  markdown: escapeMarkdown,
  html: escapeHtml,
  chatbot: escapeChatMarkdown,
}
