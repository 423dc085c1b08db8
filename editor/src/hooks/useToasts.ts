/** Short messages for the user (saved, an edit that could not apply...), each gone after a while. */
import { useCallback, useRef, useState } from 'react';

export interface Toast {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

export function useToasts(): { toasts: Toast[]; say(text: string, kind?: Toast['kind']): void; dismiss(id: number): void } {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((t) => t.filter((x) => x.id !== id)), []);
  const say = useCallback(
    (text: string, kind: Toast['kind'] = 'info') => {
      const id = next.current++;
      setToasts((t) => [...t.slice(-3), { id, kind, text }]);
      setTimeout(() => dismiss(id), kind === 'error' ? 8000 : 3500);
    },
    [dismiss],
  );
  return { toasts, say, dismiss };
}
