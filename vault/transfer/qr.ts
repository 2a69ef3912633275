// QR codes of otpauth URIs through the qrcode package: for the terminal (Unicode half blocks) and as PNG files.
import QRCode from 'qrcode';

export async function qrTerminal(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'terminal', small: true, errorCorrectionLevel: 'M' });
}

export async function qrPng(uri: string): Promise<Buffer> {
  return QRCode.toBuffer(uri, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 6 });
}
