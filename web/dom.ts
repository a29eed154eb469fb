/**
 * Building the page: elements from createElement and text from text nodes, never HTML from
 * strings, so a lead named `<img src=x onerror=alert(1)>` is shown as those characters.
 */

export type Child = Node | string | number | null | undefined | false | Child[];

type Handler = (event: Event) => void;

export interface Props {
  [key: string]: string | number | boolean | Handler | undefined | null;
}

// Properties set as properties (they reflect state the attribute does not, like `value`).
const PROPERTIES = new Set(['value', 'checked', 'disabled', 'selected', 'hidden', 'required', 'multiple', 'open']);

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) {
        if (PROPERTIES.has(key)) (el as unknown as Record<string, unknown>)[key] = false;
        continue;
      }
      if (typeof value === 'function') el.addEventListener(key.replace(/^on/, '').toLowerCase(), value);
      else if (key === 'class') el.className = String(value);
      else if (PROPERTIES.has(key)) (el as unknown as Record<string, unknown>)[key] = value;
      else if (key === 'href') el.setAttribute('href', safeHref(String(value)));
      else el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces an element's content. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** Links only go to this app's routes, to tel:/mailto: built by links.ts, or over http(s). */
function safeHref(href: string): string {
  return /^(#|\/|tel:\+|mailto:|https?:|blob:)/i.test(href) ? href : '#';
}

let ids = 0;
/** A unique id for label/aria wiring. */
export const uid = (prefix: string): string => `${prefix}-${++ids}`;

const CIRCLE = 'M12 2a10 10 0 1 0 0 20a10 10 0 1 0 0-20z';
// Line icons (24x24, stroked), drawn as SVG so they look the same on every device's fonts.
const ICONS = {
  alert: ['M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z', 'M12 9v4', 'M12 17h.01'],
  clock: [CIRCLE, 'M12 6v6l4 2'],
  phone: ['M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1 1 .4 1.9.7 2.8a2 2 0 0 1-.5 2.1L8.1 9.9a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.8.7a2 2 0 0 1 1.7 2z'],
  mail: ['M4 4h16a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z', 'm22 6-10 7L2 6'],
  check: ['M20 6 9 17l-5-5'],
  escalated: ['m15 14 5-5-5-5', 'M4 20v-7a4 4 0 0 1 4-4h12'],
  download: ['M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4', 'm7 10 5 5 5-5', 'M12 15V3'],
  available: [CIRCLE, 'm8 12 3 3 5-6'],
  away: [CIRCLE, 'M10 15V9', 'M14 15V9'],
  inactive: [CIRCLE, 'm5 5 14 14'],
  full: [CIRCLE, 'M8 12h8'],
} as const;

export type IconName = keyof typeof ICONS;

/** A decorative icon: hidden from screen readers, which read the word beside it. */
export function icon(name: IconName): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  for (const [key, value] of Object.entries({ viewBox: '0 0 24 24', width: '1em', height: '1em', fill: 'none', stroke: 'currentColor', 'stroke-width': '2.2', 'stroke-linecap': 'round', 'stroke-linejoin': 'round', 'aria-hidden': 'true', focusable: 'false', class: 'icon' })) svg.setAttribute(key, value);
  for (const d of ICONS[name]) {
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}
