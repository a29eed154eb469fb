import type { Api } from './api';
import type { Me } from './contract';
import type { Route } from './route';

/** What every view gets from the shell. */
export interface AppContext {
  api: Api;
  me: Me;
  /** Says something to screen readers, politely (after what they are reading). */
  announce(message: string): void;
  /** Goes to a hash route; `replace` keeps the history entry (filters, not pages). */
  navigate(hash: string, options?: { replace?: boolean }): void;
}

/** A mounted page: its element, how it takes a new query on the same route, how it stops its timers. */
export interface View {
  el: HTMLElement;
  title: string;
  /** Same route, new query: update in place, keeping focus and scroll. */
  update?(route: Route): void;
  destroy?(): void;
}
