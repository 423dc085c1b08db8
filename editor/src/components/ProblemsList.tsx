/** The validator's errors, in file order; choosing one selects its step and its line. */
import type { Diagnostic } from '../../../dsl/diagnostic';

interface Props {
  diagnostics: Diagnostic[];
  pending: boolean;
  onPick(d: Diagnostic): void;
}

export function ProblemsList({ diagnostics, pending, onPick }: Props) {
  return (
    <section className="problems" aria-label="Problems">
      <h2 className="panel-title">
        Problems <span className={`count ${diagnostics.length ? 'bad' : 'good'}`} data-testid="problem-count">{diagnostics.length}</span>
        {pending ? <span className="checking" aria-live="polite"> checking…</span> : null}
      </h2>
      {diagnostics.length === 0 ? (
        <p className="ok" role="status">
          No problems: the definition is valid.
        </p>
      ) : (
        <ul>
          {diagnostics.map((d, i) => (
            <li key={`${d.line}:${d.col}:${i}`}>
              <button className="problem" onClick={() => onPick(d)} title={`${d.code} at ${d.ptr || '/'}`}>
                <span className="pos">
                  {d.line}:{d.col}
                </span>{' '}
                {d.message} <span className="code">{d.code}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
