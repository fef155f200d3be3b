/**
 * Where a dependency's source is taken to be when its map places it outside the package: typeorm
 * 0.2 ships `repository/Repository.js.map` with `sourceRoot: ".."` and `../../src/repository/
 * Repository.ts`, which resolve to `<app>/src/repository/Repository.ts`, a file of no package
 * (and, in the app's own folder, one the user may have too). Read from the package's folder
 * instead, the source is `node_modules/typeorm/src/repository/Repository.ts`, the name a user
 * reading the package would give: the path below the folder that holds both the package and the
 * resolved source, set under the package.
 */
const NODE_MODULES = '/node_modules/';

export function sourceInPackage(scriptPath: string, source: string): string | undefined {
  const at = scriptPath.lastIndexOf(NODE_MODULES);
  if (at === -1 || source.includes(NODE_MODULES)) return undefined;
  const names = scriptPath.slice(at + NODE_MODULES.length).split('/');
  const packageDir = scriptPath.slice(0, at + NODE_MODULES.length) + names.slice(0, names[0]?.startsWith('@') ? 2 : 1).join('/');
  const packageParts = packageDir.split('/');
  const sourceParts = source.split('/');
  let common = 0;
  while (common < packageParts.length && common < sourceParts.length - 1 && packageParts[common] === sourceParts[common]) common++;
  return `${packageDir}/${sourceParts.slice(common).join('/')}`;
}
