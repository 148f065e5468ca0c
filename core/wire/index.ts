export * from './frame-layout.ts';
export * from './header.ts';
export * from './encode.ts';
export * from './verifier.ts';
export * from './replay-guard.ts';
export * from './handshake.ts';
