/** The longest string field a CloudTrail record may carry before it is rejected as absurd. */
export const MAX_TEXT = 8192
