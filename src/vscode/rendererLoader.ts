import type { Renderer } from '../core/render/renderer';

let renderer: Renderer | undefined;

/**
 * markdown-it and KaTeX live in their own bundle (dist/renderer.js), loaded the first time something is rendered,
 * so activation and hovers never pay for them.
 */
export function loadRenderer(): Renderer {
  if (!renderer) {
    // Kept external by esbuild.mjs: resolved next to dist/extension.js at run time.
    const mod = require('./renderer.js') as typeof import('../core/render/renderer');
    renderer = mod.getRenderer();
  }
  return renderer;
}
