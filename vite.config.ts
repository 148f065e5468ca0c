// Vite build of the PWA shell: app root pwa/, output dist/ (served by the relay), Workbox service worker.
// Vitest has its own vitest.config.ts; nothing test-related lives here.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

const pwaRoot = fileURLToPath(new URL('./pwa/', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/', import.meta.url));

const THEME_COLOR = '#0f766e';

// `npx vite` with PEERTREE_RELAY=http://127.0.0.1:PORT proxies the API and WebSocket to a running relay.
const devRelay = process.env.PEERTREE_RELAY;

export default defineConfig({
  root: pwaRoot,
  publicDir: 'public',
  base: '/',
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rolldownOptions: {
      input: {
        main: `${pwaRoot}index.html`,
        // Test page for end-to-end checks of core/ in the browser; not precached, not linked from the app.
        'test-vectors': `${pwaRoot}test-vectors.html`,
      },
    },
  },
  worker: { format: 'es' },
  server: {
    host: '127.0.0.1',
    fs: { allow: [fileURLToPath(new URL('./', import.meta.url))] },
    proxy: devRelay
      ? {
          '/api': { target: devRelay, changeOrigin: true },
          '/ws': { target: devRelay.replace(/^http/, 'ws'), ws: true, changeOrigin: true },
        }
      : undefined,
  },
  preview: { host: '127.0.0.1' },
  plugins: [
    VitePWA({
      // Our own worker (pwa/src/sw.ts): Workbox precaching and the navigation fallback as before, plus
      // Background Sync of the outbox. Built as a classic script (IIFE) and written to dist/sw.js.
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      // Registered by pwa/src/sw-register.ts through workbox-window.
      injectRegister: false,
      registerType: 'autoUpdate',
      manifestFilename: 'manifest.webmanifest',
      // The workbox globPatterns below already precache every icon; listing them here too would duplicate entries.
      includeAssets: [],
      includeManifestIcons: false,
      manifest: {
        id: '/',
        name: 'PeerTree',
        short_name: 'PeerTree',
        description: 'Keep your photos and documents on a peer-to-peer tree of relays, offline first.',
        lang: 'en',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'any',
        theme_color: THEME_COLOR,
        background_color: '#f6f8f7',
        categories: ['productivity', 'utilities'],
        icons: [
          { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: 'icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      injectManifest: {
        // The app shell: HTML entry, hashed JS/CSS (including the sealing worker), icons; the plugin adds the
        // manifest. The navigation fallback, its denylist (/api, /ws, /test-) and skipWaiting/clientsClaim live
        // in pwa/src/sw.ts. No runtime caching: /api and /ws always go to the network.
        globPatterns: ['**/*.{html,js,css,svg,png}'],
        globIgnores: ['test-*.html', '**/test-vectors-*.js', '**/*.map', 'sw.js'],
        rollupFormat: 'iife',
      },
      devOptions: { enabled: false },
    }),
  ],
});
