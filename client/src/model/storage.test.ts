import { expect, test } from 'vitest';
import { loadDensity, saveDensity } from './storage.js';

/** A Storage held in a Map; `failing` makes every call throw, as a disabled storage does. */
function memoryStorage(failing = false): Storage {
  const items = new Map<string, string>();
  const guard = () => {
    if (failing) throw new Error('storage disabled');
  };
  return {
    get length() {
      return items.size;
    },
    clear: () => {
      items.clear();
    },
    getItem: (key) => {
      guard();
      return items.get(key) ?? null;
    },
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => {
      items.delete(key);
    },
    setItem: (key, value) => {
      guard();
      items.set(key, value);
    },
  };
}

test('the density chosen is kept; nothing or junk stored means the default rows', () => {
  const storage = memoryStorage();
  expect(loadDensity(storage)).toBe('default');
  saveDensity('compact', storage);
  expect(loadDensity(storage)).toBe('compact');
  saveDensity('default', storage);
  expect(loadDensity(storage)).toBe('default');
  storage.setItem('chat.density.v1', 'tiny');
  expect(loadDensity(storage)).toBe('default');
});

test('a disabled storage gives the default rows and saving does not throw', () => {
  const storage = memoryStorage(true);
  expect(loadDensity(storage)).toBe('default');
  expect(() => {
    saveDensity('compact', storage);
  }).not.toThrow();
});
