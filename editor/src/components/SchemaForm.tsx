/**
 * A form generated from schema fields (model/schema-form): one control per
 * field, typed by the schema. Every valid change is written to the document
 * at once; what does not parse yet stays in the control with its problem.
 */
import { useId, useState } from 'react';
import type { Json } from '../../../dsl/ir';
import { fieldValue, formatFieldValue, parseFieldInput } from '../model/schema-form';
import type { Field, RefTarget } from '../model/schema-form';

export type Names = Record<RefTarget, string[]>;

interface Props {
  fields: Field[];
  value: Json;
  names: Names;
  onChange(path: string[], value: Json | undefined): void;
  /** Field errors from the validator, keyed by the field's path joined with `/`. */
  errors?: Map<string, string>;
}

export function SchemaForm({ fields, value, names, onChange, errors }: Props) {
  return (
    <div className="schema-form">
      {fields.map((f) => (
        <FieldControl key={f.path.join('/')} field={f} value={fieldValue(value, f)} names={names} onChange={onChange} error={errors?.get(f.path.join('/')) ?? null} />
      ))}
    </div>
  );
}

interface FieldProps {
  field: Field;
  value: Json | undefined;
  names: Names;
  error: string | null;
  onChange(path: string[], value: Json | undefined): void;
}

function FieldControl({ field, value, names, error, onChange }: FieldProps) {
  const id = useId();
  const [draft, setDraft] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const shown = draft ?? formatFieldValue(field, value);
  const helpId = `${id}-help`;
  const complexValue = value !== undefined && value !== null && typeof value === 'object';
  const type = field.type === 'multiline' && complexValue ? 'json' : field.type;

  const commit = (raw: string | boolean, final: boolean): void => {
    const { value: v, error: err } = parseFieldInput({ ...field, type }, raw);
    setProblem(err);
    if (err) return;
    if (final || type !== 'json') onChange(field.path, v);
    if (final) setDraft(null);
  };

  const label = (
    <label htmlFor={id} className="field-label">
      {field.label}
      {field.required ? <span className="req" aria-hidden="true"> *</span> : null}
    </label>
  );
  const help = field.description ? (
    <div id={helpId} className="field-help">
      {field.description}
    </div>
  ) : null;
  const shownError = problem ?? error;
  const errorLine = shownError ? (
    <div className="field-error" role="alert">
      {shownError}
    </div>
  ) : null;
  const common = { id, 'aria-describedby': field.description ? helpId : undefined, 'aria-invalid': shownError ? true : undefined, 'aria-required': field.required || undefined };

  if (type === 'boolean') {
    return (
      <div className="field field-boolean">
        <input type="checkbox" {...common} checked={value === true} onChange={(e) => commit(e.target.checked, true)} />
        {label}
        {help}
      </div>
    );
  }

  if (type === 'enum' || type === 'ref') {
    const options = type === 'enum' ? (field.options ?? []) : field.ref ? names[field.ref] : [];
    const current = typeof value === 'string' ? value : '';
    const all = current && !options.includes(current) ? [current, ...options] : options;
    return (
      <div className="field">
        {label}
        <select {...common} value={current} onChange={(e) => commit(e.target.value, true)}>
          {!field.required || current === '' ? <option value="">{field.required ? 'choose…' : '(default)'}</option> : null}
          {all.map((o) => (
            <option key={o} value={o}>
              {o}
              {type === 'ref' && !options.includes(o) ? ' (not defined)' : ''}
            </option>
          ))}
        </select>
        {help}
        {errorLine}
      </div>
    );
  }

  if (type === 'refList') {
    const options = field.ref ? names[field.ref] : [];
    const chosen = Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : [];
    const all = [...options, ...chosen.filter((c) => !options.includes(c))];
    return (
      <fieldset className="field field-reflist" aria-describedby={field.description ? helpId : undefined}>
        <legend className="field-label">{field.label}</legend>
        {all.length === 0 ? <div className="field-help">none defined yet</div> : null}
        {all.map((o) => (
          <label key={o} className="check">
            <input
              type="checkbox"
              checked={chosen.includes(o)}
              onChange={(e) => {
                const next = e.target.checked ? [...chosen, o] : chosen.filter((c) => c !== o);
                onChange(field.path, next.length > 0 ? next : undefined);
              }}
            />
            {o}
          </label>
        ))}
        {help}
      </fieldset>
    );
  }

  if (type === 'multiline' || type === 'json') {
    return (
      <div className="field">
        {label}
        <textarea
          {...common}
          className={type === 'json' ? 'mono' : ''}
          rows={type === 'json' ? Math.min(10, Math.max(3, shown.split('\n').length)) : Math.min(8, Math.max(2, shown.split('\n').length + 1))}
          value={shown}
          spellCheck={type !== 'json'}
          onChange={(e) => {
            setDraft(e.target.value);
            commit(e.target.value, false);
          }}
          onBlur={() => {
            if (draft !== null) commit(draft, true);
            setDraft(null);
          }}
        />
        {help}
        {errorLine}
      </div>
    );
  }

  return (
    <div className="field">
      {label}
      <input
        {...common}
        type="text"
        className={type === 'expression' || type === 'duration' ? 'mono' : ''}
        inputMode={type === 'integer' || type === 'number' ? 'decimal' : undefined}
        placeholder={type === 'expression' ? '${{ … }}' : type === 'duration' ? 'e.g. 30s, 10m, 12h' : undefined}
        value={shown}
        onChange={(e) => {
          setDraft(e.target.value);
          commit(e.target.value, false);
        }}
        onBlur={() => setDraft(null)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && draft !== null) commit(draft, true);
        }}
      />
      {help}
      {errorLine}
    </div>
  );
}
