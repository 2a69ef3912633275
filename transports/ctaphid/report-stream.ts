// A byte stream cut into 64-byte reports: what both ends of a CTAPHID socket read (TCP may split or join writes).
import { REPORT_SIZE } from './protocol.ts';

export class ReportStream {
  private pending = Buffer.alloc(0);

  constructor(private readonly onReport: (report: Uint8Array) => void) {}

  push(chunk: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= REPORT_SIZE) {
      this.onReport(new Uint8Array(buf.subarray(0, REPORT_SIZE)));
      buf = buf.subarray(REPORT_SIZE);
    }
    this.pending = Buffer.from(buf);
  }
}
