// Every outside tool dawdle knows, by name. Pins live here and nowhere else.
import { aptTool, firstExisting, goTool, onPath, type Tool } from './tool.ts';

export const TOOLS = {
  chromium: aptTool('chromium', 'chromium', 'renders the HTML reports in a real browser (report tests)',
    () => (process.env.DAWDLE_CHROMIUM ? firstExisting(process.env.DAWDLE_CHROMIUM) : onPath('chromium'))),
  // v2.2.1 is the newest h2spec release the Go module proxy serves (v2.6.0 is refused). It has no
  // go.mod, so Go takes its dependencies at their newest: not byte-reproducible. Its `--version`
  // prints "2.0.0" whatever it is (release builds set it by ldflags).
  h2spec: goTool('h2spec', 'github.com/summerwind/h2spec/cmd/h2spec', 'v2.2.1+incompatible',
    "HTTP/2 protocol conformance of the reference server (test/server/h2spec.test.ts)"),
  wrk: aptTool('wrk', 'wrk', 'HTTP/1.1 load generator of npm run bench:server'),
  h2load: aptTool('h2load', 'nghttp2-client', 'HTTP/2 load generator of npm run bench:server'),
  // Debian 12: nginx 1.22.1 and h2o 2.2.5, the real servers the black-box catalogue is proved on.
  nginx: aptTool('nginx', 'nginx-light', 'a real server for the black-box tests (test/blackbox/)', () => firstExisting('/usr/sbin/nginx') ?? onPath('nginx')),
  h2o: aptTool('h2o', 'h2o', 'a real server for the black-box tests (test/blackbox/)'),
  python3: aptTool('python3', 'python3', 'its single-threaded http.server: the server BB-ISO-01 must fail (test/blackbox/node.test.ts)'),
} as const satisfies Record<string, Tool>;

export type ToolName = keyof typeof TOOLS;

/** What `npm test` needs besides npm packages. */
export const TEST_TOOLS: ToolName[] = ['chromium', 'h2spec', 'nginx', 'h2o', 'python3'];
