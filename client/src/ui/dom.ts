/** The element with this id, checked to be of the given class (HTMLElement by default). */
export function byId(id: string): HTMLElement;
export function byId<T extends HTMLElement>(id: string, type: new () => T): T;
export function byId(id: string, type: new () => HTMLElement = HTMLElement): HTMLElement {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`#${id} is missing or not a ${type.name}`);
  return node;
}

/** Makes an element; text is always set as text, never parsed as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; text?: string; attrs?: Record<string, string> } = {},
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className !== undefined) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** A button of type "button" that runs `onClick`. */
export function button(
  text: string,
  onClick: (event: MouseEvent) => void,
  props: { className?: string; attrs?: Record<string, string> } = {},
): HTMLButtonElement {
  const node = el('button', {
    className: props.className ?? 'link-button',
    text,
    attrs: { type: 'button', ...props.attrs },
  });
  node.addEventListener('click', onClick);
  return node;
}

/** One row of a keyed list: its key, and the values it shows. */
export interface Row<V> {
  key: string;
  values: V;
}

/**
 * Whether two sets of a row's values are the same, compared in depth: primitives by value,
 * arrays and plain objects by their entries.
 */
export function sameValues(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  return keys.every((k) => Object.hasOwn(right, k) && sameValues(left[k], right[k]));
}

/**
 * The children of `parent` as a list of keyed rows that redraw from the values they show.
 * `build` makes a row's node from its values alone, so a value it shows is always one the
 * list compares: a row is rebuilt when its values differ from those it was built from, and
 * kept (focus, text selection and all) otherwise. Rows are moved into the order given.
 */
export function keyedList<V>(
  parent: HTMLElement,
  build: (values: V) => HTMLElement,
): { update(rows: readonly Row<V>[]): void } {
  type Built = { node: HTMLElement; values: V };
  let built = new Map<string, Built>();
  /** A fresh node for `values`, in place of the one held if any. */
  const rebuild = (key: string, values: V, held: Built | undefined): Built => {
    const node = build(values);
    node.dataset.key = key;
    held?.node.replaceWith(node);
    // A copy: the model may change an object in place (a directory entry's count), and the
    // copy still says what the row shows. Values are data: a function cannot be copied.
    return { node, values: structuredClone(values) };
  };
  return {
    update(rows) {
      const next = new Map<string, Built>();
      let cursor: Element | null = parent.firstElementChild;
      for (const { key, values } of rows) {
        const held = built.get(key);
        built.delete(key);
        const entry = held && sameValues(held.values, values) ? held : rebuild(key, values, held);
        // The cursor must stay attached, or the next insertBefore throws.
        if (held && held !== entry && held.node === cursor) cursor = entry.node;
        next.set(key, entry);
        if (entry.node !== cursor) parent.insertBefore(entry.node, cursor);
        cursor = entry.node.nextElementSibling;
      }
      for (const stale of built.values()) stale.node.remove();
      built = next;
    },
  };
}
