/**
 * The files of an original room's data directory (docs/protocol.md, section 9):
 * which are data, which are not. Symbolic links are never followed: today's
 * and tomorrow's DD.dat are links to current.dat, not archives.
 */
import { readdir, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { parseDay } from "../../src/protocol/day";

export interface DataDir {
  /** The `data` directory. */
  root: string;
  /** Day → path of its DD.dat, relative to root. */
  dayFiles: Map<string, string>;
  /** Day → path of its DD.cnt. */
  countFiles: Map<string, string>;
  current: string | null;
  sequence: string | null;
  lastPost: string | null;
  blacklist: string | null;
  /** Relative paths of links, skipped. */
  symlinks: string[];
  /** Relative paths of everything else that is not data (*.dat.orig, *.tmp, lock...), skipped. */
  notData: string[];
}

export class NotADataDirectory extends Error {}

const DAY_FILE = /^(\d{4})\/(\d{2})\/(\d{2})\.(dat|cnt)$/;
const KNOWN: Record<string, keyof Pick<DataDir, "current" | "sequence" | "lastPost" | "blacklist">> = {
  "current.dat": "current",
  sequence: "sequence",
  "last-post": "lastPost",
  "blacklist.txt": "blacklist",
};

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** The `data` directory of `dir`: `dir/data` when there is one ($DATADIR), else `dir` itself. */
async function dataRoot(dir: string): Promise<string> {
  if (!(await isDirectory(dir))) throw new NotADataDirectory(`${dir}: not a directory`);
  if (await isDirectory(join(dir, "data"))) return join(dir, "data");
  return dir;
}

export async function listDataDir(dir: string): Promise<DataDir> {
  const root = await dataRoot(dir);
  const listing: DataDir = {
    root,
    dayFiles: new Map(),
    countFiles: new Map(),
    current: null,
    sequence: null,
    lastPost: null,
    blacklist: null,
    symlinks: [],
    notData: [],
  };
  const walk = async (path: string): Promise<void> => {
    const children = await readdir(path, { withFileTypes: true });
    children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const child of children) {
      const full = join(path, child.name);
      const rel = relative(root, full).split(sep).join("/");
      if (child.isSymbolicLink()) listing.symlinks.push(rel);
      else if (child.isDirectory()) await walk(full);
      else if (!child.isFile()) listing.notData.push(rel);
      else if (KNOWN[rel] !== undefined) listing[KNOWN[rel]] = rel;
      else {
        const match = DAY_FILE.exec(rel);
        const day = match === null ? null : parseDay(match[1]!, match[2]!, match[3]!);
        if (day === null) listing.notData.push(rel);
        else (match![4] === "dat" ? listing.dayFiles : listing.countFiles).set(day, rel);
      }
    }
  };
  await walk(root);
  if (listing.current === null && listing.dayFiles.size === 0 && listing.sequence === null) {
    throw new NotADataDirectory(`${dir}: no current.dat, sequence or YYYY/MM/DD.dat: not the data directory of a Chaton room`);
  }
  return listing;
}
