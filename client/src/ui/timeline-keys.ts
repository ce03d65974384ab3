/**
 * The timeline as one stop of the Tab key (a roving tabindex): one message row at a time
 * takes Tab (the last one focused, else the newest), the arrow keys move between rows, and
 * the controls inside a row are reached from that row only. Without it every message's
 * buttons were stops of their own, two hundred of them for fifty messages.
 */

/** What Tab reaches inside a row, unless the row is not the one in turn. */
const CONTROLS = 'a[href], button, input, textarea, select';

const ROW = '#message-list > .msg';

const hasModifier = (event: KeyboardEvent): boolean =>
  event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.isComposing;

/** Focuses `node` and brings it just into view, without jumping the list to its middle. */
function moveTo(node: HTMLElement | undefined): void {
  if (!node) return;
  node.focus({ preventScroll: true });
  node.scrollIntoView({ block: 'nearest' });
}

/** The buttons of a row's actions, which are one stop too: the arrow keys go along them. */
function toolbarButtons(row: Element): HTMLElement[] {
  return [...row.querySelectorAll<HTMLElement>('.msg-actions button')];
}

/** Within the actions: Left and Right (around), Home and End; Escape goes back to the row. */
function onToolbarKey(event: KeyboardEvent, target: HTMLElement, row: HTMLElement): void {
  const buttons = toolbarButtons(row);
  const at = buttons.indexOf(target);
  if (at < 0) return;
  const to: Record<string, number | undefined> = {
    ArrowRight: (at + 1) % buttons.length,
    ArrowLeft: (at - 1 + buttons.length) % buttons.length,
    Home: 0,
    End: buttons.length - 1,
  };
  if (event.key === 'Escape') {
    event.preventDefault();
    moveTo(row);
    return;
  }
  const index = to[event.key];
  if (index === undefined) return;
  event.preventDefault();
  buttons[index]?.focus();
}

export interface Roving {
  /** Gives Tab to one row and takes it from the controls of the others; after each render. */
  apply(): void;
}

/** Wires the keys of the message list `list`; `apply` must follow every change of its rows. */
export function createRoving(list: HTMLElement): Roving {
  /** The key of the row in turn, if the reader has been to one. */
  let turn: string | undefined;
  const rows = () => [...list.querySelectorAll<HTMLElement>(ROW)];
  const apply = () => {
    const all = rows();
    const chosen = all.find((row) => row.dataset.key === turn) ?? all.at(-1);
    for (const row of all) {
      const on = row === chosen;
      row.tabIndex = on ? 0 : -1;
      for (const control of row.querySelectorAll<HTMLElement>(CONTROLS)) {
        if (on) control.removeAttribute('tabindex');
        else control.tabIndex = -1;
      }
    }
    if (!chosen) return;
    const buttons = toolbarButtons(chosen);
    const focused = buttons.find((b) => b === document.activeElement) ?? buttons[0];
    for (const b of buttons) b.tabIndex = b === focused ? 0 : -1;
  };
  list.addEventListener('focusin', (event) => {
    const row = event.target instanceof Element ? event.target.closest<HTMLElement>(ROW) : null;
    if (!row) return;
    turn = row.dataset.key;
    apply();
  });
  list.addEventListener('keydown', (event) => {
    const target = event.target;
    if (!(target instanceof HTMLElement) || hasModifier(event)) return;
    const row = target.closest<HTMLElement>(ROW);
    if (!row) return;
    if (target !== row) {
      if (target.closest('.msg-actions')) onToolbarKey(event, target, row);
      return;
    }
    const all = rows();
    const at = all.indexOf(row);
    const next: Record<string, HTMLElement | undefined> = {
      ArrowUp: all[Math.max(at - 1, 0)],
      ArrowDown: all[Math.min(at + 1, all.length - 1)],
      Home: all[0],
      End: all.at(-1),
      // Enter goes into the message's actions: a row has nothing of its own to activate, and
      // this reaches Reply, React, Edit… without a Tab past its reactions and links.
      Enter: toolbarButtons(row)[0],
    };
    if (!(event.key in next)) return;
    event.preventDefault();
    moveTo(next[event.key]);
  });
  return { apply };
}
