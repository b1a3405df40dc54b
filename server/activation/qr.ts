import QRCode from 'qrcode';

/**
 * A QR code as inline SVG, drawn here (no CDN, no image request). Level M survives a crease or a
 * smudge on a printed slip; a 2-module margin, with the slip's white padding around it, is quiet
 * zone enough for phone cameras.
 */
export function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
