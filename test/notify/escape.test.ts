import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ESCAPE,
  escapeChatMarkdown,
  escapeHtml,
  escapeMarkdown,
  escapePlain,
  escapeSlack,
  stripInvisible,
  subjectText,
} from '../../shared/notify/escape.ts'

/** What an attacker can put in a user agent, a user or session name, or a resource name. */
const HOSTILE = {
  channel: '<!channel>',
  here: '<!here> <!everyone>',
  mention: '<@U123ABC> <#C0123|general>',
  link: '<https://evil|click>',
  rtl: 'invoice\u202Egpj.exe',
  zeroWidth: 'ad\u200Dmin\u200B\u2060\uFEFF',
  nul: 'a\u0000b',
  bold: '*bold*',
  code: '`code`',
  mdLink: '[x](http://evil)',
  script: '<script>alert(1)</script>',
}

/** Unicode format characters (Cf, bidi included), controls (C0, DEL, C1) and line/paragraph separators. */
const INVISIBLE = /[\p{Cf}\p{Cc}\u2028\u2029]/u
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

describe('stripping invisible and control characters', () => {
  it('removes every bidi override, isolate and mark the brief names', () => {
    // Prepare
    const bidi = '\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u200E\u200F\u061C'
    // Act
    const out = stripInvisible(`a${bidi}b`)
    // Assess
    expect(out).toBe('ab')
  })

  it('removes zero-width characters, the word joiner, the byte order mark and the Mongolian vowel separator', () => {
    // Prepare
    const invisible = '\u200B\u200C\u200D\u2060\uFEFF\u180E\u00AD\u{E0041}'
    // Act
    const out = stripInvisible(`ad${invisible}min`)
    // Assess
    expect(out).toBe('admin')
  })

  it('turns control characters (C0, DEL, C1) and line separators into spaces', () => {
    // Prepare
    const controls = 'a\u0000b\tc\nd\re\u001bf\u007fg\u0085h\u009fi\u2028j\u2029k'
    // Act
    const out = stripInvisible(controls)
    // Assess
    expect(out).toBe('a b c d e f g h i j k')
  })

  it('leaves no format or control character in any string (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = stripInvisible(s)
        return !INVISIBLE.test(out) && !LONE_SURROGATE.test(out)
      }),
      { numRuns: 2000 },
    )
  })

  it('keeps printable text, accents and other scripts as they are', () => {
    // Prepare
    const text = 'José Müller 山田 Ωμέγα aws-cli/2.15.0 Python/3.11'
    // Act
    const out = stripInvisible(text)
    // Assess
    expect(out).toBe(text)
  })
})

describe('subject text', () => {
  it('is printable ASCII on one line: invisible characters go, other characters become "?"', () => {
    // Prepare
    const name = `${HOSTILE.rtl} ${HOSTILE.zeroWidth}\n\tJosé`
    // Act
    const out = subjectText(name)
    // Assess
    expect(out).toBe('invoicegpj.exe admin Jos?')
  })

  it('is printable ASCII for any input (property)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => /^[\x20-\x7e]*$/.test(subjectText(s))))
  })
})

describe('plain text (email)', () => {
  it('keeps markup characters as they are and strips the invisible ones', () => {
    // Prepare
    const values = [HOSTILE.channel, HOSTILE.bold, HOSTILE.script, HOSTILE.rtl, HOSTILE.nul]
    // Act
    const out = values.map(escapePlain)
    // Assess
    expect(out).toEqual(['<!channel>', '*bold*', '<script>alert(1)</script>', 'invoicegpj.exe', 'a b'])
  })

  it('joins a list with commas', () => {
    expect(escapePlain(['a\nb', 'c'])).toBe('a b, c')
  })
})

