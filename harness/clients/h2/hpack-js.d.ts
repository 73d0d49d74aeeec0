// Types for the parts of hpack.js (CommonJS, no bundled types) that hpack.ts uses.
declare module 'hpack.js' {
  interface HeaderField { name: string; value: string; neverIndex?: boolean; huffman?: boolean; incremental?: boolean }
  interface TableOptions { table: { maxSize: number } }
  interface Compressor {
    write(headers: HeaderField[]): boolean;
    read(): Buffer | null;
  }
  interface Decompressor {
    write(block: Buffer): boolean;
    execute(cb?: (err: Error | null) => void): void;
    read(): { name: string; value: string; neverIndex: boolean } | null;
    on(event: 'error', listener: (err: Error) => void): this;
    updateTableSize(size: number): void;
  }
  const hpack: {
    compressor: { create(options: TableOptions): Compressor };
    decompressor: { create(options: TableOptions): Decompressor };
  };
  export default hpack;
}

declare module 'hpack.js/lib/hpack/static-table.js' {
  /** RFC 7541 Appendix A, in index order (index = position + 1). */
  const staticTable: { table: Array<{ name: string; value: string; nameSize: number; totalSize: number }> };
  export default staticTable;
}
