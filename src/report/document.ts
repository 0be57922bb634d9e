// The report as a list of blocks, rendered twice: Markdown (images beside it) and one self-contained
// HTML file (images inlined as data URIs, no external requests).
import { extname } from 'node:path';
import { escapeHtml, toHtml, toMarkdown, type Table } from './tables.ts';

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3 | 4; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; table: Table }
  /** file is relative to the report folder. */
  | { kind: 'image'; file: string; alt: string; caption?: string }
  | { kind: 'pre'; text: string }
  /** Folded in HTML (<details>); in Markdown its summary is a bold line and the blocks follow unfolded. */
  | { kind: 'details'; summary: string; blocks: Block[] }
  /** The table of contents: a link to each level-2 heading (and the level-3 ones under `expand`). */
  | { kind: 'toc'; expand?: string[] };

export interface ReportDoc {
  title: string;
  blocks: Block[];
}

/** GitHub-style heading anchors, so the HTML table of contents matches the Markdown one. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}

function mdInline(text: string): string {
  // Text already uses **bold** and `code`; only a bare leading "#" or "|" needs care in paragraphs.
  return text.replace(/^([#|>])/gm, '\\$1');
}

/** The headings a table of contents lists: level 2, and level 3 under the level-2 headings named in `expand`. */
function tocEntries(blocks: Block[], expand: readonly string[]): { level: 2 | 3; text: string; id: string }[] {
  const ids = headingIds(blocks);
  const out: { level: 2 | 3; text: string; id: string }[] = [];
  let parent = '';
  blocks.forEach((b, i) => {
    if (b.kind !== 'heading') return;
    if (b.level === 2) {
      parent = b.text;
      out.push({ level: 2, text: b.text, id: ids.get(i) ?? slug(b.text) });
    } else if (b.level === 3 && expand.includes(parent)) {
      out.push({ level: 3, text: b.text, id: ids.get(i) ?? slug(b.text) });
    }
  });
  return out;
}

/** Heading block index -> its unique anchor (GitHub's rule: repeats get -1, -2 ...), over the top-level blocks and the folded ones. */
function headingIds(blocks: Block[]): Map<number, string> {
  const used = new Map<string, number>();
  const ids = new Map<number, string>();
  const visit = (list: Block[], top: boolean): void => {
    list.forEach((b, i) => {
      if (b.kind === 'details') visit(b.blocks, false);
      if (b.kind !== 'heading') return;
      const base = slug(b.text);
      const n = used.get(base) ?? 0;
      used.set(base, n + 1);
      if (top) ids.set(i, n === 0 ? base : `${base}-${n}`);
    });
  };
  visit(blocks, true);
  return ids;
}

function markdownBlocks(blocks: Block[], all: Block[], out: string[]): void {
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
        out.push(`${'#'.repeat(b.level)} ${b.text}`, '');
        break;
      case 'paragraph':
        out.push(mdInline(b.text), '');
        break;
      case 'list':
        out.push(...b.items.map((i) => `- ${mdInline(i)}`), '');
        break;
      case 'table':
        out.push(toMarkdown(b.table));
        break;
      case 'image':
        out.push(`![${b.alt.replace(/[[\]]/g, '')}](${encodeURI(b.file)})`, '');
        if (b.caption) out.push(`*${mdInline(b.caption)}*`, '');
        break;
      case 'pre':
        out.push('```text', b.text.replace(/\n$/, ''), '```', '');
        break;
      case 'details':
        out.push(`**${mdInline(b.summary)}**`, '');
        markdownBlocks(b.blocks, all, out);
        break;
      case 'toc':
        out.push(...tocEntries(all, b.expand ?? []).map((e) => `${e.level === 3 ? '  ' : ''}- [${e.text}](#${e.id})`), '');
        break;
    }
  }
}

export function renderMarkdown(doc: ReportDoc): string {
  const out: string[] = [`# ${doc.title}`, ''];
  markdownBlocks(doc.blocks, doc.blocks, out);
  return out.join('\n');
}

function htmlInline(text: string): string {
  return escapeHtml(text)
    .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
    .replace(/`(.+?)`/g, '<code>$1</code>');
}

const MIME: Record<string, string> = { '.png': 'image/png', '.svg': 'image/svg+xml', '.jpg': 'image/jpeg' };

