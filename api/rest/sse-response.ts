import type { ServerResponse } from 'node:http';

/**
 * An SSE response whose headers are sent lazily: a stream that fails before its first part still gets a
 * proper HTTP error status. While waiting, once `keepAliveMs` passes, headers go out with `: keep-alive`
 * comments (OpenAI-compatible clients ignore comments), repeated whenever the stream is quiet that long.
 */
export class SseResponse {
  private lastWrite = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    keepAliveMs: number,
  ) {
    this.timer = setInterval(() => {
      if (Date.now() - this.lastWrite >= keepAliveMs - 5) void this.write(': keep-alive\n\n');
    }, keepAliveMs);
    this.timer.unref();
  }

  get started(): boolean {
    return this.res.headersSent;
  }

  /** Writes SSE text, sending headers first if needed; waits for drain on backpressure. */
  write(text: string): Promise<void> | undefined {
    if (this.res.destroyed || this.res.writableEnded) return undefined;
    if (!this.res.headersSent) {
      this.res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
    }
    this.lastWrite = Date.now();
    if (this.res.write(text)) return undefined;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.once('drain', done);
      this.res.once('close', done);
    });
  }

  end(text?: string): void {
    clearInterval(this.timer);
    if (this.res.destroyed || this.res.writableEnded) return;
    if (text !== undefined) void this.write(text);
    this.res.end();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
