/**
 * The llama bench in a tiny size: it runs, compares the backend with a bare
 * node-llama-cpp call on the same model, and reports finite figures.
 */
import { benchLlama } from '../../bench/llama';
import { describeLlama } from './live';

describeLlama('bench/llama.ts', () => {
  test('reports tokens/s through the backend and bare, and the overhead between them', async () => {
    const r = await benchLlama({ tokens: 32, runs: 5 });
    console.log(JSON.stringify(r));
    for (const v of Object.values(r.figures)) expect(Number.isFinite(v)).toBe(true);
    expect(r.figures.tokensPerSecond).toBeGreaterThan(0);
    expect(r.figures.bareTokensPerSecond).toBeGreaterThan(0);
    expect(r.figures.tokensPerCall).toBe(32);
  });
});
