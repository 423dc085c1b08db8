import type { Shortcut } from '../hooks/useShortcuts';
import { Dialog } from './Dialog';

function pretty(keys: string): string {
  return keys
    .split(',')
    .map((k) => k.trim().split('+').map((p) => (p === 'mod' ? 'Ctrl' : p.length === 1 ? p.toUpperCase() : p.charAt(0).toUpperCase() + p.slice(1))).join('+'))
    .join(' or ');
}

export function ShortcutsDialog({ shortcuts, onClose }: { shortcuts: Shortcut[]; onClose(): void }) {
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose}>
      <table className="shortcuts">
        <tbody>
          {shortcuts.map((s) => (
            <tr key={s.keys}>
              <td>
                <kbd>{pretty(s.keys)}</kbd>
              </td>
              <td>{s.label}</td>
            </tr>
          ))}
          <tr>
            <td>
              <kbd>Ctrl+Z</kbd> in the YAML
            </td>
            <td>Undo (canvas and YAML share one history)</td>
          </tr>
        </tbody>
      </table>
    </Dialog>
  );
}
