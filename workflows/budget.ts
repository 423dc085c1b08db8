import type { Usage } from './types';

/** Leases sized to what is left, and callers that wait for budget others give back instead of failing. */
export const FAIR_BUDGET_PATCH = 'fair-budget-leases';

/**
 * A sub-agent or child swarm that ends without reporting its usage still
 * counts: a child swarm's failure carries its result (and so its usage); an
 * agent that timed out, was terminated or cancelled is charged its whole
 * lease, the most it could have spent, so the limits stay hard caps.
 */
export const CHARGE_UNREPORTED_PATCH = 'charge-unreported-children';

/**
 * A sub-agent's first lease asks for what it will likely spend (two steps and
 * one turn's tokens per turn, up to 32 steps and 16 turns' tokens) instead of
 * 16 steps and two turns' tokens: each top-up is a signal round trip through
 * the root, which a 300-agent fan-out pays 300 times over. The fair share
 * still caps it, and what is left is given back when the agent ends.
 */
export const AGENT_LEASE_PATCH = 'agent-lease-likely-need';

/** What a sub-agent's first lease asks for (AGENT_LEASE_PATCH), or the older, smaller ask. */
export function agentLeaseWant(maxTurns: number, maxTokens: number | null, likelyNeed: boolean): { steps: number; tokens: number } {
  const perTurn = tokenEstimate(maxTokens, 0);
  return likelyNeed ? { steps: Math.min(maxTurns * 2, 32), tokens: perTurn * Math.min(maxTurns, 16) } : { steps: Math.min(maxTurns * 2, 16), tokens: perTurn * 2 };
}

/**
 * Whole-run budgets of steps (LLM + tool calls) and tokens. Every call
 * reserves before it starts, so parallel branches and sub-agents cannot
 * overshoot together; the reservation is settled with the real usage after.
 * Sub-agents take leases (a reservation they spend call by call) and give
 * back what they did not use. The root decides when a caller that does not
 * fit waits for others to give back (workflows/swarm.ts, FAIR_BUDGET_PATCH).
 */
export class Budget {
  private reserved: Usage = { steps: 0, tokens: 0 };

  constructor(
    readonly limits: Usage,
    private used: Usage,
  ) {}

  get usage(): Usage {
    return { ...this.used };
  }

  get available(): Usage {
    return {
      steps: Math.max(0, this.limits.steps - this.used.steps - this.reserved.steps),
      tokens: Math.max(0, this.limits.tokens - this.used.tokens - this.reserved.tokens),
    };
  }

  /** Reserves exactly `want`, or nothing and returns false. */
  reserve(want: Usage): boolean {
    const a = this.available;
    if (want.steps > a.steps || want.tokens > a.tokens) return false;
    this.reserved.steps += want.steps;
    this.reserved.tokens += want.tokens;
    return true;
  }

  /** Grants up to `want` (a lease for a sub-agent); may grant zero. */
  lease(want: Usage): Usage {
    const a = this.available;
    const grant = { steps: Math.min(want.steps, a.steps), tokens: Math.min(want.tokens, a.tokens) };
    this.reserved.steps += grant.steps;
    this.reserved.tokens += grant.tokens;
    return grant;
  }

  /** True when `want` can be reserved now. */
  fits(want: Usage): boolean {
    const a = this.available;
    return want.steps <= a.steps && want.tokens <= a.tokens;
  }

  /** Gives back part of a lease that is still running (a sub-agent's unspent rest). */
  release(part: Usage): void {
    this.reserved.steps = Math.max(0, this.reserved.steps - part.steps);
    this.reserved.tokens = Math.max(0, this.reserved.tokens - part.tokens);
  }

  /**
   * A lease sized to what is left: at least `need` when it fits, at most
   * `want`, and no more than an equal share of what is free among `sharers`
   * (this one included), so early sub-agents of a fan-out do not take what
   * later ones need. May grant less than `need` (even zero) when that is all.
   */
  fairLease(need: Usage, want: Usage, sharers: number): Usage {
    const a = this.available;
    const n = Math.max(1, sharers);
    const size = (k: 'steps' | 'tokens'): number => Math.min(want[k], Math.max(need[k], Math.floor(a[k] / n)));
    return this.lease({ steps: size('steps'), tokens: size('tokens') });
  }

  /** Ends a reservation or lease: `spent` becomes used, the rest is free again. */
  settle(reservation: Usage, spent: Usage): void {
    this.reserved.steps = Math.max(0, this.reserved.steps - reservation.steps);
    this.reserved.tokens = Math.max(0, this.reserved.tokens - reservation.tokens);
    this.used.steps += spent.steps;
    this.used.tokens += spent.tokens;
  }
}

/** Tokens reserved for one model call before its real usage is known. */
export function tokenEstimate(maxTokens: number | null, lastPromptTokens: number): number {
  return (maxTokens ?? 2048) + Math.max(lastPromptTokens, 512);
}

/** Raised in workflow code when a budget cannot cover the next call. */
export class BudgetExhausted extends Error {
  constructor(readonly which: 'steps' | 'tokens') {
    super(`the run's ${which === 'steps' ? 'maxSteps' : 'tokens'} budget is used up`);
    this.name = 'BudgetExhausted';
  }
}
