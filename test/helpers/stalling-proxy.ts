import net from 'node:net';

/**
 * A TCP relay in front of a server (PostgreSQL) that can stall: while stalled
 * it accepts connections and holds every byte in both directions, as a hung
 * host or a frozen network would, instead of refusing. Resumed, it delivers
 * what it held, in order.
 */
export async function startStallingProxy(target: { host: string; port: number }) {
  let stalled = false;
  const held: Array<() => void> = [];
  const sockets = new Set<net.Socket>();

  function relay(from: net.Socket, to: net.Socket) {
    from.on('data', (chunk) => {
      if (stalled) held.push(() => to.write(chunk));
      else to.write(chunk);
    });
    from.on('close', () => to.destroy());
    from.on('error', () => to.destroy());
  }

  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
      for (const deliver of held.splice(0)) deliver();
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
