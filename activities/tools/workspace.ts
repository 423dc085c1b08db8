/**
 * Confinement of file tools to the run's workspace.
 *
 * A path from a model is refused when it is absolute, climbs with `..`,
 * contains NUL or backslashes, or resolves (through symbolic links, at any
 * component) outside the workspace. Files are opened with O_NOFOLLOW and,
 * on Linux, the opened descriptor's real path is checked again through
 * /proc/self/fd, so a link swapped in between the check and the open is
 * caught. Only regular files are read or written: no devices, FIFOs, sockets.
 */
import { constants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { errnoCode, ToolError, ToolRefusedError } from './errors';

const MAX_PATH_CHARS = 4096;
const MAX_SEGMENTS = 64;

/** The workspace's real path; throws when it is not an existing absolute directory. */
export async function workspaceRoot(workspace: string): Promise<string> {
  if (!path.isAbsolute(workspace)) throw new ToolError(`the run's workspace must be an absolute directory, got ${JSON.stringify(workspace)}`);
  let real: string;
  try {
    real = await fs.realpath(workspace);
  } catch {
    throw new ToolError(`the run's workspace ${workspace} does not exist`);
  }
  const st = await fs.stat(real);
  if (!st.isDirectory()) throw new ToolError(`the run's workspace ${workspace} is not a directory`);
  return real;
}

/**
 * Splits a workspace-relative path into its segments, refusing anything that
 * could name a file outside. `""` and `"."` name the workspace itself.
 */
export function relativeSegments(p: string): string[] {
  if (p.length > MAX_PATH_CHARS) throw new ToolRefusedError(`path is longer than ${MAX_PATH_CHARS} characters`);
  if (p.includes('\0')) throw new ToolRefusedError('path contains a NUL byte');
  if (p.includes('\\')) throw new ToolRefusedError(`path ${JSON.stringify(p)} contains a backslash; use / between directories`);
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p) || p.startsWith('~')) {
    throw new ToolRefusedError(`path ${JSON.stringify(p)} is absolute; give a path relative to the workspace, such as "src/index.ts"`);
  }
  const segments = p.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw new ToolRefusedError(`path ${JSON.stringify(p)} climbs out with ".."; give a path inside the workspace`);
  if (segments.length > MAX_SEGMENTS) throw new ToolRefusedError(`path has more than ${MAX_SEGMENTS} directories`);
  for (const s of segments) if (Buffer.byteLength(s) > 255) throw new ToolRefusedError('a path segment is longer than 255 bytes');
  return segments;
}

export function isInside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/** Display form of a workspace path: forward slashes, `.` for the root. */
export function displayPath(root: string, real: string): string {
  const rel = path.relative(root, real);
  return rel === '' ? '.' : rel.split(path.sep).join('/');
}

/** Real path of an existing file or directory inside the workspace. */
export async function resolveExisting(root: string, p: string): Promise<string> {
  const segments = relativeSegments(p);
  const joined = path.join(root, ...segments);
  let real: string;
  try {
    real = await fs.realpath(joined);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ToolError(`${JSON.stringify(p)} does not exist in the workspace`);
    if (code === 'ELOOP') throw new ToolRefusedError(`${JSON.stringify(p)} is a loop of symbolic links`);
    throw err;
  }
  if (!isInside(root, real)) throw new ToolRefusedError(`${JSON.stringify(p)} is a symbolic link that leads outside the workspace`);
  return real;
}

/**
 * Where a file may be created: the real path of its deepest existing
 * ancestor (checked to be inside) plus the directories still to create.
 */
async function resolveForCreate(root: string, p: string): Promise<{ dir: string; missing: string[]; name: string }> {
  const segments = relativeSegments(p);
  const name = segments[segments.length - 1];
  if (name === undefined) throw new ToolRefusedError('path names the workspace itself, not a file');
  const dirs = segments.slice(0, -1);
  for (let known = dirs.length; known >= 0; known--) {
    const candidate = path.join(root, ...dirs.slice(0, known));
    let real: string;
    try {
      real = await fs.realpath(candidate);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT') continue;
      if (code === 'ENOTDIR') throw new ToolError(`a parent of ${JSON.stringify(p)} is a file, not a directory`);
      if (code === 'ELOOP') throw new ToolRefusedError(`${JSON.stringify(p)} goes through a loop of symbolic links`);
      throw err;
    }
    if (!isInside(root, real)) throw new ToolRefusedError(`${JSON.stringify(p)} goes through a symbolic link that leads outside the workspace`);
    // A dangling link stops realpath with ENOENT above; one that now exists is caught here.
    return { dir: real, missing: dirs.slice(known), name };
  }
  throw new ToolError(`the workspace ${root} disappeared`);
}

/** Checks that an open descriptor really is inside the workspace (Linux; elsewhere the path checks stand alone). */
async function verifyDescriptor(root: string, handle: FileHandle, p: string): Promise<void> {
  let actual: string;
  try {
    actual = await fs.readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    return;
  }
  if (!isInside(root, actual)) throw new ToolRefusedError(`${JSON.stringify(p)} was swapped for a link that leads outside the workspace`);
}

async function openChecked(root: string, real: string, p: string, flags: number, mode?: number): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO must not hang the activity; regular files ignore it.
    handle = await fs.open(real, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK, mode);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ELOOP') throw new ToolRefusedError(`${JSON.stringify(p)} is a symbolic link; file tools do not write through links`);
    if (code === 'EISDIR') throw new ToolError(`${JSON.stringify(p)} is a directory`);
    if (code === 'ENOENT') throw new ToolError(`${JSON.stringify(p)} does not exist in the workspace`);
    if (code === 'ENXIO') throw new ToolRefusedError(`${JSON.stringify(p)} is not a regular file (device, FIFO or socket); file tools only handle regular files`);
    if (code === 'EACCES' || code === 'EPERM') throw new ToolError(`${JSON.stringify(p)} is not accessible (permission denied)`);
    throw err;
  }
  try {
    await verifyDescriptor(root, handle, p);
    const st = await handle.stat();
    if (st.isDirectory()) throw new ToolError(`${JSON.stringify(p)} is a directory`);
    if (!st.isFile()) throw new ToolRefusedError(`${JSON.stringify(p)} is not a regular file (device, FIFO or socket); file tools only handle regular files`);
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Opens an existing regular file inside the workspace for reading. */
export async function openForRead(root: string, p: string): Promise<FileHandle> {
  const real = await resolveExisting(root, p);
  return openChecked(root, real, p, constants.O_RDONLY);
}

/**
 * Opens (creating directories and the file as needed) a regular file inside
 * the workspace for writing. The file is not truncated until its descriptor
 * has been verified; the caller truncates.
 */
export async function openForWrite(root: string, p: string): Promise<{ handle: FileHandle; real: string }> {
  const { dir, missing, name } = await resolveForCreate(root, p);
  let current = dir;
  for (const d of missing) {
    current = path.join(current, d);
    try {
      await fs.mkdir(current);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      const st = await fs.lstat(current);
      if (!st.isDirectory()) throw new ToolRefusedError(`${JSON.stringify(p)}: ${displayPath(root, current)} appeared as a link or file while creating directories`);
    }
  }
  const real = path.join(current, name);
  const handle = await openChecked(root, real, p, constants.O_WRONLY | constants.O_CREAT, 0o644);
  try {
    const st = await handle.stat();
    // A hard link would let a write reach a file outside the workspace.
    if (st.nlink > 1) throw new ToolRefusedError(`${JSON.stringify(p)} has other hard links; fs.write does not write through them`);
  } catch (err) {
    await handle.close();
    throw err;
  }
  return { handle, real };
}
