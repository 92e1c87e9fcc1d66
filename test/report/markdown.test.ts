// The lab's Markdown as HTML: headings shifted under the report's sections, paragraphs, pipe tables
// with numeric cells right-aligned and baseline rows marked, inline emphasis and code — and nothing
// in the text ever becomes markup.
import { describe, expect, it } from "vitest";
import { htmlTable, inlineMarkdown, markdownToHtml, tableCells } from "../../runtime/report/markdown.js";

describe("markdownToHtml", () => {
  const md = `# counter-quick: counter

O_PT = a, O_FT = b. Accuracies in percent;
see \`sweep.csv\`.

## Fine-tuning (FT)

| LR | C_Tr | C_Te=0 Acc O_PT | to 90% | note |
| --- | --- | --- | --- | --- |
| 0.1 | 0 | 21.1 ± 1.5 | 1350 (1/3) | 1/3 without result: not run |
| *baseline: always 0* |  | 20.0 |  |  |
`;
  const html = markdownToHtml(md, 2);

  it("shifts headings and joins a paragraph's lines", () => {
    expect(html).toContain("<h3>counter-quick: counter</h3>");
    expect(html).toContain("<h4>Fine-tuning (FT)</h4>");
    expect(html).toContain("<p>O_PT = a, O_FT = b. Accuracies in percent; see <code>sweep.csv</code>.</p>");
  });

  it("renders the table with numeric cells, text cells and the baseline row marked", () => {
    expect(html).toContain("<thead><tr><th>LR</th><th>C_Tr</th><th>C_Te=0 Acc O_PT</th><th>to 90%</th><th>note</th></tr></thead>");
    expect(html).toContain('<tr><td class="num">0.1</td><td class="num">0</td><td class="num">21.1 ± 1.5</td><td class="num">1350 (1/3)</td><td>1/3 without result: not run</td></tr>');
    expect(html).toContain('<tr class="baseline"><td><em>baseline: always 0</em></td><td></td><td class="num">20.0</td><td></td><td></td></tr>');
  });

  it("escapes everything that is not its small Markdown", () => {
    const evil = markdownToHtml('<script>alert(1)</script>\n\n| a | b |\n| --- | --- |\n| <img src=x onerror=y> | "q" & \'r\' |\n');
    expect(evil).not.toContain("<script");
    expect(evil).not.toContain("<img");
    expect(evil).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(evil).toContain("&quot;q&quot; &amp; &#39;r&#39;");
  });

  it("keeps an escaped bar inside a cell, and a ragged row fills up to the header", () => {
    expect(tableCells("| a \\| b | c |")).toEqual(["a | b", "c"]);
    expect(markdownToHtml("| x | y |\n| --- | --- |\n| 1 |\n")).toContain('<tr><td class="num">1</td><td></td></tr>');
  });

  it("a line of bars without a separator stays text", () => {
    expect(markdownToHtml("| not | a table |")).toBe("<p>| not | a table |</p>");
  });
});

describe("inline Markdown and tables", () => {
  it("emphasis, strong and code; a lone star is a star", () => {
    expect(inlineMarkdown("*em* and **strong** and `a*b*c` and 2 * 3")).toBe("<em>em</em> and <strong>strong</strong> and <code>a*b*c</code> and 2 * 3");
  });

  it("htmlTable prints numbers to 6 significant digits and marks baseline rows", () => {
    const t = htmlTable(["K", "acc"], [[0, 11.812345678], ["*baseline: always 0*", 20]]);
    expect(t).toContain('<td class="num">11.8123</td>');
    expect(t).toContain('<tr class="baseline"><td><em>baseline: always 0</em></td><td class="num">20</td></tr>');
  });
});
