import type { Usage } from './types';

/**
 * Whole-run budgets of steps (LLM + tool calls) and tokens. Every call
 * reserves before it starts, so parallel branches and sub-agents cannot
 * overshoot together; the reservation is settled with the real usage after.
 * Sub-agents take leases (a reservation they spend call by call) and give
 * back what they did not use.
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
