import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Everything the app shows is bundled: fonts included, nothing fetched at run time.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  build: {
    target: 'es2021',
    outDir: 'dist',
    emptyOutDir: true,
    // Fonts are files of their own, never inlined as base64.
    assetsInlineLimit: 0,
    // The field app, and the supervisors' dashboard `daakhla-server` serves.
    rollupOptions: { input: { app: 'index.html', dashboard: 'dashboard.html' } },
  },
});
