import { describe, expect, it } from 'vitest'
import { matchesPattern, type Pattern } from '../../shared/eventbridge/match.ts'

/**
 * The matcher against the patterns and example events of the EventBridge documentation itself, so that the rule
 * tests (which check the generated rules with this matcher) do not only agree with themselves. Every vector
 * names where it comes from:
 *
 * - GUIDE: the EventBridge user guide as published in awsdocs/amazon-eventbridge-user-guide, commit 896fdda
 *   (February 2023, the last before the repository was archived): doc_source/eb-event-patterns.md,
 *   eb-event-patterns-arrays.md, eb-event-patterns-null-values.md, eb-event-patterns-content-based-filtering.md.
 * - GUIDE-2022: the same content-filtering page at commit 4ddcc77, whose exists example was later replaced.
 * - OPERATORS: the current user guide page "Comparison operators for use in event patterns in Amazon EventBridge"
 *   (docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html), its table of operators.
 * - BLOG: AWS Compute Blog, "Filtering events in Amazon EventBridge with wildcard pattern matching".
 * - RULER: the README of aws/event-ruler, AWS's open-source implementation of the same pattern language.
 *
 * Not encodable here: "300, 300.0 and 3.0e2 are not considered equal" (GUIDE, eb-event-patterns.md) compares
 * number spellings, which JSON.parse erases before any matcher sees them.
 */
interface Vector {
  source: string
  what: string
  pattern: Pattern | string
  event: unknown
  matches: boolean
}

/** GUIDE eb-event-patterns.md: "The following event shows a simple AWS event from Amazon EC2." */
const EC2 = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
}
/** GUIDE eb-event-patterns.md and eb-event-patterns-null-values.md: the Auto Scaling event. */
const AUTOSCALING = {
  version: '0',
  id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
  'detail-type': 'EC2 Instance Launch Successful',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2015-11-11T21:31:47Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventVersion: '', responseElements: null },
}
/** GUIDE eb-event-patterns.md "Value matching": the Macie event (truncated as published). */
const MACIE = {
  version: '0',
  id: '0948ba87-d3b8-c6d4-f2da-732a1example',
  'detail-type': 'Macie Finding',
  source: 'aws.macie',
  account: '123456789012',
  time: '2021-04-29T23:12:15Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    schemaVersion: '1.0',
    type: 'Policy:IAMUser/S3BucketEncryptionDisabled',
    severity: { score: 1, description: 'Low' },
    count: 2,
  },
}
/** RULER "Ruler by Example": the event its content-filtering examples (also the GUIDE's) are written for. */
const RULER_EVENT = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
}
/** GUIDE content filtering, exists matching: the event it says `detail.state` exists in. */
const PENDING = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2015-11-11T21:29:54Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
  detail: { 'instance-id': 'i-abcd1111', state: 'pending' },
}
/** GUIDE content filtering: the event without a `detail.state` leaf (c-count is an object there). */
const NO_STATE = {
  'detail-type': ['EC2 Instance State-change Notification'],
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
  detail: { 'c-count': { c1: 100 } },
}
/** GUIDE-2022 / RULER: the event with state values and c-count as an intermediate node. */
const C_COUNT_OBJECT = {
  'detail-type': ['EC2 Instance State-change Notification'],
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
  detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } },
}

