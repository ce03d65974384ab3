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
