/** Every step kind, to add: click adds after the selection, drag drops it where it should go. */
import { STEP_KINDS } from '../model/steps';
import type { StepKind } from '../model/steps';
import { KIND_HELP, KIND_LABELS } from '../kinds';
import { PALETTE_MIME } from './Canvas';

export function Palette({ onAdd }: { onAdd(kind: StepKind): void }) {
  return (
    <div className="palette" role="toolbar" aria-label="Add a step">
      {STEP_KINDS.map((k) => (
        <button
          key={k}
          className={`palette-item kind-${k}`}
          draggable
          title={KIND_HELP[k]}
          aria-label={`Add ${k} step: ${KIND_HELP[k]}`}
          data-kind={k}
          onDragStart={(e) => {
            e.dataTransfer.setData(PALETTE_MIME, k);
            e.dataTransfer.effectAllowed = 'copy';
          }}
          onClick={() => onAdd(k)}
        >
          <span className={`badge badge-${k}`}>{KIND_LABELS[k]}</span>
        </button>
      ))}
    </div>
  );
}
