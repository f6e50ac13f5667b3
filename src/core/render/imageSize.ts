/** Width and height of an image in CSS pixels, read from its first bytes (PNG, GIF, JPEG, WebP) or its SVG root. */
export interface ImageSize {
  width: number;
  height: number;
}

/** The intrinsic size of an image file's content, or undefined when the format or its header is not understood. */
export function imageSize(bytes: Uint8Array): ImageSize | undefined {
  const b = bytes;
  const u16be = (i: number) => (b[i] << 8) | b[i + 1];
  const u16le = (i: number) => b[i] | (b[i + 1] << 8);
  const u32be = (i: number) => ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
  const ok = (s: ImageSize | undefined) => (s && s.width > 0 && s.height > 0 && Number.isFinite(s.width) && Number.isFinite(s.height) ? s : undefined);
  if (b.length >= 24 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return ok({ width: u32be(16), height: u32be(20) });
  if (b.length >= 10 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return ok({ width: u16le(6), height: u16le(8) });
  if (b.length >= 30 && String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP') {
    const kind = String.fromCharCode(...b.subarray(12, 16));
    if (kind === 'VP8 ') return ok({ width: u16le(26) & 0x3fff, height: u16le(28) & 0x3fff });
    if (kind === 'VP8L') {
      const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
      return ok({ width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 });
    }
    if (kind === 'VP8X') return ok({ width: 1 + (b[24] | (b[25] << 8) | (b[26] << 16)), height: 1 + (b[27] | (b[28] << 8) | (b[29] << 16)) });
    return undefined;
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    // JPEG: walk the segments to a start-of-frame marker.
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return undefined;
      const marker = b[i + 1];
      if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01 || marker === 0xff) {
        i += marker === 0xff ? 1 : 2;
        continue;
      }
      const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isFrame) return ok({ width: u16be(i + 7), height: u16be(i + 5) });
      i += 2 + u16be(i + 2);
    }
    return undefined;
  }
  return svgSize(new TextDecoder('utf-8', { fatal: false }).decode(b.subarray(0, 4096)));
}

/** The size an `<svg>` root gives itself: width and height in px (or unitless), else its viewBox. */
export function svgSize(text: string): ImageSize | undefined {
  const root = /<svg\b([^>]*)>/i.exec(text)?.[1];
  if (root === undefined) return undefined;
  const attr = (name: string) => new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i').exec(root)?.slice(2, 4).find((v) => v !== undefined);
  const px = (v: string | undefined) => (v !== undefined && /^\s*[\d.]+\s*(px)?\s*$/i.test(v) ? Number.parseFloat(v) : undefined);
  const box = attr('viewBox')?.trim().split(/[\s,]+/).map(Number);
  const boxSize = box && box.length === 4 && box[2] > 0 && box[3] > 0 ? { width: box[2], height: box[3] } : undefined;
  const width = px(attr('width'));
  const height = px(attr('height'));
  if (width && height) return { width, height };
  if (boxSize && width) return { width, height: (width * boxSize.height) / boxSize.width };
  if (boxSize && height) return { width: (height * boxSize.width) / boxSize.height, height };
  return boxSize;
}

/**
 * The size a figure is drawn at inside a box: scaled down (never up) to fit `max`, its aspect kept. Without a known
 * size, the box's height alone (the browser keeps the aspect).
 */
export function fitSize(size: ImageSize | undefined, max: ImageSize): { width?: number; height: number } {
  if (!size) return { height: max.height };
  const scale = Math.min(1, max.width / size.width, max.height / size.height);
  return { width: Math.max(1, Math.round(size.width * scale)), height: Math.max(1, Math.round(size.height * scale)) };
}
