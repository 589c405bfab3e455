/**
 * A lightweight DELETE of one table with the count that goes before it (what a privacy operation
 * reports and its metrics count): erasure and split build theirs here. Pure.
 */
export interface DeleteStatement {
  table: string;
  count: string;
  remove: string;
}

/** Rows of {tenant:String} in `table` that `condition` (over the table's columns and query parameters; parenthesised if it has an OR) holds for. */
export function deleteStatement(table: string, condition: string): DeleteStatement {
  const where = `tenant = {tenant:String} AND ${condition}`;
  return { table, count: `SELECT count() AS n FROM ${table} WHERE ${where}`, remove: `DELETE FROM ${table} WHERE ${where}` };
}
