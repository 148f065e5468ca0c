// Test helper: builds an EXIF APP1 segment (orientation, date taken) and puts it into a JPEG, byte by byte,
// so that tests have photos with known metadata without sample files.

/** The APP1 segment: "Exif\0\0", a little-endian TIFF header, IFD0 (Orientation, Exif IFD pointer), Exif IFD (DateTimeOriginal). */
export function exifApp1(meta: { orientation: number; taken: string }): Uint8Array {
  if (!/^\d{4}:\d\d:\d\d \d\d:\d\d:\d\d$/.test(meta.taken)) throw new Error('taken must look like 2021:03:04 10:11:12');
  const tiff = new Uint8Array(76);
  const v = new DataView(tiff.buffer);
  tiff.set([0x49, 0x49], 0); // "II": little endian
  v.setUint16(2, 42, true);
  v.setUint32(4, 8, true); // IFD0 at 8
  v.setUint16(8, 2, true); // two entries
  // Orientation: tag 0x0112, SHORT (3), count 1, value in place.
  v.setUint16(10, 0x0112, true);
  v.setUint16(12, 3, true);
  v.setUint32(14, 1, true);
  v.setUint16(18, meta.orientation, true);
  // Exif IFD pointer: tag 0x8769, LONG (4), count 1, offset 38.
  v.setUint16(22, 0x8769, true);
  v.setUint16(24, 4, true);
  v.setUint32(26, 1, true);
  v.setUint32(30, 38, true);
  v.setUint32(34, 0, true); // no next IFD
  v.setUint16(38, 1, true); // one entry
  // DateTimeOriginal: tag 0x9003, ASCII (2), count 20, offset 56.
  v.setUint16(40, 0x9003, true);
  v.setUint16(42, 2, true);
  v.setUint32(44, 20, true);
  v.setUint32(48, 56, true);
  v.setUint32(52, 0, true);
  for (let i = 0; i < 19; i++) tiff[56 + i] = meta.taken.charCodeAt(i);
  tiff[75] = 0;
  const body = new Uint8Array(6 + tiff.length);
  body.set([0x45, 0x78, 0x69, 0x66, 0, 0], 0); // "Exif\0\0"
  body.set(tiff, 6);
  const segment = new Uint8Array(4 + body.length);
  segment.set([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff], 0);
  segment.set(body, 4);
  return segment;
}

/** `jpeg` with the APP1 segment placed right after its start-of-image marker. */
export function withExif(jpeg: Uint8Array, meta: { orientation: number; taken: string }): Uint8Array {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  const app1 = exifApp1(meta);
  const out = new Uint8Array(jpeg.length + app1.length);
  out.set(jpeg.subarray(0, 2), 0);
  out.set(app1, 2);
  out.set(jpeg.subarray(2), 2 + app1.length);
  return out;
}
