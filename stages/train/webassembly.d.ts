// The part of the WebAssembly JS API row-kernel.ts and backend.ts use. Node has it all, but @types/node 20 does not
// declare it
// and lib "dom" would bring browser globals into every file.
declare namespace WebAssembly {
  function validate(bytes: ArrayBufferView | ArrayBuffer): boolean;
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}
