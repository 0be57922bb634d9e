// Class map csv (index,codepoint,char) → display names like "お (U+304A)" and the modern characters.
import { UserError } from '../errors.ts';

export interface ClassMap {
  codepoints: string[];
  chars: string[];
}

export function parseClassMap(text: string, file: string, numClasses: number): ClassMap {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim().length > 0);
  const rows = /^index\s*,/i.test(lines[0] ?? '') ? lines.slice(1) : lines;
  const codepoints: string[] = new Array<string>(numClasses);
  const chars: string[] = new Array<string>(numClasses);
  for (const [i, line] of rows.entries()) {
    const [index, codepoint, char] = line.split(',').map((s) => s.trim());
    const idx = Number(index);
    if (!Number.isInteger(idx) || idx < 0 || idx >= numClasses || !codepoint || !char) {
      throw new UserError(`${file}: line ${i + 2} is not 'index,codepoint,char' with index in 0..${numClasses - 1}: '${line}'`);
    }
    codepoints[idx] = codepoint;
    chars[idx] = char;
  }
  for (let k = 0; k < numClasses; k++) {
    if (chars[k] === undefined) throw new UserError(`${file}: no entry for class ${k} (expected ${numClasses} classes)`);
  }
  return { codepoints, chars };
}

export function displayNames(map: ClassMap): string[] {
  return map.chars.map((c, i) => `${c} (${map.codepoints[i]})`);
}

/** "U+304A" → "お"; undefined for a malformed codepoint. */
export function charOfCodepoint(codepoint: string): string | undefined {
  const m = /^U\+([0-9A-Fa-f]{4,6})$/.exec(codepoint);
  return m ? String.fromCodePoint(parseInt(m[1], 16)) : undefined;
}
