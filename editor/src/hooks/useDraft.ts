/**
 * The working copy kept in the browser (text and layout), so a reload does
 * not lose work. Read once at start; written a moment after each change.
 */
import { useEffect } from 'react';
import { parseLayout } from '../model/sidecar';
import type { Layout } from '../model/sidecar';
import { record } from '../model/wire';

const KEY = 'swarmflow.draft';

export interface Draft {
  text: string;
  layout: Layout;
  /** The stored swarm this draft was opened from, if any. */
  stored: string | null;
}

export function readDraft(): Draft | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const r = record(JSON.parse(raw));
    if (!r || typeof r.text !== 'string') return null;
    return { text: r.text, layout: parseLayout(r.layout), stored: typeof r.stored === 'string' ? r.stored : null };
  } catch {
    return null;
  }
}

export function useDraft(draft: Draft): void {
  useEffect(() => {
    const t = setTimeout(() => {
      try {
        localStorage.setItem(KEY, JSON.stringify(draft));
      } catch {
        // Full or disabled storage: the draft is simply not kept.
      }
    }, 400);
    return () => clearTimeout(t);
  }, [draft.text, draft.layout, draft.stored]);
}
