// Every outside tool dawdle knows, by name. Pins live here and nowhere else.
import { join } from 'node:path';
import { aptTool, firstExisting, goTool, onPath, TOOLS_DIR, type Tool } from './tool.ts';

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
  // MIT (k6 is AGPL and not used). Built by `go install` in ~40 s; `-version` prints no version
  // for such builds, so the pin here is the only record of which one it is.
  vegeta: goTool('vegeta', 'github.com/tsenart/vegeta/v12', 'v12.13.0',
    'the fast clients of `dawdle capacity`: a constant arrival rate (test/capacity/)',
    () => (process.env.DAWDLE_VEGETA ? firstExisting(process.env.DAWDLE_VEGETA) : firstExisting(join(TOOLS_DIR, 'vegeta')))),
  'user-mode-linux': aptTool('user-mode-linux', 'user-mode-linux', 'a Linux kernel as a program (linux.uml) with sch_netem: the uml shaping backend and its tests',
    () => onPath('linux.uml')),
  kmod: aptTool('kmod', 'kmod', 'insmod inside the user-mode Linux guest (loads sch_netem there)', () => onPath('insmod')),
  iproute2: aptTool('iproute2', 'iproute2', 'ip and tc: network namespaces, veth, TAP and qdiscs (shaping)', () => onPath('tc')),
  curl: aptTool('curl', 'curl', 'the end-to-end shaping tests fetch through the shaped link with it'),
  // Debian 12: nginx 1.22.1 and h2o 2.2.5, the real servers the black-box catalogue is proved on.
  nginx: aptTool('nginx', 'nginx-light', 'a real server for the black-box tests (test/blackbox/)', () => firstExisting('/usr/sbin/nginx') ?? onPath('nginx')),
  h2o: aptTool('h2o', 'h2o', 'a real server for the black-box tests (test/blackbox/)'),
  python3: aptTool('python3', 'python3', 'its single-threaded http.server: the server BB-ISO-01 must fail (test/blackbox/node.test.ts)'),
} as const satisfies Record<string, Tool>;

export type ToolName = keyof typeof TOOLS;

/** What `npm test` needs besides npm packages. */
export const TEST_TOOLS: ToolName[] = ['chromium', 'h2spec', 'vegeta', 'nginx', 'h2o', 'python3', 'iproute2', 'user-mode-linux', 'kmod', 'curl'];

/** Of TEST_TOOLS, those whose tests skip themselves (with the reason) when the tool cannot be had:
 * the shaping tests, which also need root. Missing, they are a warning, not a setup failure. */
export const OPTIONAL_TEST_TOOLS: ToolName[] = ['iproute2', 'user-mode-linux', 'kmod', 'curl'];
