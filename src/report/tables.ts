// One table model, four exporters (CSV, Markdown, HTML, LaTeX booktabs). Cells arrive formatted.

export interface Table {
  caption?: string;
  columns: string[];
  /** 'l' or 'r' per column; numbers read best right-aligned. Default: first column left, others right. */
  align?: ('l' | 'r')[];
  rows: string[][];
  /** Row indices after which a rule is drawn (e.g. between classes and averages). */
  rulesAfter?: number[];
}

function alignOf(table: Table, k: number): 'l' | 'r' {
  return table.align?.[k] ?? (k === 0 ? 'l' : 'r');
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(table: Table): string {
  return [table.columns, ...table.rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function toMarkdown(table: Table): string {
  const sep = table.columns.map((_, k) => (alignOf(table, k) === 'r' ? '---:' : ':---'));
  const line = (cells: string[]): string => `| ${cells.map(mdCell).join(' | ')} |`;
  const body = [line(table.columns), `|${sep.join('|')}|`, ...table.rows.map(line)].join('\n');
  return (table.caption ? `*${mdCell(table.caption)}*\n\n` : '') + body + '\n';
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function toHtml(table: Table): string {
  const style = (k: number): string => (alignOf(table, k) === 'r' ? ' class="num"' : '');
  const rules = new Set(table.rulesAfter ?? []);
  const head = `<tr>${table.columns.map((c, k) => `<th${style(k)}>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const body = table.rows
    .map((r, i) => `<tr${rules.has(i) ? ' class="rule"' : ''}>${r.map((c, k) => `<td${style(k)}>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('\n');
  const caption = table.caption ? `<caption>${escapeHtml(table.caption)}</caption>` : '';
  return `<table>${caption}\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>\n`;
}

const LATEX_SPECIAL: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '{': '\\{',
  '}': '\\}',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
  '±': '$\\pm$',
  '≤': '$\\leq$',
  '<': '$<$',
  '>': '$>$',
};

export function escapeLatex(s: string): string {
  return s.replace(/[\\&%$#_{}~^±≤<>]/g, (ch) => LATEX_SPECIAL[ch]);
}

/** booktabs tabular; class characters (お) need xeCJK or LuaTeX-ja, which the header comment says. */
export function toLatex(table: Table): string {
  const rules = new Set(table.rulesAfter ?? []);
  const spec = table.columns.map((_, k) => alignOf(table, k)).join('');
  const line = (cells: string[]): string => `${cells.map(escapeLatex).join(' & ')} \\\\`;
  const lines = [
    '% requires \\usepackage{booktabs}; Japanese class characters need xeCJK (XeLaTeX) or luatexja (LuaLaTeX)',
    '\\begin{table}[ht]',
    '\\centering',
    ...(table.caption ? [`\\caption{${escapeLatex(table.caption)}}`] : []),
    `\\begin{tabular}{${spec}}`,
    '\\toprule',
    line(table.columns),
    '\\midrule',
    ...table.rows.flatMap((r, i) => (rules.has(i) && i < table.rows.length - 1 ? [line(r), '\\midrule'] : [line(r)])),
    '\\bottomrule',
    '\\end{tabular}',
    '\\end{table}',
  ];
  return lines.join('\n') + '\n';
}
