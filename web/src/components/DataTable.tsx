// A plain data table: a header row from the columns, one row per item. Numeric columns are
// right-aligned with tabular figures.
import type { ReactNode } from "react";

export interface Column<T> {
  header: ReactNode;
  cell: (row: T) => ReactNode;
  numeric?: boolean;
  className?: string;
}

export function DataTable<T>({
  columns,
  rows,
  rowKey,
  label,
  className,
  testId,
  rowClassName,
  caption,
}: {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string | number;
  label?: string;
  className?: string;
  testId?: string;
  rowClassName?: (row: T) => string | undefined;
  caption?: ReactNode;
}) {
  const cellClass = (c: Column<T>) => [c.numeric ? "num" : "", c.className ?? ""].join(" ").trim() || undefined;
  return (
    <div className="table-wrap">
      <table className={className} aria-label={label} data-testid={testId}>
        {caption && <caption className="caption">{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col" className={cellClass(c)}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} className={rowClassName?.(row)}>
              {columns.map((c, i) => (
                <td key={i} className={cellClass(c)}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