describe('Slack and AWS Chatbot mrkdwn', () => {
  it('escapes the three characters Slack reserves', () => {
    expect(escapeSlack('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d')
  })

  it('turns special mentions, user and channel mentions and labelled links into inert text', () => {
    // Prepare
    const values = [HOSTILE.channel, HOSTILE.here, HOSTILE.mention, HOSTILE.link]
    // Act
    const out = values.map(escapeSlack)
    // Assess
    expect(out).toEqual([
      '&lt;!channel&gt;',
      '&lt;!here&gt; &lt;!everyone&gt;',
      '&lt;@U123ABC&gt; &lt;#C0123|general&gt;',
      '&lt;https://evil|click&gt;',
    ])
    for (const s of out) expect(s).not.toMatch(/[<>]/)
  })

  it('defuses bare @channel, @here and @everyone for integrations that link names', () => {
    // Prepare
    const text = 'hi @channel @here @everyone @alice'
    // Act
    const out = escapeSlack(text)
    // Assess
    expect(out).not.toMatch(/@(channel|here|everyone)/)
    expect(out).toContain('@alice')
  })

  it('does not let an attacker smuggle an entity that decodes into a control sequence', () => {
    // Prepare: "&lt;!channel&gt;" typed literally must show as typed, not decode to <!channel>.
    const typed = '&lt;!channel&gt;'
    // Act
    const out = escapeSlack(typed)
    // Assess
    expect(out).toBe('&amp;lt;!channel&amp;gt;')
  })

  it('strips bidi overrides, zero-width characters and NUL', () => {
    expect(escapeSlack(`${HOSTILE.rtl}${HOSTILE.zeroWidth}${HOSTILE.nul}`)).toBe('invoicegpj.exeadmina b')
  })
})

describe('Markdown', () => {
  it('escapes emphasis, code, links, strikethrough, tables and HTML', () => {
    // Prepare
    const values = [HOSTILE.bold, HOSTILE.code, HOSTILE.mdLink, '~~gone~~ a|b', HOSTILE.script, '_x_ \\*']
    // Act
    const out = values.map(escapeMarkdown)
    // Assess
    expect(out).toEqual([
      '\\*bold\\*',
      '\\`code\\`',
      '\\[x\\](http://evil)',
      '\\~\\~gone\\~\\~ a\\|b',
      '\\<script\\>alert(1)\\</script\\>',
      '\\_x\\_ \\\\\\*',
    ])
  })

  it('escapes what starts a block at the start of a line: quote, heading, list', () => {
    // Prepare
    const values = ['> quoted', '# Heading', '- item', '+ item', '1. item', '12) item', 'a > b']
    // Act
    const out = values.map(escapeMarkdown)
    // Assess
    expect(out).toEqual([
      '\\> quoted',
      '\\# Heading',
      '\\- item',
      '\\+ item',
      '1\\. item',
      '12\\) item',
      'a \\> b',
    ])
  })

  it('strips bidi overrides, zero-width characters and NUL', () => {
    expect(escapeMarkdown(`${HOSTILE.rtl}${HOSTILE.zeroWidth}${HOSTILE.nul}`)).toBe('invoicegpj.exeadmina b')
  })
})

describe('HTML', () => {
  it('escapes the five characters that matter in text and attribute values', () => {
    // Prepare
    const text = `${HOSTILE.script} "q" 'a' & <!channel>`
    // Act
    const out = escapeHtml(text)
    // Assess
    expect(out).toBe('&lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot; &#39;a&#39; &amp; &lt;!channel&gt;')
  })

  it('strips bidi overrides, zero-width characters and NUL', () => {
    expect(escapeHtml(`${HOSTILE.rtl}${HOSTILE.zeroWidth}${HOSTILE.nul}`)).toBe('invoicegpj.exeadmina b')
  })
})

describe('every channel (properties)', () => {
  const channels = Object.entries(ESCAPE)

  it('offers plain, slack, markdown, html and chatbot', () => {
    expect(channels.map(([name]) => name).sort()).toEqual(['chatbot', 'html', 'markdown', 'plain', 'slack'])
  })

  it('never lets an invisible, control or line-breaking character through', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) =>
        channels.every(([, escapeFor]) => !INVISIBLE.test(escapeFor(s))),
      ),
    )
  })

  it('leaves no raw "<" for Slack or HTML', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('<', '>', '&', '!', '@', 'a', '|', '\u202E') }), (s) =>
        [escapeSlack(s), escapeHtml(s)].every((out) => !out.includes('<') && !out.includes('>')),
      ),
    )
  })
})

describe('AWS Chatbot client-markdown', () => {
  it('turns emphasis, code, links and mentions into look-alikes that neither Slack nor Teams formats', () => {
    // Act
    const out = escapeChatMarkdown('*bold* _it_ ~s~ `code` <@U123> <!here> [link](http://x) a|b & \\n')
    // Assess
    expect(out).toBe(
      '\u2217bold\u2217 \uFF3Fit\uFF3F \u223Cs\u223C \u02CBcode\u02CB \u2039@U123\u203A \u2039!here\u203A \uFF3Blink\uFF3D(http://x) a\u2223b \uFF06 \u29F5n',
    )
  })

  it('defuses @here, @channel and @everyone, and strips invisible characters', () => {
    expect(escapeChatMarkdown(`@here @Channel ${HOSTILE.rtl}`)).toBe(
      '\uFF20here \uFF20Channel invoicegpj.exe',
    )
  })

  it('leaves no markdown metacharacter, whatever the input (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => !/[*_~`[\]<>|&\\]/.test(escapeChatMarkdown(s))),
    )
  })
})
