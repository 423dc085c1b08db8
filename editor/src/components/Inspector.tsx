/**
 * The selected step's form (generated from the schema for its kind) and its
 * actions. Renaming the id renames every reference to it as well.
 */
import type { Json } from '../../../dsl/ir';
import type { Diagnostic } from '../../../dsl/diagnostic';
import { isUnder, join } from '../../../dsl/pointer';
import type { GraphNode } from '../model/graph';
import type { JsonObject } from '../model/json';
import { stepFields } from '../model/schema-form';
import type { Field } from '../model/schema-form';
import { isStepKind } from '../model/steps';
import { KIND_HELP } from '../kinds';
import { SchemaForm } from './SchemaForm';
import type { Names } from './SchemaForm';

interface Props {
  node: GraphNode | null;
  value: JsonObject | null;
  schema: unknown;
  names: Names;
  errors: Diagnostic[];
  onField(node: GraphNode, path: string[], value: Json | undefined): void;
  onDuplicate(node: GraphNode): void;
  onDelete(node: GraphNode): void;
  onMove(node: GraphNode, delta: -1 | 1): void;
}

const fieldCache = new Map<string, Field[]>();

function fieldsOf(schema: unknown, kind: string): Field[] {
  if (!isStepKind(kind)) return [];
  const hit = fieldCache.get(kind);
  if (hit) return hit;
  const f = stepFields(schema, kind);
  fieldCache.set(kind, f);
  return f;
}

export function Inspector({ node, value, schema, names, errors, onField, onDuplicate, onDelete, onMove }: Props) {
  if (!node) {
    return (
      <div className="inspector empty">
        <p>Select a step on the canvas (or put the cursor in its YAML) to edit it here.</p>
        <p className="hint">Add steps from the palette: click to add after the selection, or drag onto the canvas.</p>
      </div>
    );
  }
  if (node.type === 'lane') {
    return (
      <div className="inspector">
        <h2 className="panel-title">{node.lane} branch</h2>
        <p className="hint">Drop or add steps here; they run {node.lane === 'then' ? 'when the condition is true' : 'when it is false'}.</p>
      </div>
    );
  }
  const fields = fieldsOf(schema, node.kind);
  const fieldErrors = new Map<string, string>();
  for (const d of errors) {
    for (const f of fields) if (isUnder(d.ptr, join(node.id, f.path.join('/')))) fieldErrors.set(f.path.join('/'), d.message);
  }
  const unplaced = errors.filter((d) => !fields.some((f) => isUnder(d.ptr, join(node.id, f.path.join('/')))));
  return (
    <div className="inspector">
      <h2 className="panel-title">
        <span className={`badge badge-${node.kind}`}>{node.kind}</span> {node.label}
      </h2>
      {isStepKind(node.kind) ? <p className="hint">{KIND_HELP[node.kind]}</p> : <p className="field-error">This step has {node.detail}; fix it in the YAML.</p>}
      <div className="inspector-actions" role="toolbar" aria-label="Step actions">
        <button onClick={() => onMove(node, -1)} disabled={node.index === 0} aria-label="Move step up" title="Move up (Alt+↑)">↑</button>
        <button onClick={() => onMove(node, 1)} aria-label="Move step down" title="Move down (Alt+↓)">↓</button>
        <button onClick={() => onDuplicate(node)} title="Duplicate (Ctrl+D)">Duplicate</button>
        <button onClick={() => onDelete(node)} className="danger" title="Delete (Del)">Delete</button>
      </div>
      {unplaced.length > 0 ? (
        <ul className="node-errors">
          {unplaced.map((d, i) => (
            <li key={i} className="field-error">
              {d.line}:{d.col} {d.message}
            </li>
          ))}
        </ul>
      ) : null}
      {value ? <SchemaForm key={node.id} fields={fields} value={value} names={names} errors={fieldErrors} onChange={(path, v) => onField(node, path, v)} /> : null}
    </div>
  );
}
