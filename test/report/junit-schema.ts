// The JUnit schema check the report tests share: libxml2's xmllint compiled to WebAssembly (npm
// package xmllint-wasm, MIT), so no system package is needed. Same checks as `xmllint --schema`.
import { readFileSync } from 'node:fs';
import { validateXML } from 'xmllint-wasm';

const XSD = readFileSync(new URL('../fixtures/junit.xsd', import.meta.url), 'utf8');

/** Validates `xml` against test/fixtures/junit.xsd. */
export async function junitSchemaCheck(xml: string): Promise<{ ok: boolean; out: string }> {
  const r = await validateXML({ xml: { fileName: 'report.xml', contents: xml }, schema: { fileName: 'junit.xsd', contents: XSD } });
  return { ok: r.valid, out: r.errors.map((e) => e.rawMessage).join('\n') };
}
