import { defineConfig } from 'vitest/config'

// Preact's automatic JSX runtime through esbuild (no framework plugin needed).
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline polyfill script: the Content-Security-Policy allows only 'self'.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: {
        manualChunks: { echarts: ['echarts/core', 'echarts/charts', 'echarts/components', 'echarts/renderers'] },
      },
    },
  },
  server: { proxy: { '/api': 'http://localhost:8080', '/login/demo': 'http://localhost:8080' } },
  test: { environment: 'node', include: ['src/**/*.test.ts'] },
})
