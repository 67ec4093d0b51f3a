// Where command output goes. Results go to stdout (tables, or one JSON document with --json); progress and
// warnings go to stderr so that `--json | jq` stays clean.
export interface Output {
  json(value: unknown): void;
  line(text: string): void;
  /** Progress and notes: stderr, never mixed into a JSON result. */
  note(text: string): void;
}

export const processOutput: Output = {
  json: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  line: (text) => process.stdout.write(`${text}\n`),
  note: (text) => process.stderr.write(`${text}\n`),
};
