import net from 'node:net';

export interface TcpProxy {
  host: string;
  port: number;
  /** Stops accepting and drops every open connection: the far side looks gone. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A TCP forwarder on 127.0.0.1 whose line can be cut and restored, to play a database outage. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const host = '127.0.0.1';
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;

  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    // A reset on either side is the point of this proxy, not a reason to crash.
    s.on('error', () => s.destroy());
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const srv = net.createServer((client) => {
        const upstream = net.connect(target.port, target.host);
        track(client);
        track(upstream);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.pipe(upstream).pipe(client);
      });
      srv.once('error', reject);
      srv.listen(port, host, () => {
        srv.off('error', reject);
        port = (srv.address() as net.AddressInfo).port;
        server = srv;
        resolve();
      });
    });

  const cut = async () => {
    const srv = server;
    server = undefined;
    const closed = srv ? new Promise<void>((resolve) => srv.close(() => resolve())) : Promise.resolve();
    for (const s of sockets) s.destroy();
    await closed;
  };

  await listen();
  return {
    host,
    get port() {
      return port;
    },
    cut,
    restore: listen,
    close: cut,
  };
}
