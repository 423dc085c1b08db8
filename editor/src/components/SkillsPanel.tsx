/** The skills the swarm may apply: `name` or `name@range`. */
import { useState } from 'react';
import { topLevelDescription } from '../model/schema-form';

interface Props {
  skills: string[];
  schema: unknown;
  onChange(skills: string[]): void;
}

export function SkillsPanel({ skills, schema, onChange }: Props) {
  const [ref, setRef] = useState('');
  const valid = /^[a-z][a-z0-9_-]{0,62}(@[^@\s]{1,64})?$/.test(ref) && !skills.includes(ref);
  return (
    <div className="entries" aria-label="skills">
      <p className="hint">{topLevelDescription(schema, 'skills')}</p>
      <ul className="skill-list">
        {skills.map((s) => (
          <li key={s}>
            <code>{s}</code>
            <button className="link danger" aria-label={`Remove skill ${s}`} onClick={() => onChange(skills.filter((x) => x !== s))}>
              remove
            </button>
          </li>
        ))}
      </ul>
      <form
        className="add-entry"
        onSubmit={(e) => {
          e.preventDefault();
          if (!valid) return;
          onChange([...skills, ref]);
          setRef('');
        }}
      >
        <label className="field-label" htmlFor="new-skill">
          Add a skill (name or name@range)
        </label>
        <div className="row">
          <input id="new-skill" value={ref} onChange={(e) => setRef(e.target.value)} placeholder="ts-refactor@^2" />
          <button type="submit" disabled={!valid}>
            Add
          </button>
        </div>
      </form>
    </div>
  );
}
