// The lab's Markdown (sweep.md, each run's confusion.md) as HTML for the report. Those files are
// written by runtime/experiment/tables.ts and runtime/train/confusion.ts and use a small part of
// Markdown: ATX headings, paragraphs, pipe tables, and *emphasis*, **strong** and `code` inside
// them. This renders exactly that part, escaping everything, and marks the lab's baseline rows
// (first cell "*baseline: ...*") and numeric cells so the page can style them. Anything else is
// shown as plain text, never interpreted.

/** HTML-escapes text for element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Escaped text with `code`, **strong** and *em* made elements. */
export function inlineMarkdown(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part) => {
      if (part.length >= 2 && part.startsWith("`") && part.endsWith("`")) return `<code>${escapeHtml(part.slice(1, -1))}</code>`;
      return escapeHtml(part)
        .replace(/\*\*(?=\S)(.+?)\*\*/g, "<strong>$1</strong>")
        .replace(/(^|[^\w*])\*(?=\S)([^*]+?)\*(?![\w*])/g, "$1<em>$2</em>");
    })
    .join("");
}

/** The cells of a pipe-table row (`| a | b |`), with `\|` kept as a literal bar. */
export function tableCells(line: string): string[] {
  let body = line.trim();
  if (body.startsWith("|")) body = body.slice(1);
  if (body.endsWith("|") && !body.endsWith("\\|")) body = body.slice(0, -1);
  return body.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, "|"));
}

const isTableLine = (line: string) => line.trim().startsWith("|");
const isSeparator = (line: string) => /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(line);
/** "12.5", "23.2 ± 3.7", "1350 (1/3)", "9.02 (max 3.11e+4)": numbers a reader compares down a column. */
const NUMERIC = /^[-+−]?(\d[\d,]*(\.\d+)?(e[-+]?\d+)?|\.\d+)(\s*±\s*\d+(\.\d+)?)?(\s*\([^)]*\))?%?$/i;

/**
 * A table as HTML: strings are inline Markdown, numbers are printed to 6 significant digits;
 * numeric cells are right-aligned, and a row whose first cell reads "*baseline: ...*" is marked.
 */
export function htmlTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cell = (v: string | number | undefined): string => {
    if (typeof v === "number") return `<td class="num">${escapeHtml(Number.isFinite(v) ? String(Number(v.toPrecision(6))) : String(v))}</td>`;
    const c = v ?? "";
    return NUMERIC.test(c) ? `<td class="num">${inlineMarkdown(c)}</td>` : `<td>${inlineMarkdown(c)}</td>`;
  };
  const head = `<thead><tr>${header.map((h) => `<th>${inlineMarkdown(h)}</th>`).join("")}</tr></thead>`;
  const body = rows
    .map((cells) => {
      const baseline = typeof cells[0] === "string" && /^\*baseline\b/.test(cells[0]);
      return `<tr${baseline ? ' class="baseline"' : ""}>${header.map((_, i) => cell(cells[i])).join("")}</tr>`;
    })
    .join("\n");
  return `<div class="table-wrap"><table>${head}<tbody>\n${body}\n</tbody></table></div>`;
}

/**
 * The Markdown as HTML. `headingOffset` moves headings down (`#` becomes h(1 + offset)), so a
 * file's own title sits under the report's section heading.
 */
export function markdownToHtml(markdown: string, headingOffset = 0): string {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) out.push(`<p>${inlineMarkdown(paragraph.join(" "))}</p>`);
    paragraph = [];
  };
  for (let i = 0; i < lines.length; ) {
    const line = lines[i]!;
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      flush();
      const level = Math.min(6, heading[1]!.length + headingOffset);
      out.push(`<h${level}>${inlineMarkdown(heading[2]!)}</h${level}>`);
      i++;
    } else if (isTableLine(line) && i + 1 < lines.length && isSeparator(lines[i + 1]!)) {
      flush();
      let end = i + 2;
      while (end < lines.length && isTableLine(lines[end]!)) end++;
      out.push(htmlTable(tableCells(line), lines.slice(i + 2, end).map(tableCells)));
      i = end;
    } else if (line.trim() === "") {
      flush();
      i++;
    } else {
      paragraph.push(line.trim());
      i++;
    }
  }
  flush();
  return out.join("\n");
}
