// Writes the report's side files (images, tables) under the output folder and returns their relative paths.
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.ts';
import { toCsv, toHtml, toLatex, toMarkdown, type Table } from './tables.ts';

export class Assets {
  readonly written: string[] = [];

  constructor(readonly outDir: string) {}

  write(relPath: string, data: string | Uint8Array): string {
    writeFileAtomic(join(this.outDir, relPath), data);
    this.written.push(relPath);
    return relPath;
  }

  /** images/<name>.png (+ .svg when given); returns the PNG's relative path. */
  image(name: string, png: Uint8Array, svg?: string): string {
    if (svg !== undefined) this.write(`images/${name}.svg`, svg);
    return this.write(`images/${name}.png`, png);
  }

  /** tables/<name>.{csv,md,html,tex}. */
  table(name: string, table: Table): void {
    this.write(`tables/${name}.csv`, toCsv(table));
    this.write(`tables/${name}.md`, toMarkdown(table));
    this.write(`tables/${name}.html`, toHtml(table));
    this.write(`tables/${name}.tex`, toLatex(table));
  }
}
