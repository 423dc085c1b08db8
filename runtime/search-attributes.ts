/** Search attributes swarmflow keeps current on every root run, so ops can find runs in the Temporal UI. */
export const SEARCH_ATTRIBUTES = {
  SwarmName: 'Keyword',
  SwarmVersion: 'Int',
  SwarmStatus: 'Keyword',
  SwarmSteps: 'Int',
  SwarmTokens: 'Int',
} as const;
