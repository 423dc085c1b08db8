/**
 * `swarm: NAME@VERSION` steps resolve against the stored definitions: the
 * worker's run resolver calls this when a run starts, and the version it
 * resolves is frozen (a run used it).
 */
import type { SwarmIR } from '../dsl/ir';
import type { Compiler } from './definitions';
import type { DefinitionStore } from './store/types';

export function storedSwarmLookup(store: DefinitionStore, compiler: Compiler, log: (line: string) => void = () => undefined): (name: string, version: number | null) => Promise<SwarmIR | null> {
  return async (name, version) => {
    const d = await store.getDefinition(name, version);
    if (!d) return null;
    const { ir, diagnostics } = compiler.compile(d.yaml, `${name}.swarm.yaml`);
    if (!ir || diagnostics.length > 0) {
      // Stored definitions compiled when they were stored; a newer compiler may disagree.
      log(`stored swarm ${name}@${d.version} no longer compiles: ${diagnostics.map((x) => `${x.line}:${x.col}: ${x.message}`).join('; ')}`);
      return null;
    }
    await store.markUsed(name, d.version, 'a calling swarm');
    return ir;
  };
}
