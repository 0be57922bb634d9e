import { describe, expect, it } from 'vitest';
import { classificationReport, classRowLabels } from '../../src/metrics/classification.ts';
import { classificationReportTable } from '../../src/report/report-tables.ts';
import { escapeLatex, toCsv, toHtml, toLatex, toMarkdown, type Table } from '../../src/report/tables.ts';

const table: Table = {
  caption: 'A & B',
  columns: ['name', 'value'],
  rows: [
    ['a,b "q"', '1.5 ± 0.2 %'],
    ['x|y <z>', '50_%'],
  ],
  rulesAfter: [0],
};

describe('table exporters', () => {
  it('CSV quotes commas and quotes', () => {
    expect(toCsv(table)).toBe('name,value\n"a,b ""q""",1.5 ± 0.2 %\nx|y <z>,50_%\n');
  });

  it('Markdown escapes pipes and right-aligns numbers', () => {
    const md = toMarkdown(table);
    expect(md).toContain('| name | value |\n|:---|---:|');
    expect(md).toContain('| x\\|y <z> | 50_% |');
    expect(md.startsWith('*A & B*')).toBe(true);
  });

  it('HTML escapes markup and marks rules', () => {
    const html = toHtml(table);
    expect(html).toContain('<caption>A &amp; B</caption>');
    expect(html).toContain('<td>x|y &lt;z&gt;</td>');
    expect(html).toContain('<tr class="rule"><td>a,b &quot;q&quot;</td>');
    expect(html).not.toContain('<z>');
  });

  it('LaTeX uses booktabs and escapes special characters', () => {
    const tex = toLatex(table);
    expect(tex).toContain('\\begin{tabular}{lr}');
    expect(tex).toMatch(/\\toprule\nname & value \\\\\n\\midrule\n/);
    expect(tex).toContain('a,b "q" & 1.5 $\\pm$ 0.2 \\% \\\\\n\\midrule\nx|y $<$z$>$ & 50\\_\\% \\\\\n\\bottomrule');
    expect(tex).toContain('\\caption{A \\& B}');
    expect(escapeLatex('\\{#}')).toBe('\\textbackslash{}\\{\\#\\}');
  });

  it('classification report table: class rows labelled "index char", then accuracy and averages', () => {
    const r = classificationReport([0, 1, 2, 2], [0, 2, 2, 2], 3, classRowLabels(3, ['お', 'き', 'す']));
    const t = classificationReportTable(r);
    expect(t.rows.map((x) => x[0])).toEqual(['0 お', '1 き', '2 す', 'accuracy', 'macro avg', 'weighted avg']);
    expect(t.rows[1]).toEqual(['1 き', '0.0000', '0.0000', '0.0000', '1']);
    expect(t.rows[3]).toEqual(['accuracy', '', '', '0.7500', '4']);
    expect(toCsv(t).split('\n')[2]).toBe('1 き,0.0000,0.0000,0.0000,1');
    expect(toLatex(t)).toContain('2 す & 0.6667 & 1.0000 & 0.8000 & 2 \\\\\n\\midrule\naccuracy');
  });
});
