import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * GitHub's REST API played over loopback, as much of it as Ferry calls: commit lookup by ref.
 * `hang` makes it accept requests and never answer, like a GitHub outage.
 */
export class FakeGitHub {
  /** "owner/repo@ref" -> sha */
  readonly refs = new Map<string, string>();
  readonly requests: string[] = [];
  hang = false;
  private held: (() => void)[] = [];
  private readonly events = new EventEmitter();
  private server!: http.Server;
  private port = 0;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Ends the outage: held requests are answered now. */
  release(): void {
    this.hang = false;
    for (const h of this.held.splice(0)) h();
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests.push(`${req.method} ${req.url}`);
    this.events.emit('request');
    if (this.hang) {
      this.held.push(() => this.answer(req, res));
      return;
    }
    this.answer(req, res);
  }

  /** Resolves once GitHub has received `n` requests. */
  waitForRequests(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.requests.length < n) return;
        this.events.off('request', check);
        resolve();
      };
      this.events.on('request', check);
      check();
    });
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const m = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^?]+)/.exec(req.url ?? '');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const branches = /^\/repos\/([^/]+)\/([^/]+)\/branches/.exec(req.url ?? '');
    if (branches) {
      const prefix = `${branches[1]}/${branches[2]}@`;
      return json(200, [...this.refs.keys()].filter((k) => k.startsWith(prefix)).map((k) => ({ name: k.slice(prefix.length) })));
    }
    if (!m) return json(404, { message: 'Not Found' });
    const sha = this.refs.get(`${m[1]}/${m[2]}@${decodeURIComponent(m[3]!)}`);
    if (!sha) return json(422, { message: `No commit found for SHA: ${decodeURIComponent(m[3]!)}` });
    json(200, { sha, commit: { message: 'x', author: { name: 'A', email: 'a@example.com', date: new Date().toISOString() } } });
  }
}
