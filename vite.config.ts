import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./client', import.meta.url)),
  build: {
    outDir: fileURLToPath(new URL('./dist/client', import.meta.url)),
    emptyOutDir: true,
    // Source maps stay out of the public build unless asked for (SOURCEMAP=true npm run build).
    sourcemap: process.env.SOURCEMAP === 'true',
  },
});