const GUIDE = 'GUIDE'
const vectors: Vector[] = [
  // eb-event-patterns.md
  {
    source: `${GUIDE} eb-event-patterns.md`,
    what: 'the instance-termination pattern matches the EC2 event',
    pattern: {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['terminated'] },
    },
    event: EC2,
    matches: true,
  },
  {
    source: `${GUIDE} eb-event-patterns.md, Match Values`,
    what: 'a value matches when it is any of the array ("aws.ec2" or "aws.fargate")',
    pattern: { source: ['aws.ec2', 'aws.fargate'] },
    event: EC2,
    matches: true,
  },
  {
    source: `${GUIDE} eb-event-patterns.md`,
    what: 'every field named in the pattern must be in the event',
    pattern: { source: ['aws.ec2'], detail: { 'instance-type': ['t2.micro'] } },
    event: EC2,
    matches: false,
  },
  {
    source: `${GUIDE} eb-event-patterns.md`,
    what: 'strings match character by character, without case folding',
    pattern: { detail: { state: ['Terminated'] } },
    event: EC2,
    matches: false,
  },
  {
    source: `${GUIDE} eb-event-patterns.md, Field matching`,
    what: 'responseElements: [null] matches the Auto Scaling event',
    pattern: {
      source: ['aws.autoscaling'],
      'detail-type': ['EC2 Instance Launch Successful'],
      detail: { responseElements: [null] },
    },
    event: AUTOSCALING,
    matches: true,
  },
  {
    source: `${GUIDE} eb-event-patterns.md, Value matching`,
    what: 'a severity score of 1 and a count of 2 match the Macie event',
    pattern: {
      source: ['aws.macie'],
      'detail-type': ['Macie Finding'],
      detail: { severity: { score: [1] }, count: [2] },
    },
    event: MACIE,
    matches: true,
  },
  {
    source: `${GUIDE} eb-event-patterns.md, Value matching`,
    what: 'another score does not',
    pattern: { detail: { severity: { score: [2] } } },
    event: MACIE,
    matches: false,
  },
  // The operator table of eb-event-patterns.md, on events built from its "Example" column.
  {
    source: `${GUIDE} eb-event-patterns.md, operators: Null`,
    what: 'UserID is null',
    pattern: { UserID: [null] },
    event: { UserID: null },
    matches: true,
  },
  {
    source: `${GUIDE} eb-event-patterns.md, operators: Empty`,
    what: 'LastName is empty',
    pattern: { LastName: [''] },
    event: { LastName: '' },
    matches: true,
  },
  {
    source: `${GUIDE} eb-event-patterns.md, operators: Equals`,
    what: 'Name is "Alice"',
    pattern: { Name: ['Alice'] },
    event: { Name: 'Alice' },
    matches: true,
  },
  {
    source: `${GUIDE} eb-event-patterns.md, operators: Equals (ignore case)`,
    what: 'Name is "Alice", whatever its case',
    pattern: { Name: [{ 'equals-ignore-case': 'alice' }] },
    event: { Name: 'ALICE' },
    matches: true,
  },
  {
    source: `${GUIDE} eb-event-patterns.md, operators: And`,
    what: 'Location is "New York" and Day is "Monday"',
    pattern: { Location: ['New York'], Day: ['Monday'] },
    event: { Location: 'New York', Day: 'Tuesday' },
    matches: false,
  },
  {
    source: `${GUIDE} eb-event-patterns.md, operators: Or`,
    what: 'PaymentType is "Credit" or "Debit"',
    pattern: { PaymentType: ['Credit', 'Debit'] },
    event: { PaymentType: 'Debit' },
    matches: true,
  },
  {
    source: `${GUIDE} eb-event-patterns.md, operators: Or (multiple fields)`,
    what: 'Location is "New York", or Day is "Monday"',
    pattern: { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] } as unknown as Pattern,
    event: { Location: 'Boston', Day: 'Monday' },
    matches: true,
  },
  {
    source: `${GUIDE} eb-event-patterns.md, operators: Or (multiple fields)`,
    what: 'neither field matches',
    pattern: { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] } as unknown as Pattern,
    event: { Location: 'Boston', Day: 'Friday' },
    matches: false,
  },
  {
    source: `${GUIDE} eb-event-patterns.md, operators: Not`,
    what: 'Weather is anything but "Raining"',
    pattern: { Weather: [{ 'anything-but': ['Raining'] }] },
    event: { Weather: 'Raining' },
    matches: false,
  },
  {
    source: `${GUIDE} eb-event-patterns.md, operators: Numeric (equals)`,
    what: 'Price is 100',
    pattern: { Price: [{ numeric: ['=', 100] }] },
    event: { Price: 100 },
    matches: true,
  },
  {
    source: `${GUIDE} eb-event-patterns.md, operators: Numeric (range)`,
    what: 'Price is more than 10, and less than or equal to 20 (20 is in)',
    pattern: { Price: [{ numeric: ['>', 10, '<=', 20] }] },
    event: { Price: 20 },
    matches: true,
  },
  {
    source: `${GUIDE} eb-event-patterns.md, operators: Numeric (range)`,
    what: '10 is out',
    pattern: { Price: [{ numeric: ['>', 10, '<=', 20] }] },
    event: { Price: 10 },
    matches: false,
  },
  {
    source: `${GUIDE} eb-event-patterns.md, operators: Exists`,
    what: 'ProductName exists',
    pattern: { ProductName: [{ exists: true }] },
    event: { ProductName: 'widget' },
    matches: true,
  },
  {
    source: `${GUIDE} eb-event-patterns.md, operators: Does not exist`,
    what: 'ProductName does not exist',
    pattern: { ProductName: [{ exists: false }] },
    event: { Price: 3 },
    matches: true,
  },
  {
    source: `${GUIDE} eb-event-patterns.md, operators: Begins with`,
    what: 'Region is in the US',
    pattern: { Region: [{ prefix: 'us-' }] },
    event: { Region: 'us-west-2' },
    matches: true,
  },
  {
    source: `${GUIDE} eb-event-patterns.md, operators: Ends with`,
    what: 'FileName ends with a .png extension',
    pattern: { FileName: [{ suffix: '.png' }] },
    event: { FileName: 'image.jpg' },
    matches: false,
  },
  // eb-event-patterns-null-values.md
  {
    source: `${GUIDE} eb-event-patterns-null-values.md`,
    what: 'eventVersion [""] matches the empty string',
    pattern: { detail: { eventVersion: [''] } },
    event: AUTOSCALING,
    matches: true,
  },
  {
    source: `${GUIDE} eb-event-patterns-null-values.md`,
    what: 'null and the empty string are not interchangeable',
    pattern: { detail: { responseElements: [''] } },
    event: AUTOSCALING,
    matches: false,
  },
  // eb-event-patterns-arrays.md
  {
    source: `${GUIDE} eb-event-patterns-arrays.md`,
    what: 'an array pattern matches an array field when the two intersect',
    pattern: {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    },
    event: {
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    },
    matches: true,
  },
  {
    source: `${GUIDE} eb-event-patterns-arrays.md`,
    what: 'no common element, no match',
    pattern: { resources: ['arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f'] },
    event: { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f'] },
    matches: false,
  },
  {
    source: `${GUIDE} eb-event-patterns-arrays.md with content filtering`,
    what: 'a prefix matches an array field when any element starts with it',
    pattern: { resources: [{ prefix: 'arn:aws:ec2:' }] },
    event: {
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    },
    matches: true,
  },
  // eb-event-patterns-content-based-filtering.md
  {
    source: `${GUIDE} content filtering, Prefix matching`,
    what: 'time starting with 2017-10-02',
    pattern: { time: [{ prefix: '2017-10-02' }] },
    event: { time: '2017-10-02T18:43:48Z' },
    matches: true,
  },
  {
    source: `${GUIDE} content filtering, Prefix matching`,
    what: 'prefix matching is for string values',
    pattern: { detail: { 'c-count': [{ prefix: '5' }] } },
    event: RULER_EVENT,
    matches: false,
  },
  {
    source: `${GUIDE} content filtering, Suffix matching`,
    what: 'FileName ending with .png',
    pattern: { FileName: [{ suffix: '.png' }] },
    event: { FileName: 'image.png' },
    matches: true,
  },
  {
    source: `${GUIDE} content filtering, Anything-but matching`,
    what: 'state anything but "initializing" (RULER_EVENT is running)',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event: RULER_EVENT,
    matches: true,
  },
  {
    source: `${GUIDE} content filtering, Anything-but matching`,
    what: 'x-limit anything but 123 (a number)',
    pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    event: RULER_EVENT,
    matches: true,
  },
  {
    source: `${GUIDE} content filtering, Anything-but matching`,
    what: 'state anything but a list of strings that holds it',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } },
    event: RULER_EVENT,
    matches: false,
  },
  {
    source: `${GUIDE} content filtering, Anything-but matching`,
    what: 'x-limit anything but a list of numbers',
    pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    event: RULER_EVENT,
    matches: true,
  },
  {
    source: `${GUIDE} content filtering, Anything-but matching`,
    what: 'state without the prefix "init" (initializing has it)',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    event: { detail: { state: 'initializing' } },
    matches: false,
  },
  {
    source: `${GUIDE} content filtering, Numeric matching`,
    what: 'c-count in (0, 5], d-count < 10, x-limit = 3.018e2 (RULER_EVENT has 5, 3 and 301.8)',
    pattern: {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    },
    event: RULER_EVENT,
    matches: true,
  },
  {
    source: `${GUIDE} content filtering, Numeric matching`,
    what: 'numeric matching works only on JSON numbers',
    pattern: { detail: { 'c-count': [{ numeric: ['>', 0] }] } },
    event: { detail: { 'c-count': '5' } },
    matches: false,
  },
  {
    source: `${GUIDE} content filtering, IP address matching`,
    what: 'sourceIPAddress in 10.0.0.0/24',
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    event: { detail: { sourceIPAddress: '10.0.0.255' } },
    matches: true,
  },
  {
    source: `${GUIDE} content filtering, IP address matching ("for IPv4 and IPv6 addresses")`,
    what: 'an IPv6 address in its block',
    pattern: { detail: { sourceIPAddress: [{ cidr: '2001:db8::/32' }] } },
    event: { detail: { sourceIPAddress: '2001:db8:1::1' } },
    matches: true,
  },
  {
    source: `${GUIDE} content filtering, IP address matching ("for IPv4 and IPv6 addresses")`,
    what: 'an IPv6 address outside it',
    pattern: { detail: { sourceIPAddress: [{ cidr: '2001:db8::/32' }] } },
    event: { detail: { sourceIPAddress: '2001:db9::1' } },
    matches: false,
  },
  {
    source: `${GUIDE} content filtering, Exists matching`,
    what: 'detail.state exists in the pending event',
    pattern: { detail: { state: [{ exists: true }] } },
    event: PENDING,
    matches: true,
  },
  {
    source: `${GUIDE} content filtering, Exists matching`,
    what: 'detail.state does not exist where detail has only c-count',
    pattern: { detail: { state: [{ exists: true }] } },
    event: NO_STATE,
    matches: false,
  },
  {
    source: 'GUIDE-2022 content filtering, Exists matching; RULER "Exists matching"',
    what: 'exists false on c-count matches an event without it',
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    event: { detail: { state: ['initializing', 'running'] } },
    matches: true,
  },
  {
    source: 'GUIDE-2022 content filtering, Exists matching; RULER "Exists matching"',
    what: 'and also one where c-count is not a leaf: exists works on leaf nodes only',
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    event: C_COUNT_OBJECT,
    matches: true,
  },
  {
    source: `${GUIDE} content filtering, Equals-ignore-case matching`,
    what: 'detail-type regardless of case',
    pattern: { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] },
    event: {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
      detail: { 'c-count': { c1: 100 } },
    },
    matches: true,
  },
  {
    source: `${GUIDE} content filtering, Complex example with multiple matching`,
    what: 'prefix, anything-but and numeric together',
    pattern: {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
      },
    },
    event: RULER_EVENT,
    matches: true,
  },
  {
    source: `${GUIDE} content filtering, note on a key given twice`,
    what: 'only the last reference is used (location "us-east" is excluded despite the prefix)',
    pattern: '{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}',
    event: { detail: { location: 'us-east' } },
    matches: false,
  },
  {
    source: `${GUIDE} content filtering, note on a key given twice`,
    what: 'and a location without the prefix passes',
    pattern: '{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}',
    event: { detail: { location: 'eu-west' } },
    matches: true,
  },
  {
    source: `${GUIDE} content filtering, Complex example with $or matching`,
    what: 'any of c-count, d-count, x-limit (only d-count holds)',
    pattern: {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
        ],
      },
    } as unknown as Pattern,
    event: { detail: { 'c-count': 9, 'd-count': 3, 'x-limit': 1 } },
    matches: true,
  },
  {
    source: `${GUIDE} content filtering, Complex example with $or matching`,
    what: 'none holds',
    pattern: {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
        ],
      },
    } as unknown as Pattern,
    event: { detail: { 'c-count': 9, 'd-count': 30, 'x-limit': 1 } },
    matches: false,
  },
  // The operator table of the current guide (OPERATORS), on events built from its "Example" column.
  {
    source: 'OPERATORS: Anything-but (begins with)',
    what: 'Region is not in the US',
    pattern: { Region: [{ 'anything-but': { prefix: 'us-' } }] },
    event: { Region: 'eu-west-1' },
    matches: true,
  },
  {
    source: 'OPERATORS: Anything-but (ends with)',
    what: 'FileName does not end with a .png extension',
    pattern: { FileName: [{ 'anything-but': { suffix: '.png' } }] },
    event: { FileName: 'image.png' },
    matches: false,
  },
  {
    source: 'OPERATORS: Anything-but (ignore case)',
    what: 'State is any value besides "initializing" or any other casing variation',
    pattern: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] },
    event: { state: 'INITIALIZING' },
    matches: false,
  },
  {
    source: 'OPERATORS: Anything-but using a wildcard',
    what: 'FilePath is not a file path that includes /lib/',
    pattern: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
    event: { FilePath: 'eventbridge/lib/handler' },
    matches: false,
  },
  {
    source: 'OPERATORS: Anything-but using a wildcard',
    what: 'a path without /lib/ passes',
    pattern: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
    event: { FilePath: 'eventbridge/src/handler' },
    matches: true,
  },
  {
    source: 'OPERATORS: Begins with (ignore case)',
    what: 'service name starts with the letters "eventb", regardless of case',
    pattern: { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] },
    event: { service: 'EventBridge' },
    matches: true,
  },
  {
    source: 'OPERATORS: Ends with (ignore case)',
    what: 'service name ends with "tbridge", whatever its case',
    pattern: { service: [{ suffix: { 'equals-ignore-case': 'tbridge' } }] },
    event: { service: 'EVENTBRIDGE' },
    matches: true,
  },
  {
    source: 'BLOG: wildcard filters',
    what: '"*.png" matches strings that end with ".png"',
    pattern: { key: [{ wildcard: '*.png' }] },
    event: { key: 'uploads/2023/chart.png' },
    matches: true,
  },
  {
    source: 'BLOG: wildcard filters',
    what: '"*Title*" matches values that include "Title" in the middle',
    pattern: { key: [{ wildcard: '*Title*' }] },
    event: { key: 'theTitleOfIt' },
    matches: true,
  },
  {
    source: 'BLOG: wildcard filters',
    what: 'and not values without it (the match is anchored)',
    pattern: { key: [{ wildcard: '*.png' }] },
    event: { key: 'chart.png.txt' },
    matches: false,
  },
  {
    source: 'RULER: Wildcard matching',
    what: '"Simple*Service" matches the service it names',
    pattern: { source: [{ wildcard: 'Simple*Service' }] },
    event: { source: 'SimpleNotificationService' },
    matches: true,
  },
  {
    source: 'RULER: Wildcard matching',
    what: 'a backslash escapes the asterisk, which then matches only itself',
    pattern: { source: [{ wildcard: 'a\\*b' }] },
    event: { source: 'axxb' },
    matches: false,
  },
  {
    source: 'RULER: Wildcard matching',
    what: 'two backslashes are one literal backslash',
    pattern: { source: [{ wildcard: 'a\\\\*' }] },
    event: { source: 'a\\bc' },
    matches: true,
  },
  {
    source: 'RULER: Suffix matching',
    what: 'source ending with "ec2"',
    pattern: { source: [{ suffix: 'ec2' }] },
    event: RULER_EVENT,
    matches: true,
  },
  {
    source: 'RULER: Equals-ignore-case matching',
    what: 'only on string values: a number never equals a string ignoring case',
    pattern: { detail: { 'c-count': [{ 'equals-ignore-case': '5' }] } },
    event: RULER_EVENT,
    matches: false,
  },
  {
    source: 'RULER: "$or" — Or has an And inside',
    what: 'source and (metricName, or metricType and namespace, or scope)',
    pattern: {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency'] },
        { metricType: ['MetricType'], namespace: ['AWS/EC2', 'AWS/ES'] },
        { scope: ['Service'] },
      ],
    } as unknown as Pattern,
    event: { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/ES' },
    matches: true,
  },
  {
    source: 'RULER: "$or" — Or has an And inside',
    what: 'metricType alone is not enough',
    pattern: {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency'] },
        { metricType: ['MetricType'], namespace: ['AWS/EC2', 'AWS/ES'] },
        { scope: ['Service'] },
      ],
    } as unknown as Pattern,
    event: { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/RDS' },
    matches: false,
  },
  {
    source: 'RULER: "$or" — Parallel Or, one inside detail',
    what: '(metricName or namespace) and (detail.source or detail.detail-type)',
    pattern: {
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
      detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
    } as unknown as Pattern,
    event: { namespace: 'AWS/EC2', detail: { 'detail-type': 'CloudWatch Alarm State Change' } },
    matches: true,
  },
]

describe('the pattern matcher against the EventBridge documentation', () => {
  it.each(vectors.map((v) => [`${v.source}: ${v.what}`, v] as const))('%s', (_name, v) => {
    // Prepare
    const pattern = typeof v.pattern === 'string' ? (JSON.parse(v.pattern) as Pattern) : v.pattern
    // Act
    const matches = matchesPattern(pattern, v.event)
    // Assess
    expect(matches).toBe(v.matches)
  })
})
