// A picture's grey levels, decoded by the web view: every format the system reads (PNG, JPEG,
// WebP, GIF, BMP; HEIC on Apple's), so the app carries no image decoders of its own. Rust
// finds the QR codes in what this returns (src-tauri/qr.rs).

/** The widest and tallest picture read (qr.rs's MAX_SIDE): larger ones are refused there. */
const MAX_SIDE = 4096;

/** What `vault_add` and `vault_import` take for a picture: its size, and a byte a pixel (0 black,
 *  255 white), row by row, in base64. A file the web view cannot decode is sent with no pixels
 *  (0 × 0) and one over the limit with its size alone, and Rust says what is wrong with it, in
 *  its place among the others. */
export async function greyPicture(blob) {
  let picture;
  try {
    picture = await decoded(blob);
  } catch (e) {
    return { width: 0, height: 0, grey_base64: '' };
  }
  const { width, height, source } = picture;
  if (width > MAX_SIDE || height > MAX_SIDE || !width || !height) {
    picture.close();
    return { width, height, grey_base64: '' };
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  // Transparent parts read as white paper, as a QR code on a page.
  context.fillStyle = '#fff';
  context.fillRect(0, 0, width, height);
  context.drawImage(source, 0, 0);
  picture.close();
  const rgba = context.getImageData(0, 0, width, height).data;
  const grey = new Uint8Array(width * height);
  for (let i = 0, p = 0; i < grey.length; i += 1, p += 4) {
    // ITU-R BT.601 luma, as image decoders make grey from colour.
    grey[i] = (rgba[p] * 299 + rgba[p + 1] * 587 + rgba[p + 2] * 114 + 500) / 1000;
  }
  return { width, height, grey_base64: toBase64(grey) };
}

/** The decoded picture (`source`, what a canvas draws): `createImageBitmap` where the web view has it, else an image element
 *  (WebKit before Safari 15's, on older Apple systems). */
async function decoded(blob) {
  if (typeof createImageBitmap === 'function') {
    const bitmap = await createImageBitmap(blob);
    return { width: bitmap.width, height: bitmap.height, source: bitmap, close: () => bitmap.close() };
  }
  const url = URL.createObjectURL(blob);
  const img = new Image();
  img.src = url;
  try {
    await img.decode();
  } catch (e) {
    URL.revokeObjectURL(url);
    throw e;
  }
  return { width: img.naturalWidth, height: img.naturalHeight, source: img, close: () => URL.revokeObjectURL(url) };
}

/** Base64 of bytes, a slice at a time (a whole picture at once overflows `String.fromCharCode`'s
 *  arguments). */
function toBase64(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}
