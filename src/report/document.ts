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
  | { kind: 'pre'; text: string };

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

export function renderMarkdown(doc: ReportDoc): string {
  const out: string[] = [`# ${doc.title}`, ''];
  for (const b of doc.blocks) {
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
    }
  }
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
caption{caption-side:top;text-align:left;font-style:italic;padding-bottom:.3rem}
figure{margin:1rem 0}img{max-width:100%;height:auto}figcaption{font-size:.85rem;color:#555}
pre{background:#f6f8fa;padding:.8rem;overflow:auto;font-size:.85rem}code{background:#f0f0f0;padding:0 .2rem}
nav ul{columns:2;font-size:.9rem}
`;

/** Every character the document prints (what its embedded font must contain). */
export function documentText(doc: ReportDoc): string {
  const parts: string[] = [doc.title];
  for (const b of doc.blocks) {
    if (b.kind === 'heading' || b.kind === 'paragraph' || b.kind === 'pre') parts.push(b.text);
    else if (b.kind === 'list') parts.push(...b.items);
    else if (b.kind === 'table') parts.push(b.table.caption ?? '', ...b.table.columns, ...b.table.rows.flat());
    else parts.push(b.alt, b.caption ?? '');
  }
  return [...new Set(parts.join(''))].join('');
}

/**
 * readFile returns the bytes of an image given its path relative to the report folder; fontCss is
 * the embedded @font-face (graphics/fonts.ts), so the page looks the same on every machine.
 */
export function renderHtml(doc: ReportDoc, readFile: (file: string) => Buffer, fontCss = ''): string {
  const body: string[] = [];
  const toc: string[] = [];
  const used = new Map<string, number>();
  for (const b of doc.blocks) {
    switch (b.kind) {
      case 'heading': {
        const base = slug(b.text);
        const n = used.get(base) ?? 0;
        used.set(base, n + 1);
        const id = n === 0 ? base : `${base}-${n}`;
        if (b.level === 2) toc.push(`<li><a href="#${id}">${escapeHtml(b.text)}</a></li>`);
        body.push(`<h${b.level} id="${id}">${htmlInline(b.text)}</h${b.level}>`);
        break;
      }
      case 'paragraph':
        body.push(`<p>${htmlInline(b.text)}</p>`);
        break;
      case 'list':
        body.push(`<ul>${b.items.map((i) => `<li>${htmlInline(i)}</li>`).join('')}</ul>`);
        break;
      case 'table':
        body.push(toHtml(b.table));
        break;
      case 'image': {
        const mime = MIME[extname(b.file).toLowerCase()] ?? 'application/octet-stream';
        const src = `data:${mime};base64,${readFile(b.file).toString('base64')}`;
        const caption = b.caption ? `<figcaption>${htmlInline(b.caption)}</figcaption>` : '';
        body.push(`<figure><img src="${src}" alt="${escapeHtml(b.alt)}">${caption}</figure>`);
        break;
      }
      case 'pre':
        body.push(`<pre>${escapeHtml(b.text)}</pre>`);
        break;
    }
  }
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(doc.title)}</title>`,
    `<style>${fontCss}${CSS}</style>`,
    '</head><body>',
    `<h1>${escapeHtml(doc.title)}</h1>`,
    toc.length ? `<nav><ul>${toc.join('')}</ul></nav>` : '',
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}
