// The global names a bundled CommonJS file reads without declaring them (its global scope's
// unresolved references), written beside it as <file>.globals.json for main/pristine-require.ts.
import { writeFile } from 'node:fs/promises';
import { parse } from 'acorn';
import { analyze } from 'eslint-scope';

/** The file's CommonJS wrapper binds these; they are not globals. */
const WRAPPER = new Set(['exports', 'require', 'module', '__filename', '__dirname']);

/** `code`'s free globals, written to `file`.globals.json. */
export async function writeFreeGlobals(code, file) {
  const ast = parse(code, { ecmaVersion: 'latest', sourceType: 'script', ranges: true });
  const { globalScope } = analyze(ast, { ecmaVersion: 2022, sourceType: 'script' });
  const names = [...new Set(globalScope.through.map((reference) => reference.identifier.name))].filter((n) => !WRAPPER.has(n)).sort();
  await writeFile(`${file}.globals.json`, `${JSON.stringify(names)}\n`);
}