const CSS = `
body{font-family:'Noto Sans JP',sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{border-bottom:2px solid #ccc;padding-bottom:.3rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2.2rem}
table{border-collapse:collapse;margin:.8rem 0;font-size:.88rem}th,td{padding:.25rem .6rem;border-bottom:1px solid #e3e3e3;text-align:left}
th{border-bottom:2px solid #999}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td.num{white-space:nowrap}tr.rule td{border-bottom:2px solid #999}
td:first-child{white-space:nowrap}.table-wrap{overflow-x:auto;max-width:100%}
caption{caption-side:top;text-align:left;font-style:italic;padding-bottom:.3rem}
figure{margin:1rem 0}img{max-width:100%;height:auto}figcaption{font-size:.85rem;color:#555}
pre{background:#f6f8fa;padding:.8rem;overflow:auto;font-size:.85rem}code{background:#f0f0f0;padding:0 .2rem}
nav{background:#f6f8fa;padding:.4rem 1rem;margin:1rem 0}nav h2.toc{border:0;margin:.3rem 0;font-size:1.1rem}nav>ul{columns:2;font-size:.92rem;margin:.3rem 0}nav ul ul{display:flex;flex-wrap:wrap;gap:0 .9rem;padding-left:1rem;list-style:none}
details{margin:.6rem 0;border:1px solid #e3e3e3;border-radius:4px;padding:.3rem .8rem}details>summary{cursor:pointer;font-weight:600;padding:.2rem 0}details[open]>summary{border-bottom:1px solid #e3e3e3;margin-bottom:.4rem}
.summary-grid{display:flex;flex-wrap:wrap;gap:1rem}
`;

/** Every character the document prints (what its embedded font must contain). */
export function documentText(doc: ReportDoc): string {
  const parts: string[] = [doc.title, 'Contents'];
  const visit = (blocks: Block[]): void => {
    for (const b of blocks) {
      if (b.kind === 'heading' || b.kind === 'paragraph' || b.kind === 'pre') parts.push(b.text);
      else if (b.kind === 'list') parts.push(...b.items);
      else if (b.kind === 'table') parts.push(b.table.caption ?? '', ...b.table.columns, ...b.table.rows.flat());
      else if (b.kind === 'image') parts.push(b.alt, b.caption ?? '');
      else if (b.kind === 'details') {
        parts.push(b.summary);
        visit(b.blocks);
      }
    }
  };
  visit(doc.blocks);
  return [...new Set(parts.join(''))].join('');
}

/**
 * readFile returns the bytes of an image given its path relative to the report folder; fontCss is
 * the embedded @font-face (graphics/fonts.ts), so the page looks the same on every machine.
 */
export function renderHtml(doc: ReportDoc, readFile: (file: string) => Buffer, fontCss = ''): string {
  const used = new Map<string, number>();
  const render = (blocks: Block[]): string[] =>
    blocks.map((b) => {
      switch (b.kind) {
        case 'heading': {
          const base = slug(b.text);
          const n = used.get(base) ?? 0;
          used.set(base, n + 1);
          const id = n === 0 ? base : `${base}-${n}`;
          return `<h${b.level} id="${id}">${htmlInline(b.text)}</h${b.level}>`;
        }
        case 'paragraph':
          return `<p>${htmlInline(b.text)}</p>`;
        case 'list':
          return `<ul>${b.items.map((i) => `<li>${htmlInline(i)}</li>`).join('')}</ul>`;
        case 'table':
          // wide tables (the comparison's eleven columns) scroll sideways instead of spilling past the page
          return `<div class="table-wrap">${toHtml(b.table)}</div>`;
        case 'image': {
          const mime = MIME[extname(b.file).toLowerCase()] ?? 'application/octet-stream';
          const src = `data:${mime};base64,${readFile(b.file).toString('base64')}`;
          const caption = b.caption ? `<figcaption>${htmlInline(b.caption)}</figcaption>` : '';
          return `<figure><img src="${src}" alt="${escapeHtml(b.alt)}">${caption}</figure>`;
        }
        case 'pre':
          return `<pre>${escapeHtml(b.text)}</pre>`;
        case 'details':
          return `<details><summary>${htmlInline(b.summary)}</summary>\n${render(b.blocks).join('\n')}\n</details>`;
        case 'toc': {
          const items: string[] = [];
          let open = false;
          for (const e of tocEntries(doc.blocks, b.expand ?? [])) {
            const link = `<a href="#${e.id}">${escapeHtml(e.text)}</a>`;
            if (e.level === 3) {
              items.push(`${open ? '' : '<ul>'}<li>${link}</li>`);
              open = true;
            } else {
              items.push(`${open ? '</ul></li>' : items.length ? '</li>' : ''}<li>${link}`);
              open = false;
            }
          }
          if (items.length) items.push(open ? '</ul></li>' : '</li>');
          return `<nav aria-label="contents"><h2 class="toc">Contents</h2><ul>${items.join('')}</ul></nav>`;
        }
      }
      return '';
    });
  const body = render(doc.blocks);
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(doc.title)}</title>`,
    `<style>${fontCss}${CSS}</style>`,
    '</head><body>',
    `<h1>${escapeHtml(doc.title)}</h1>`,
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}
