/**
 * CRC-32 (the zip polynomial), fed chunk by chunk. yauzl checks an entry's size but not its
 * CRC, so the import does. node:zlib has a native crc32 from Node 20.15 / 22.2; `engines`
 * allows any Node 20, so older ones fall back to the classic table (slower, same result).
 */
import zlib from 'node:zlib';

type Crc32 = (data: Buffer, value?: number) => number;

let table: Uint32Array | undefined;
function tableCrc32(data: Buffer, value = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = ~value >>> 0;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

const native = (zlib as { crc32?: Crc32 }).crc32;

/** The CRC-32 of `data` continued from `value` (the CRC of what came before; 0 to start). */
export const crc32: Crc32 = typeof native === 'function' ? (data, value = 0) => native(data, value) : tableCrc32;
/** Exposed for the test that holds the fallback to the native result. */
export const crc32ByTable: Crc32 = tableCrc32;
