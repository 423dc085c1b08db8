/** The Run form: fields generated from the swarm's `inputs` schema. */
import { useMemo, useState } from 'react';
import type { Json } from '../../../dsl/ir';
import { buildInput, inputForm } from '../model/inputs-form';
import { Dialog } from './Dialog';

interface Props {
  inputsSchema: unknown;
  swarmName: string;
  starting: boolean;
  error: string | null;
  onStart(input: Json): void;
  onClose(): void;
}

export function RunDialog({ inputsSchema, swarmName, starting, error, onStart, onClose }: Props) {
  const form = useMemo(() => inputForm(inputsSchema), [inputsSchema]);
  const [values, setValues] = useState<Record<string, string | boolean>>(() => {
    const v: Record<string, string | boolean> = {};
    for (const f of form.fields) if (f.default !== undefined) v[f.name] = typeof f.default === 'boolean' ? f.default : typeof f.default === 'string' ? f.default : JSON.stringify(f.default);
    return v;
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const set = (k: string, v: string | boolean): void => setValues((s) => ({ ...s, [k]: v }));
  return (
    <Dialog title={`Run ${swarmName}`} onClose={onClose}>
      <form
        className="run-form"
        onSubmit={(e) => {
          e.preventDefault();
          const { input, errors: errs } = buildInput(form, values);
          setErrors(errs);
          if (Object.keys(errs).length === 0) onStart(input);
        }}
      >
        {form.wholeJson ? (
          <div className="field">
            <label className="field-label" htmlFor="run-input">
              Input (JSON)
            </label>
            <textarea id="run-input" className="mono" rows={5} value={typeof values[''] === 'string' ? values[''] : ''} onChange={(e) => set('', e.target.value)} placeholder="{}" />
            {errors[''] ? <div className="field-error">{errors['']}</div> : null}
          </div>
        ) : (
          form.fields.map((f) => (
            <div className={`field ${f.type === 'boolean' ? 'field-boolean' : ''}`} key={f.name}>
              {f.type === 'boolean' ? <input id={`in-${f.name}`} type="checkbox" checked={values[f.name] === true} onChange={(e) => set(f.name, e.target.checked)} /> : null}
              <label className="field-label" htmlFor={`in-${f.name}`}>
                {f.name}
                {f.required ? <span className="req"> *</span> : null}
                <span className="field-type"> {f.type}</span>
              </label>
              {f.type === 'enum' ? (
                <select id={`in-${f.name}`} value={typeof values[f.name] === 'string' ? String(values[f.name]) : ''} onChange={(e) => set(f.name, e.target.value)}>
                  <option value="">choose…</option>
                  {(f.options ?? []).map((o) => (
                    <option key={o}>{o}</option>
                  ))}
                </select>
              ) : f.type === 'boolean' ? null : f.type === 'json' ? (
                <textarea id={`in-${f.name}`} className="mono" rows={3} value={typeof values[f.name] === 'string' ? String(values[f.name]) : ''} onChange={(e) => set(f.name, e.target.value)} placeholder="JSON" />
              ) : (
                <input
                  id={`in-${f.name}`}
                  inputMode={f.type === 'integer' || f.type === 'number' ? 'decimal' : undefined}
                  value={typeof values[f.name] === 'string' ? String(values[f.name]) : ''}
                  onChange={(e) => set(f.name, e.target.value)}
                  aria-required={f.required || undefined}
                />
              )}
              {f.description ? <div className="field-help">{f.description}</div> : null}
              {errors[f.name] ? (
                <div className="field-error" role="alert">
                  {errors[f.name]}
                </div>
              ) : null}
            </div>
          ))
        )}
        {error ? (
          <div className="field-error" role="alert">
            {error}
          </div>
        ) : null}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={starting}>
            {starting ? 'Starting…' : 'Start run'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
