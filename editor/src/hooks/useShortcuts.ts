/**
 * Keyboard shortcuts of the whole editor. Inside text fields and the YAML
 * pane only the Ctrl/Cmd combinations that are not text editing (save,
 * open, run) apply; there, undo and redo belong to the field.
 */
import { useEffect, useRef } from 'react';

export interface Shortcut {
  /** `mod+s`, `delete`, `alt+arrowup`, `?`... (`mod` is Ctrl, or Cmd on a Mac). */
  keys: string;
  label: string;
  run(): void;
  /** Also inside text fields. */
  global?: boolean;
}

function normalise(e: KeyboardEvent): string {
  const parts: string[] = [];
  if (e.ctrlKey || e.metaKey) parts.push('mod');
  if (e.altKey) parts.push('alt');
  if (e.shiftKey && e.key.length > 1) parts.push('shift');
  parts.push(e.key.toLowerCase());
  return parts.join('+');
}

function inTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.closest('input, textarea, select, .cm-editor') !== null;
}

export function useShortcuts(shortcuts: Shortcut[]): void {
  const ref = useRef(shortcuts);
  ref.current = shortcuts;
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const key = normalise(e);
      const text = inTextField(e.target);
      const hit = ref.current.find((s) => s.keys.split(',').some((k) => k.trim() === key));
      if (!hit || (text && !hit.global)) return;
      e.preventDefault();
      hit.run();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
