// `dawdle serve`: the reference server on its own, with the probe and the demo handlers.
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { ConfigError, type ListenSpec } from '../../server-under-test/cfg.ts';
import { demoSites } from '../../server-under-test/demo-sites.ts';
import { startServer, ServerStartError } from '../../server-under-test/server.ts';
import { EXIT, UserError } from './exit-codes.ts';

export function serveCommand(y: Argv) {
  return y.command(
    'serve',
    'run the reference server (HTTP, and HTTPS with --tls) with the probe endpoints',
    (a) =>
      a
        .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
        .option('port', { type: 'number', default: 8080, describe: 'HTTP port (0: any free port)' })
        .option('tls', { type: 'boolean', default: false, describe: 'also serve HTTPS' })
        .option('tls-port', { type: 'number', default: 8443, describe: 'HTTPS port (0: any free port)' })
        .option('cert', { type: 'string', describe: 'PEM certificate file (default: self-signed, generated)' })
        .option('key', { type: 'string', describe: 'PEM private key file (with --cert)' })
        .option('threads', { type: 'number', default: 1, describe: 'HTTP worker threads (1 on Node 20)' })
        .option('probe', { type: 'boolean', default: true, describe: 'mount the probe endpoints (--no-probe to leave them out)' })
        .option('http2', { type: 'boolean', default: true, describe: 'serve HTTP/2 too: h2c on the HTTP port, h2 by ALPN on HTTPS (--no-http2: HTTP/1.1 only)' })
        .option('keep-alive', { type: 'boolean', default: true, describe: 'HTTP/1.1 persistent connections (--no-keep-alive: close every connection after its response)' })
        .option('max-concurrent-streams', { type: 'number', describe: 'HTTP/2 streams per connection (default 100)' })
        .option('send-window', { type: 'number', describe: 'default_send_window in bytes (default 1048576)' })
        .option('send-timeout', { type: 'number', describe: 'default_send_timeout in seconds (default 30)' })
        .check((argv) => {
          if ((argv.cert === undefined) !== (argv.key === undefined)) throw new Error('--cert and --key go together');
          return true;
        }),
    async (argv) => {
      const listen: ListenSpec[] = [{ host: argv.host, port: argv.port }];
      if (argv.tls) {
        let tls: ListenSpec['tls'] = true;
        if (argv.cert && argv.key) {
          try {
            tls = { cert: readFileSync(argv.cert, 'utf8'), key: readFileSync(argv.key, 'utf8') };
          } catch (err) {
            throw new UserError(`cannot read certificate or key: ${(err as Error).message}`);
          }
        }
        listen.push({ host: argv.host, port: argv['tls-port'], tls });
      }
      let server;
      try {
        server = await startServer({
          listen,
          threads: argv.threads as 1,
          probe: argv.probe,
          sites: demoSites(),
          http2: argv.http2,
          keep_alive: argv['keep-alive'],
          ...(argv['max-concurrent-streams'] !== undefined ? { max_concurrent_streams: argv['max-concurrent-streams'] } : {}),
          ...(argv['send-window'] !== undefined ? { default_send_window: argv['send-window'] } : {}),
          ...(argv['send-timeout'] !== undefined ? { default_send_timeout: argv['send-timeout'] } : {}),
        });
      } catch (err) {
        if (err instanceof ConfigError) throw new UserError(err.problems.join('; '));
        if (err instanceof ServerStartError) throw new UserError(err.message);
        throw err;
      }
      // First SIGINT/SIGTERM: graceful (handlers cancelled, shutdown_grace to return), exit 0.
      // A second one while that runs: exit 130 at once. In place before the URLs are printed:
      // whoever reads them may signal at once.
      const signalled = new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (sig: string): void => {
          if (stopping) {
            process.stdout.write(`${sig} again: exiting now\n`);
            process.exit(EXIT.interrupted);
          }
          stopping = true;
          process.stdout.write(`${sig}: shutting down (in-flight handlers are cancelled)\n`);
          resolve();
        };
        process.on('SIGINT', () => stop('SIGINT'));
        process.on('SIGTERM', () => stop('SIGTERM'));
      });
      for (const a of server.addresses) process.stdout.write(`listening on ${a.url}\n`);
      if (argv.probe) process.stdout.write(`probe: ${server.addresses[0]!.url}/__probe/info\n`);
      await signalled;
      await server.close();
      process.stdout.write('stopped\n');
      // close() is bounded (shutdown_grace, then the worker is terminated); nothing of the
      // server's may keep the process alive after it, so a leftover handle does not either.
      setTimeout(() => process.exit(process.exitCode ?? EXIT.ok), 500).unref();
    },
  );
}
