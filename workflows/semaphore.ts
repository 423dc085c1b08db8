import { condition } from '@temporalio/workflow';

/**
 * A counting semaphore for workflow code (deterministic: waiters are served
 * in arrival order). Caps sub-agents running at once across the whole swarm.
 */
export class Semaphore {
  private inUse = 0;
  private queue: number[] = [];
  private nextTicket = 0;

  constructor(private readonly capacity: number) {}

  get running(): number {
    return this.inUse;
  }

  get waiting(): number {
    return this.queue.length;
  }

  async acquire(): Promise<void> {
    const ticket = this.nextTicket++;
    this.queue.push(ticket);
    await condition(() => this.queue[0] === ticket && this.inUse < this.capacity);
    this.queue.shift();
    this.inUse++;
  }

  release(): void {
    this.inUse--;
  }

  async with<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}
