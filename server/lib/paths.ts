import fs from 'node:fs';
import path from 'node:path';

/**
 * The project root, found from this file whether it runs from `server/` (tsx, jest) or
 * from `dist/server/` (npm start): the nearest folder up with a package.json.
 */
function findProjectRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

export const projectRoot = findProjectRoot(__dirname);
export const viewsDir = path.join(projectRoot, 'views');
export const publicDir = path.join(projectRoot, 'public');
export const migrationsDir = path.join(projectRoot, 'server', 'db', 'migrations');
