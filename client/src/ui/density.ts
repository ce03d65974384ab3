import { loadDensity, saveDensity, type Density } from '../model/storage.js';
import { byId } from './dom.js';

/** Shows the timeline at `density`: a class on the body, which the style sheet follows. */
function applyDensity(density: Density): void {
  document.body.classList.toggle('compact', density === 'compact');
  byId('compact-toggle').setAttribute('aria-pressed', String(density === 'compact'));
}

/** "Compact view": denser rows still (no bubbles or avatars, the name inline), kept per browser. */
export function wireDensity(storage?: Storage): void {
  applyDensity(loadDensity(storage));
  byId('compact-toggle').addEventListener('click', () => {
    const next: Density = document.body.classList.contains('compact') ? 'default' : 'compact';
    saveDensity(next, storage);
    applyDensity(next);
  });
}
