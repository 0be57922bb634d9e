// Finds a font that can draw the classes' Japanese characters (for the `examples` grid).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const FONT_DIRS = [
  '/usr/share/fonts',
  '/usr/local/share/fonts',
  join(homedir(), '.fonts'),
  join(homedir(), '.local', 'share', 'fonts'),
  '/System/Library/Fonts',
  '/Library/Fonts',
  'C:\\Windows\\Fonts',
];

/** File names of CJK-capable fonts, best first (Gothic/sans before Mincho/serif: closer to the dataset's modern glyphs). */
const CJK_PATTERNS = [/^ipag\.ttf$/i, /^ipagp\.ttf$/i, /notosanscjk/i, /notosansjp/i, /sourcehansans/i, /takaop?gothic/i, /vl-?gothic/i, /fonts-japanese-gothic/i, /droidsansfallback/i, /wqy/i, /ipam\.ttf$/i, /notoserifcjk/i, /hiragino/i, /msgothic|yugoth|meiryo/i, /japanese|cjk|gothic|mincho/i];
const FONT_EXT = /\.(ttf|otf|ttc)$/i;

function listFonts(dir: string, depth = 0, out: string[] = []): string[] {
  if (depth > 5 || !existsSync(dir)) return out;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e);
    try {
      if (statSync(p).isDirectory()) listFonts(p, depth + 1, out);
      else if (FONT_EXT.test(e)) out.push(p);
    } catch {
      // dangling links and unreadable entries are not fonts we can use
    }
  }
  return out;
}

/** The best CJK font file under `dirs`, or undefined when there is none. */
export function findCjkFont(dirs: string[] = FONT_DIRS): string | undefined {
  const fonts = dirs.flatMap((d) => listFonts(d));
  for (const pattern of CJK_PATTERNS) {
    const hit = fonts.filter((f) => pattern.test(f.split(/[\\/]/).pop() ?? '')).sort()[0];
    if (hit) return hit;
  }
  return undefined;
}
