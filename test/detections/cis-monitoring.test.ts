import { describe, expect, it } from 'vitest'
import { getDetection } from '../../shared/detections/registry.ts'
import { serviceEvents } from '../../shared/detections/types.ts'
import { alice, event, fires, record, roleSession, severityOf } from '../support/events.ts'

/** A record of `source` (ec2, s3, ...) with the given event name and fields. */
const call =
  (service: string) =>
  (eventName: string, fields: Record<string, unknown> = {}) =>
    record({ eventSource: `${service}.amazonaws.com`, eventName, ...fields })
const kms = call('kms')
const s3 = call('s3')
const config = call('config')
const ec2 = call('ec2')
const securityhub = call('securityhub')

/** The event names a detection subscribes to (its EventBridge rules are generated from them). */
const namesOf = (id: string) => serviceEvents(getDetection(id)!.events).flatMap((s) => s.names)
const contextOf = (id: string, raw: Record<string, unknown>) => getDetection(id)!.context!(event(raw))

const failed = { errorCode: 'AccessDenied', errorMessage: 'User is not authorized' }

describe('kms-key-disabled', () => {
  it('reads exactly the catalog events, from KMS', () => {
    expect(getDetection('kms-key-disabled')!.events).toEqual({
      kind: 'names',
      sources: ['kms.amazonaws.com'],
      names: ['DisableKey', 'ScheduleKeyDeletion'],
    })
  })

  it('fires, high, when a key is disabled or scheduled for deletion, by a user or a role session', () => {
    // Prepare
    const disabled = kms('DisableKey', {
      requestParameters: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' },
    })
    const scheduled = kms('ScheduleKeyDeletion', {
      userIdentity: roleSession,
      requestParameters: { keyId: 'alias/payments', pendingWindowInDays: 7 },
    })
    // Act / Assess
    expect(fires(disabled)).toEqual(['kms-key-disabled'])
    expect(fires(scheduled)).toEqual(['kms-key-disabled'])
    expect(severityOf(disabled, 'kms-key-disabled')).toBe('high')
  })

  it('shows the key ARN the response names, the waiting period and the deletion date', () => {
    // Prepare
    const raw = kms('ScheduleKeyDeletion', {
      requestParameters: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', pendingWindowInDays: 20 },
      responseElements: {
        keyId: 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        keyState: 'PendingDeletion',
        deletionDate: 'Apr 12, 2021 18:58:30 PM',
      },
    })
    // Act / Assess
    expect(contextOf('kms-key-disabled', raw)).toMatchObject({
      key: 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      change: 'ScheduleKeyDeletion',
      pendingWindowInDays: 20,
      keyState: 'PendingDeletion',
    })
  })

  it('does not fire when the call failed, nor when a key is enabled or its deletion cancelled', () => {
    expect(fires(kms('DisableKey', { errorCode: 'NotFoundException' }))).toEqual([])
    expect(fires(kms('ScheduleKeyDeletion', failed))).toEqual([])
    expect(fires(kms('EnableKey'))).toEqual([])
    expect(fires(kms('CancelKeyDeletion'))).toEqual([])
  })
})

