/**
 * Agents, models or tools: the named entries of one section, each with a
 * form generated from the schema, plus add and delete.
 */
import { useState } from 'react';
import type { Json } from '../../../dsl/ir';
import { isJsonObject } from '../model/json';
import type { JsonObject } from '../model/json';
import { entryFields, topLevelDescription } from '../model/schema-form';
import { SchemaForm } from './SchemaForm';
import type { Names } from './SchemaForm';

export type Section = 'agents' | 'models' | 'tools';

interface Props {
  section: Section;
  entries: JsonObject;
  schema: unknown;
  names: Names;
  onField(section: Section, name: string, path: string[], value: Json | undefined): void;
  onAdd(section: Section, name: string): void;
  onDelete(section: Section, name: string): void;
}

const SINGULAR: Record<Section, string> = { agents: 'agent', models: 'model', tools: 'tool' };

export function EntriesPanel({ section, entries, schema, names, onField, onAdd, onDelete }: Props) {
  const [name, setName] = useState('');
  const fields = entryFields(schema, section);
  const valid = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/.test(name) && !(name in entries);
  return (
    <div className="entries" aria-label={section}>
      <p className="hint">{topLevelDescription(schema, section)}</p>
      {Object.keys(entries).length === 0 ? <p className="hint">No {section} yet.</p> : null}
      {Object.entries(entries).map(([key, v]) => (
        <details key={key} className="entry" open={Object.keys(entries).length <= 3}>
          <summary>
            <span className="entry-name">{key}</span>
            <button className="link danger" aria-label={`Delete ${SINGULAR[section]} ${key}`} onClick={(e) => {
              e.preventDefault();
              onDelete(section, key);
            }}>
              delete
            </button>
          </summary>
          <SchemaForm fields={fields} value={isJsonObject(v) ? v : {}} names={names} onChange={(path, value) => onField(section, key, path, value)} />
        </details>
      ))}
      <form
        className="add-entry"
        onSubmit={(e) => {
          e.preventDefault();
          if (!valid) return;
          onAdd(section, name);
          setName('');
        }}
      >
        <label className="field-label" htmlFor={`new-${section}`}>
          New {SINGULAR[section]}
        </label>
        <div className="row">
          <input id={`new-${section}`} value={name} onChange={(e) => setName(e.target.value)} placeholder="name" />
          <button type="submit" disabled={!valid}>
            Add
          </button>
        </div>
      </form>
    </div>
  );
}
