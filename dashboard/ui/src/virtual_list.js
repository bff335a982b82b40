// A list that renders only the rows in view, so 100 000 rows stay as fast
// as 100. Rows have one fixed height (CSS --row-h).
import { el, clear } from './dom.js';

export class VirtualList {
  constructor(container, rowHeight, renderRow) {
    this.rowHeight = rowHeight;
    this.renderRow = renderRow; // (item, index) => Element
    this.items = [];
    this.viewport = el('div', { class: 'vlist' });
    this.spacer = el('div', { class: 'vlist-spacer' });
    this.rows = el('div', { class: 'vlist-rows' });
    this.spacer.append(this.rows);
    this.viewport.append(this.spacer);
    container.append(this.viewport);
    this.viewport.addEventListener('scroll', () => this.draw());
    this.pending = false;
  }

  setItems(items) {
    this.items = items;
    this.spacer.style.height = `${items.length * this.rowHeight}px`;
    this.schedule();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.draw(); });
  }

  draw() {
    const top = this.viewport.scrollTop;
    const h = this.viewport.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / this.rowHeight) - 5);
    const last = Math.min(this.items.length, Math.ceil((top + h) / this.rowHeight) + 5);
    clear(this.rows);
    this.rows.style.transform = `translateY(${first * this.rowHeight}px)`;
    for (let i = first; i < last; i++) this.rows.append(this.renderRow(this.items[i], i));
  }
}