describe('s3-bucket-policy-change', () => {
  const policy = (statement: Record<string, unknown>) =>
    s3('PutBucketPolicy', {
      requestParameters: {
        bucketName: 'reports',
        bucketPolicy: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::reports/*', ...statement },
          ],
        },
      },
    })

  it('fires, medium, on every bucket policy, ACL, CORS, lifecycle, replication and public access block change of the catalog', () => {
    // Prepare
    const names = namesOf('s3-bucket-policy-change')
    // Act / Assess
    expect(names).toHaveLength(10)
    for (const name of names) {
      const raw = s3(name, { requestParameters: { bucketName: 'reports' } })
      expect(fires(raw), name).toEqual(['s3-bucket-policy-change'])
      expect(severityOf(raw, 's3-bucket-policy-change'), name).toBe('medium')
    }
  })

  it('is critical when the new policy allows Principal "*" or {"AWS": "*"} without a condition', () => {
    expect(severityOf(policy({ Principal: '*' }), 's3-bucket-policy-change')).toBe('critical')
    expect(severityOf(policy({ Principal: { AWS: '*' } }), 's3-bucket-policy-change')).toBe('critical')
    expect(severityOf(policy({ Principal: { AWS: ['*'] } }), 's3-bucket-policy-change')).toBe('critical')
  })

  it('is critical when the policy arrives as a JSON string, and names the public statement', () => {
    // Prepare
    const doc = JSON.stringify({
      Statement: { Sid: 'Open', Effect: 'Allow', Principal: '*', Action: 's3:*' },
    })
    const raw = s3('PutBucketPolicy', { requestParameters: { bucketName: 'reports', bucketPolicy: doc } })
    // Act
    const hit = fires(raw)
    // Assess
    expect(hit).toEqual(['s3-bucket-policy-change'])
    expect(severityOf(raw, 's3-bucket-policy-change')).toBe('critical')
  })

  it('stays medium when a condition pins the public grant to an organization, account, principal or network', () => {
    for (const condition of [
      { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      { StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } },
      { StringLike: { 'aws:SourceVpc': 'vpc-*' } },
      { StringEquals: { 'aws:SourceAccount': '123456789012' } },
      { ArnLike: { 'aws:SourceArn': 'arn:aws:cloudfront::123456789012:distribution/E1' } },
      { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24'] } },
      { StringEquals: { 'aws:PrincipalAccount': '123456789012' } },
      { ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/Reader' } },
    ])
      expect(
        severityOf(policy({ Principal: '*', Condition: condition }), 's3-bucket-policy-change'),
        JSON.stringify(condition),
      ).toBe('medium')
  })

  it('is still critical when the condition narrows nothing: a negated, IfExists or wildcard condition, a /0 range, or another key', () => {
    for (const condition of [
      { StringNotEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      { StringEqualsIfExists: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } },
      { StringLike: { 'aws:SourceArn': '*' } },
      { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } },
      { Bool: { 'aws:SecureTransport': 'true' } },
    ])
      expect(
        severityOf(policy({ Principal: '*', Condition: condition }), 's3-bucket-policy-change'),
        JSON.stringify(condition),
      ).toBe('critical')
  })

  it('stays medium for a service or account principal, a public Deny, or a policy it cannot read', () => {
    expect(
      severityOf(policy({ Principal: { Service: 'cloudtrail.amazonaws.com' } }), 's3-bucket-policy-change'),
    ).toBe('medium')
    expect(
      severityOf(policy({ Principal: { AWS: 'arn:aws:iam::123456789012:root' } }), 's3-bucket-policy-change'),
    ).toBe('medium')
    expect(severityOf(policy({ Effect: 'Deny', Principal: '*' }), 's3-bucket-policy-change')).toBe('medium')
    expect(
      severityOf(
        s3('PutBucketPolicy', { requestParameters: { bucketPolicy: 'not json' } }),
        's3-bucket-policy-change',
      ),
    ).toBe('medium')
    expect(severityOf(s3('PutBucketPolicy', { requestParameters: null }), 's3-bucket-policy-change')).toBe(
      'medium',
    )
  })

  it('is critical when an ACL grants everyone access, by canned ACL or by grant to the AllUsers group', () => {
    // Prepare
    const canned = s3('PutBucketAcl', {
      requestParameters: { bucketName: 'reports', 'x-amz-acl': ['public-read'] },
    })
    const granted = s3('PutBucketAcl', {
      requestParameters: {
        bucketName: 'reports',
        AccessControlPolicy: {
          AccessControlList: {
            Grant: [
              {
                Grantee: { 'xsi:type': 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' },
                Permission: 'READ',
              },
            ],
          },
        },
      },
    })
    const owner = s3('PutBucketAcl', {
      requestParameters: { bucketName: 'reports', 'x-amz-acl': ['private'] },
    })
    // Act / Assess
    expect(severityOf(canned, 's3-bucket-policy-change')).toBe('critical')
    expect(severityOf(granted, 's3-bucket-policy-change')).toBe('critical')
    expect(severityOf(owner, 's3-bucket-policy-change')).toBe('medium')
  })

  it('shows the bucket and the change', () => {
    expect(contextOf('s3-bucket-policy-change', policy({ Principal: '*' }))).toEqual({
      bucket: 'reports',
      change: 'PutBucketPolicy',
    })
  })

  it('does not fire when the call failed, nor on reading a policy or other bucket settings', () => {
    expect(fires(policy({ Principal: '*' }))).toEqual(['s3-bucket-policy-change'])
    expect(fires({ ...policy({ Principal: '*' }), ...failed })).toEqual([])
    expect(fires(s3('GetBucketPolicy'))).toEqual([])
    expect(fires(s3('PutBucketVersioning'))).toEqual([])
    expect(fires(s3('PutBucketPublicAccessBlock'))).toEqual([])
  })
})

describe('config-change', () => {
  it('fires, medium, on every AWS Config change of the catalog', () => {
    for (const name of ['PutConfigurationRecorder', 'PutDeliveryChannel']) {
      expect(fires(config(name)), name).toEqual(['config-change'])
      expect(severityOf(config(name), 'config-change'), name).toBe('medium')
    }
  })

  it('fires beside security-service-disabled when the recorder is stopped or deleted or the channel deleted', () => {
    for (const name of [
      'StopConfigurationRecorder',
      'DeleteConfigurationRecorder',
      'DeleteDeliveryChannel',
    ]) {
      expect(fires(config(name)), name).toEqual(['config-change', 'security-service-disabled'])
      expect(severityOf(config(name), 'config-change'), name).toBe('medium')
    }
  })

  it('shows the recorder or delivery channel changed, and where the channel delivers', () => {
    // Prepare
    const channel = config('PutDeliveryChannel', {
      requestParameters: { deliveryChannel: { name: 'default', s3BucketName: 'config-bucket' } },
    })
    const recorder = config('StopConfigurationRecorder', {
      requestParameters: { configurationRecorderName: 'default' },
    })
    // Act / Assess
    expect(contextOf('config-change', channel)).toMatchObject({
      deliveryChannel: 'default',
      deliveryBucket: 'config-bucket',
    })
    expect(contextOf('config-change', recorder)).toMatchObject({ recorder: 'default' })
  })

  it('does not fire when the call failed, nor when recording is started or read', () => {
    expect(fires(config('PutDeliveryChannel', { errorCode: 'InvalidDeliveryChannelNameException' }))).toEqual(
      [],
    )
    expect(fires(config('StopConfigurationRecorder', failed))).toEqual([])
    expect(fires(config('StartConfigurationRecorder'))).toEqual([])
    expect(fires(config('DescribeConfigurationRecorders', { readOnly: true }))).toEqual([])
  })
})

describe('security-group-change', () => {
  const ingress = (cidr: string, protocol: string, from?: number, to?: number) =>
    ec2('AuthorizeSecurityGroupIngress', {
      requestParameters: {
        groupId: 'sg-0123456789abcdef0',
        ipPermissions: {
          items: [
            {
              ipProtocol: protocol,
              ...(from !== undefined ? { fromPort: from, toPort: to ?? from } : {}),
              groups: {},
              ...(cidr.includes(':')
                ? { ipRanges: {}, ipv6Ranges: { items: [{ cidrIpv6: cidr }] } }
                : { ipRanges: { items: [{ cidrIp: cidr }] }, ipv6Ranges: {} }),
              prefixListIds: {},
            },
          ],
        },
      },
    })

  it('fires, low, on every security group change of the catalog', () => {
    // Prepare
    const names = namesOf('security-group-change')
    // Act / Assess: the catalog's six, and ModifySecurityGroupRules, which edits a rule in place
    expect(names).toHaveLength(7)
    expect(names).toContain('ModifySecurityGroupRules')
    for (const name of names) {
      const raw = ec2(name, { requestParameters: { groupId: 'sg-0123456789abcdef0' } })
      expect(fires(raw), name).toEqual(['security-group-change'])
      expect(severityOf(raw, 'security-group-change'), name).toBe('low')
    }
  })

  it('stays low for ingress from a bounded range and for egress to everyone', () => {
    expect(severityOf(ingress('203.0.113.0/24', 'tcp', 22), 'security-group-change')).toBe('low')
    expect(severityOf(ingress('0.0.0.0/16', 'tcp', 443), 'security-group-change')).toBe('low')
    const egress = ec2('AuthorizeSecurityGroupEgress', {
      requestParameters: {
        groupId: 'sg-0123456789abcdef0',
        ipPermissions: { items: [{ ipProtocol: '-1', ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }] },
      },
    })
    expect(severityOf(egress, 'security-group-change')).toBe('low')
  })

  it('raises ingress opened to every address (0.0.0.0/0 or ::/0) to medium (corpus labels name ids only, so they still pass)', () => {
    expect(severityOf(ingress('0.0.0.0/0', 'tcp', 443), 'security-group-change')).toBe('medium')
    expect(severityOf(ingress('::/0', 'tcp', 8080, 8090), 'security-group-change')).toBe('medium')
  })

  it('raises it to high when everyone may reach SSH, RDP or every port', () => {
    expect(severityOf(ingress('0.0.0.0/0', 'tcp', 22), 'security-group-change')).toBe('high')
    expect(severityOf(ingress('::/0', '6', 3380, 3390), 'security-group-change')).toBe('high')
    expect(severityOf(ingress('0.0.0.0/0', '-1'), 'security-group-change')).toBe('high')
  })

  it('reads the flat request form too, and names the rule that opened the group', () => {
    // Prepare: the older flat form, as Stratus Red Team's detonation logs record it.
    const raw = ec2('AuthorizeSecurityGroupIngress', {
      userIdentity: roleSession,
      requestParameters: {
        groupId: 'sg-003dc7f1f1c686164',
        cidrIp: '0.0.0.0/0',
        ipProtocol: 'tcp',
        fromPort: 22,
        toPort: 22,
        ipPermissions: {},
      },
    })
    // Act / Assess
    expect(severityOf(raw, 'security-group-change')).toBe('high')
    expect(contextOf('security-group-change', raw)).toMatchObject({
      group: 'sg-003dc7f1f1c686164',
      rules: '0.0.0.0/0 tcp 22',
    })
  })

  it('shows the new group, its name and VPC', () => {
    // Prepare
    const raw = ec2('CreateSecurityGroup', {
      requestParameters: { groupName: 'web', groupDescription: 'web', vpcId: 'vpc-a1a044c7' },
      responseElements: { _return: true, groupId: 'sg-04d018d184a18f647' },
    })
    // Act / Assess
    expect(contextOf('security-group-change', raw)).toMatchObject({
      group: 'sg-04d018d184a18f647',
      groupName: 'web',
      vpc: 'vpc-a1a044c7',
    })
  })

  it('does not fire when the call failed, nor on reading security groups', () => {
    expect(fires({ ...ingress('0.0.0.0/0', 'tcp', 22), errorCode: 'RequestExpired' })).toEqual([])
    expect(fires({ ...ingress('0.0.0.0/0', 'tcp', 22), errorCode: 'Client.UnauthorizedOperation' })).toEqual(
      [],
    )
    expect(fires(ec2('DescribeSecurityGroups', { readOnly: true }))).toEqual([])
  })
})

describe('network-acl-change', () => {
  const entry = (fields: Record<string, unknown>) =>
    ec2('CreateNetworkAclEntry', {
      requestParameters: {
        networkAclId: 'acl-1',
        ruleNumber: 100,
        egress: false,
        ruleAction: 'allow',
        aclProtocol: '6',
        cidrBlock: '10.0.0.0/16',
        portRange: { from: 443, to: 443 },
        ...fields,
      },
    })

  it('fires, low, on every network ACL change of the catalog', () => {
    // Prepare
    const names = namesOf('network-acl-change')
    // Act / Assess
    expect(names).toHaveLength(6)
    for (const name of names) {
      const raw = ec2(name, { requestParameters: { networkAclId: 'acl-1' } })
      expect(fires(raw), name).toEqual(['network-acl-change'])
      expect(severityOf(raw, 'network-acl-change'), name).toBe('low')
    }
  })

  it('raises an entry that lets all traffic in from every address to medium (corpus labels name ids only)', () => {
    expect(severityOf(entry({ aclProtocol: '-1', cidrBlock: '0.0.0.0/0' }), 'network-acl-change')).toBe(
      'medium',
    )
    expect(
      severityOf(
        {
          ...entry({ aclProtocol: '-1', cidrBlock: undefined, ipv6CidrBlock: '::/0' }),
          eventName: 'ReplaceNetworkAclEntry',
        },
        'network-acl-change',
      ),
    ).toBe('medium')
  })

  it('stays low for a bounded, egress, deny or single-protocol entry', () => {
    expect(severityOf(entry({}), 'network-acl-change')).toBe('low')
    expect(
      severityOf(entry({ aclProtocol: '-1', cidrBlock: '0.0.0.0/0', egress: true }), 'network-acl-change'),
    ).toBe('low')
    expect(
      severityOf(
        entry({ aclProtocol: '-1', cidrBlock: '0.0.0.0/0', ruleAction: 'deny' }),
        'network-acl-change',
      ),
    ).toBe('low')
    expect(
      severityOf(entry({ cidrBlock: '0.0.0.0/0', portRange: { from: 700, to: 702 } }), 'network-acl-change'),
    ).toBe('low')
  })

  it('shows the ACL, the entry and its rule', () => {
    expect(
      contextOf('network-acl-change', entry({ cidrBlock: '0.0.0.0/0', portRange: { from: 700, to: 702 } })),
    ).toMatchObject({
      networkAcl: 'acl-1',
      ruleNumber: 100,
      direction: 'ingress',
      action: 'allow',
      cidr: '0.0.0.0/0',
      protocol: 'tcp',
      ports: '700-702',
    })
  })

  it('does not fire when the call failed, nor on reading ACLs', () => {
    expect(fires({ ...entry({}), errorCode: 'InvalidCharacter' })).toEqual([])
    expect(fires(ec2('DescribeNetworkAcls', { readOnly: true }))).toEqual([])
  })
})

describe('network-gateway-change', () => {
  it('fires, low, on every internet and customer gateway change of the catalog', () => {
    // Prepare
    const names = namesOf('network-gateway-change')
    // Act / Assess
    expect(names).toHaveLength(6)
    for (const name of names) {
      const raw = ec2(name, { requestParameters: { internetGatewayId: 'igw-1', vpcId: 'vpc-1' } })
      expect(fires(raw), name).toEqual(['network-gateway-change'])
      expect(severityOf(raw, 'network-gateway-change'), name).toBe('low')
    }
  })

  it('shows the gateway and the VPC, or the new gateway the response names', () => {
    expect(
      contextOf(
        'network-gateway-change',
        ec2('AttachInternetGateway', { requestParameters: { internetGatewayId: 'igw-1', vpcId: 'vpc-1' } }),
      ),
    ).toMatchObject({ gateway: 'igw-1', vpc: 'vpc-1' })
    expect(
      contextOf(
        'network-gateway-change',
        ec2('CreateCustomerGateway', {
          requestParameters: { type: 'ipsec.1', ipAddress: '198.51.100.7', bgpAsn: 65000 },
          responseElements: { customerGateway: { customerGatewayId: 'cgw-1' } },
        }),
      ),
    ).toMatchObject({ gateway: 'cgw-1', customerGatewayIp: '198.51.100.7' })
  })

  it('does not fire when the call failed, nor on NAT or transit gateways', () => {
    expect(fires(ec2('AttachInternetGateway', { errorCode: 'RequestExpired' }))).toEqual([])
    expect(fires(ec2('CreateNatGateway'))).toEqual([])
    expect(fires(ec2('CreateTransitGateway'))).toEqual([])
  })
})

describe('route-table-change', () => {
  it('fires, low, on every route table change of the catalog', () => {
    // Prepare
    const names = namesOf('route-table-change')
    // Act / Assess
    expect(names).toHaveLength(7)
    for (const name of names) {
      const raw = ec2(name, { userIdentity: roleSession, requestParameters: { routeTableId: 'rtb-1' } })
      expect(fires(raw), name).toEqual(['route-table-change'])
      expect(severityOf(raw, 'route-table-change'), name).toBe('low')
    }
  })

  it('shows the table, the destination and where the route now sends it', () => {
    expect(
      contextOf(
        'route-table-change',
        ec2('CreateRoute', {
          requestParameters: { routeTableId: 'rtb-1', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-1' },
        }),
      ),
    ).toMatchObject({ routeTable: 'rtb-1', destination: '0.0.0.0/0', target: 'igw-1' })
  })

  it('does not fire when the call failed, nor on reading route tables', () => {
    expect(fires(ec2('CreateRoute', { errorCode: 'Blocked' }))).toEqual([])
    expect(fires(ec2('DescribeRouteTables', { readOnly: true }))).toEqual([])
  })
})

describe('vpc-change', () => {
  it('fires, low, on every VPC, peering and ClassicLink change of the catalog', () => {
    // Prepare
    const names = namesOf('vpc-change')
    // Act / Assess
    expect(names).toHaveLength(11)
    for (const name of names) {
      const raw = ec2(name, { requestParameters: { vpcId: 'vpc-1' } })
      expect(fires(raw), name).toEqual(['vpc-change'])
      expect(severityOf(raw, 'vpc-change'), name).toBe('low')
    }
  })

  it('shows the VPC, the peer account and VPC of a peering request, and the attribute changed', () => {
    expect(
      contextOf(
        'vpc-change',
        ec2('CreateVpcPeeringConnection', {
          requestParameters: { vpcId: 'vpc-1', peerVpcId: 'vpc-9', peerOwnerId: '210987654321' },
          responseElements: { vpcPeeringConnection: { vpcPeeringConnectionId: 'pcx-1' } },
        }),
      ),
    ).toMatchObject({
      vpc: 'vpc-1',
      peerVpc: 'vpc-9',
      peerAccount: '210987654321',
      peeringConnection: 'pcx-1',
    })
    expect(
      contextOf(
        'vpc-change',
        ec2('ModifyVpcAttribute', {
          requestParameters: { vpcId: 'vpc-1', enableDnsSupport: { value: false } },
        }),
      ),
    ).toMatchObject({ attribute: 'enableDnsSupport' })
  })

  it('does not fire when the call failed, nor on flow-log deletion, which the catalog leaves out', () => {
    expect(fires(ec2('CreateVpc', { errorCode: 'UnknownParameter' }))).toEqual([])
    expect(fires(ec2('DeleteVpc', failed))).toEqual([])
    expect(fires(ec2('DeleteFlowLogs'))).toEqual([])
  })
})

describe('security-hub-disabled', () => {
  it('fires, high, when Security Hub is disabled, detached from its administrator, or loses members', () => {
    for (const name of [
      'DisableSecurityHub',
      'DisassociateFromAdministratorAccount',
      'DisassociateFromMasterAccount',
      'DeleteMembers',
    ]) {
      expect(fires(securityhub(name)), name).toEqual(['security-hub-disabled'])
      expect(severityOf(securityhub(name, { userIdentity: alice }), 'security-hub-disabled'), name).toBe(
        'high',
      )
    }
  })

  it('shows the member accounts removed', () => {
    expect(
      contextOf(
        'security-hub-disabled',
        securityhub('DeleteMembers', { requestParameters: { AccountIds: ['111122223333', '444455556666'] } }),
      ),
    ).toEqual({ change: 'DeleteMembers', members: '111122223333, 444455556666' })
  })

  it('does not fire when the call failed, nor when Security Hub is enabled or members are invited', () => {
    expect(fires(securityhub('DisableSecurityHub', failed))).toEqual([])
    expect(fires(securityhub('EnableSecurityHub'))).toEqual([])
    expect(fires(securityhub('CreateMembers'))).toEqual([])
  })
})
