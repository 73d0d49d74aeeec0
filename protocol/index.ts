export * from './pattern.ts';
export * from './script.ts';
export * from './journal.ts';
export * from './info.ts';
