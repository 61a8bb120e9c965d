/**
 * A ConfigMap or Secret volume as the kubelet writes it (atomic writer):
 * the files in `<dir>/..<timestamp>/`, `<dir>/..data` a symlink to that
 * directory, and `<dir>/<file>` a symlink to `..data/<file>`. An update
 * writes a new timestamped directory and swaps `..data` by rename.
 */
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KubeletVolume {
  /** `<dir>/<name>`: the path a container reads. */
  path(name: string): string;
  /** Replaces every file at once (the ..data swap). */
  update(files: Readonly<Record<string, string | Buffer>>): void;
}

export function kubeletVolume(dir: string, files: Readonly<Record<string, string | Buffer>>): KubeletVolume {
  mkdirSync(dir, { recursive: true });
  let n = 0;
  const write = (fs: Readonly<Record<string, string | Buffer>>): void => {
    const ts = `..2026_12_02_10_00_00.${n++}`;
    mkdirSync(join(dir, ts));
    for (const [name, text] of Object.entries(fs)) writeFileSync(join(dir, ts, name), text);
    symlinkSync(ts, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  };
  write(files);
  for (const name of Object.keys(files)) symlinkSync(join('..data', name), join(dir, name));
  return { path: (name) => join(dir, name), update: write };
}
