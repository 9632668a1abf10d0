import QRCode from 'qrcode';

/** A compact QR code (half blocks: two modules per character cell) for phones to scan a client config. */
export async function terminalQr(text: string): Promise<string> {
  return QRCode.toString(text, {type: 'terminal', small: true, errorCorrectionLevel: 'L'});
}
