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

/**
 * Brings `parent`'s children in line with `items`, reusing the node of each key. Nodes are
 * rebuilt only when their signature changes, so focus and text selection survive renders.
 */
export function reconcile<T>(
  parent: HTMLElement,
  items: readonly T[],
  key: (item: T) => string,
  signature: (item: T) => string,
  build: (item: T) => HTMLElement,
): void {
  const existing = new Map<string, HTMLElement>();
  for (const child of Array.from(parent.children)) {
    if (child instanceof HTMLElement && child.dataset.key !== undefined) {
      existing.set(child.dataset.key, child);
    }
  }
  let cursor: Element | null = parent.firstElementChild;
  for (const item of items) {
    const k = key(item);
    const sig = signature(item);
    let node = existing.get(k);
    existing.delete(k);
    if (!node || node.dataset.sig !== sig) {
      const fresh = build(item);
      fresh.dataset.key = k;
      fresh.dataset.sig = sig;
      if (node) {
        node.replaceWith(fresh);
        // The cursor must stay attached, or the next insertBefore throws.
        if (node === cursor) cursor = fresh;
      }
      node = fresh;
    }
    if (node !== cursor) parent.insertBefore(node, cursor);
    cursor = node.nextElementSibling;
  }
  for (const stale of existing.values()) stale.remove();
}
