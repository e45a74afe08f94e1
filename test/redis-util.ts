// A throwaway Redis for the tests that need one (the BullMQ engine, readiness probes): a free
// loopback port, and redis-server started there with no persistence, ready when it says so.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A TCP port free on loopback now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** redis-server on 127.0.0.1:`port`, once it accepts connections. */
export async function startRedis(port: number): Promise<ChildProcess> {
  const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    c.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    c.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
  c.stdout!.resume();
  return c;
}
