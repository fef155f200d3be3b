/**
 * Why a file the user names matches no loaded script although its code did load, in the two
 * ways a build hides it from the agent: the code runs from a bundler's eval strings, or its
 * bundle's source map lies beside it unreferenced (no `//# sourceMappingURL=` comment).
 */
import { basename } from 'node:path';
import { matchScript } from '../locate/script-match.js';
import { loadSourceMap, type ScriptSourceMap } from '../locate/source-maps.js';
import type { InspectorSession } from './inspector-session.js';

export class UnfollowedCode {
  /** Each map-less script's unreferenced map, by V8's id of the script: read once. */
  private readonly besideMaps = new Map<string, Promise<ScriptSourceMap | undefined>>();

  constructor(private readonly session: InspectorSession) {}

  /** `; …` saying where `wanted` hides and how to build so the agent finds it, or '' when it does not. */
  async explain(wanted: string): Promise<string> {
    const evaluated = [...this.session.evaluatedFiles()].map((relative) => relative.replace(/^\.\//, ''));
    const inEval = matchScript(wanted, evaluated);
    if (inEval.kind === 'found') {
      return `; ${inEval.path} runs from an eval string (webpack's eval devtools: eval-source-map, eval-cheap-module-source-map, development mode's default), which the agent does not probe: build with devtool \`source-map\` (or \`inline-source-map\`)`;
    }
    for (const script of [...this.session.all()]) {
      if (script.sourceMapURL !== undefined || script.path.includes('/node_modules/') || !script.path.startsWith('/')) continue;
      let map = this.besideMaps.get(script.scriptId);
      if (map === undefined) {
        map = loadSourceMap(script.path, `${basename(script.path)}.map`).catch(() => undefined);
        this.besideMaps.set(script.scriptId, map);
      }
      const found = matchScript(wanted, (await map)?.sources() ?? []);
      if (found.kind === 'none') continue;
      const named = found.kind === 'found' ? found.path : found.candidates[0];
      return `; ${script.path} has a source map beside it that names ${named}, but the script does not reference it (no \`//# sourceMappingURL=\` comment: webpack's devtool \`hidden-source-map\`, esbuild's \`sourcemap: 'external'\`): build with a referenced map (webpack \`source-map\`, esbuild \`sourcemap: true\`), or end the script with \`//# sourceMappingURL=${basename(script.path)}.map\``;
    }
    return '';
  }

  forget(): void {
    this.besideMaps.clear();
  }
}
