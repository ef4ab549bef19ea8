import net from 'node:net';

/**
 * A TCP proxy in front of the real MariaDB that a test can take down and bring back: `down()` stops listening
 * (new connections are refused) and cuts every open connection, just like a database server that went away.
 */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly targetHost = '127.0.0.1',
    private readonly targetPort = 3306,
  ) {}

  get hostPort(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Reserves a port without serving it yet, so a service can be pointed at a database that is down. */
  async reservePort(): Promise<void> {
    await this.up();
    await this.down();
  }

  async up(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
