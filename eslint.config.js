// Lint rules that catch real defects (issue 14): promises nobody awaits, promises handed to callers that
// expect a plain function, unused code and `any`. Formatting is Prettier's job (.prettierrc.json), not ESLint's.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "bench/results/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true },
      ],
      // Closures built before the value exists (a daemon's ready probe reads `fleet`) are the pattern, not a slip.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
      // Style, not defects: an async function without await still returns a promise, as its interface says.
      "@typescript-eslint/require-await": "off",
      // Ports here are plain objects of closures, never `this`-bound classes: every interface method passed on is
      // flagged, and none is a defect.
      "@typescript-eslint/unbound-method": "off",
      // Errors here restate the cause's message in their own ("cannot serve http on ...: EADDRINUSE"); a `cause`
      // would repeat it in pino's serialized `err`.
      "preserve-caught-error": "off",
    },
  },
  {
    // Tests walk JSON answers (CLI output, HTTP bodies, rendered manifests) and their assertions are the check.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  {
    // Plain JavaScript (build helpers, this file) is outside the TypeScript project: no type-aware rules.
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { module: "writable", require: "readonly" } },
  }
);
