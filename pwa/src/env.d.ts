/// <reference types="vite/client" />
// Vite's client types (import.meta.env, asset and worker URLs) for the browser code in pwa/.
