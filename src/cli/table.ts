// Aligned plain-text tables for human output. `--json` output bypasses this entirely.
export interface Column<Row> {
  header: string;
  value: (row: Row) => string | number | null | undefined;
  /** Right-align numbers so digits line up. */
  align?: "left" | "right";
}

export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) => columns.map((column) => cellText(column.value(row))));
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((line) => line[index]!.length))
  );
  const render = (line: string[]) =>
    line
      .map((text, index) =>
        columns[index]!.align === "right" ? text.padStart(widths[index]!) : text.padEnd(widths[index]!)
      )
      .join("  ")
      .trimEnd();
  return [render(columns.map((column) => column.header)), ...cells.map(render)].join("\n");
}

function cellText(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "-";
  return String(value);
}

export function formatTime(epochMs: number | null | undefined): string {
  if (epochMs === null || epochMs === undefined) return "-";
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z");
}
