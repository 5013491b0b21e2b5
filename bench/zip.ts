// Reads the files of a zip (stored or deflated entries) from its central directory: enough for the
// single-bundle zips serverless-esbuild writes, without a zip dependency.
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

const endOfCentralDirectory = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

export function readZip(zipPath: string): Map<string, Buffer> {
  const zip = readFileSync(zipPath);
  const end = zip.lastIndexOf(endOfCentralDirectory);
  if (end < 0) throw new Error(`${zipPath} is not a zip`);
  const entries = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let index = 0; index < entries; index++) {
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localHeader = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    const dataStart =
      localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    if (!name.endsWith('/')) files.set(name, method === 0 ? Buffer.from(data) : inflateRawSync(data));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

/** The JavaScript bundle in a function's zip. */
export function readZippedBundle(zipPath: string): { name: string; code: Buffer } {
  const bundle = [...readZip(zipPath)].find(([name]) => name.endsWith('.js'));
  if (!bundle) throw new Error(`${zipPath} holds no bundle`);
  return { name: bundle[0], code: bundle[1] };
}
